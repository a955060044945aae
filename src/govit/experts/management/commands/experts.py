"""`govit experts verify-draw ID`: recompute a draw from its stored inputs and compare.

`govit experts import FILE --jurisdiction CODE --user USERNAME`: import experts from an .xlsx file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govit.core.models import Jurisdiction, User
from govit.experts.models import Draw
from govit.experts.services import draw_verify, experts_import_xlsx
from govit.projects.errors import DomainError


class Command(BaseCommand):
    help = "专家库工具。verify-draw ID：按保存的输入重算抽取结果并比对；import FILE：从 Excel 导入专家。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify-draw,import}")
        verify = sub.add_parser("verify-draw", help="按保存的种子和候选名单重算抽取结果")
        verify.add_argument("draw_id", type=int)
        imp = sub.add_parser("import", help="从 .xlsx 文件导入专家（任一行有误则全部不导入）")
        imp.add_argument("file", type=Path)
        imp.add_argument("--jurisdiction", required=True, help="行政区划代码，例如 320612")
        imp.add_argument("--user", required=True, help="以该牵头部门账号的名义导入（写入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify-draw":
            self._verify(options["draw_id"])
        else:
            self._import(options["file"], options["jurisdiction"], options["user"])

    def _verify(self, draw_id: int) -> None:
        draw = Draw.objects.filter(pk=draw_id).first()
        if draw is None:
            raise CommandError(f"没有编号为 {draw_id} 的专家抽取。", returncode=2)
        result = draw_verify(draw=draw)
        if not result.ok:
            raise CommandError(f"第 {draw_id} 号抽取不一致：" + "；".join(result.differences) + "。", returncode=1)
        self.stdout.write(
            f"一致：第 {draw_id} 号抽取（{draw.algorithm}）按公开种子重算，评审专家与备选名单与记录相同；"
            f"种子承诺值 {draw.seed_commitment}。"
        )

    def _import(self, path: Path, code: str, username: str) -> None:
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        user = User.objects.filter(username=username).first()
        if jurisdiction is None or user is None:
            raise CommandError("行政区划代码或账号不存在。", returncode=2)
        try:
            result = experts_import_xlsx(
                data=path.read_bytes(), jurisdiction=jurisdiction, actor=user,
                progress=lambda done, total: self.stdout.write(f"\r已校验 {done}/{total} 行", ending=""),
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write("")
        if not result.ok:
            raise CommandError("未导入任何专家：\n" + "\n".join(str(e) for e in result.errors), returncode=1)
        self.stdout.write(f"已导入 {len(result.created)} 位专家。")
