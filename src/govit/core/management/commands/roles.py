"""`govit roles verify|adopt|grant|revoke`: the role-assignment ledger from the command line.

`grant`/`revoke` are for the operator on the server (e.g. appointing the first security
administrator); day-to-day grants are made by security administrators on the web page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from govit.core import role_ledger
from govit.core.models import Jurisdiction, RoleAssignment, RoleLedgerAction, Unit, User
from govit.core.services import RoleAssignmentRefused, audit_record, role_assign, role_revoke


class Command(BaseCommand):
    help = (
        "角色授权台账工具：verify 校验授权是否被篡改；adopt 将升级前已有的授权记入台账；"
        "grant/revoke 授予或撤销角色。"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,adopt,grant,revoke}")
        verify = sub.add_parser("verify", help="校验角色授权台账与现有授权")
        verify.add_argument("--checkpoint", metavar="FILE", action="append", default=[],
                            help="另外读取的检查点文件（例如从日志服务器导出），可重复")
        sub.add_parser("adopt", help="台账为空时，将现有授权记入台账（升级时运行一次）")
        for name in ("grant", "revoke"):
            p = sub.add_parser(name, help="授予角色" if name == "grant" else "撤销角色")
            p.add_argument("username")
            p.add_argument("role")
            p.add_argument("jurisdiction_code")
            if name == "grant":
                p.add_argument("--unit", help="单位名称")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        report = role_ledger.verify_ledger(checkpoint_files=tuple(options.get("checkpoint") or ()))
        if report.ok:
            self.stdout.write(f"角色授权校验通过：台账 {report.checked} 条，现有授权 {report.assignments} 条。")
            return
        raise CommandError("角色授权校验失败：\n" + "\n".join(report.problems), returncode=1)

    def _adopt(self, options: dict[str, Any]) -> None:
        from govit.core.models import RoleLedgerEntry

        if RoleLedgerEntry.objects.exists():
            raise CommandError("台账已有记录，不能批量记入；请用 verify 查看差异。")
        with transaction.atomic():
            count = 0
            for assignment in RoleAssignment.objects.order_by("pk"):
                role_ledger.append(action=RoleLedgerAction.GRANT, assignment=assignment, actor_name="命令行（adopt）")
                count += 1
            audit_record(actor=None, actor_name="命令行", action="role.adopt", details={"assignments": count})
        self.stdout.write(f"已将 {count} 条现有授权记入台账。")

    def _lookup(self, options: dict[str, Any]) -> tuple[User, Jurisdiction]:
        user = User.objects.filter(username=options["username"]).first()
        jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction_code"]).first()
        if user is None or jurisdiction is None:
            raise CommandError("用户或行政区划代码不存在。")
        return user, jurisdiction

    def _grant(self, options: dict[str, Any]) -> None:
        user, jurisdiction = self._lookup(options)
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(jurisdiction=jurisdiction, name=options["unit"]).first()
            if unit is None:
                raise CommandError("该行政区域没有这个单位。")
        from govit.core.account_services import GRANT_CONFIRM_HOURS, role_grant_request
        from govit.core.models import ADMIN_ROLES

        try:
            if options["role"] in ADMIN_ROLES:
                role_grant_request(user=user, role=options["role"], jurisdiction=jurisdiction, unit=unit, actor=None,
                                   actor_name="命令行")
            else:
                role_assign(user=user, role=options["role"], jurisdiction=jurisdiction, unit=unit, actor=None,
                            actor_name="命令行")
        except (RoleAssignmentRefused, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["role"] in ADMIN_ROLES:
            self.stdout.write(f"已发起授权：须由 {user.username} 本人登录后"
                              "在“我的账号 → 确认管理员授权”页用动态口令确认"
                              f"（{GRANT_CONFIRM_HOURS} 小时内有效）。")
            return
        self.stdout.write("已授予。")

    def _revoke(self, options: dict[str, Any]) -> None:
        user, jurisdiction = self._lookup(options)
        assignment = RoleAssignment.objects.filter(user=user, role=options["role"], jurisdiction=jurisdiction).first()
        if assignment is None:
            raise CommandError("没有这条授权。")
        role_revoke(assignment=assignment, actor=None, actor_name="命令行")
        self.stdout.write("已撤销。")
