"""`govit inventory import FILE.xlsx --jurisdiction CODE [--dry-run] [--format json] [--user USERNAME]`.

Imports the 存量系统台账 (existing systems and projects) from the first sheet of an Excel file; the
columns and where they land are in govit.analysis.inventory. Any bad row: nothing is imported,
every error is listed, exit 2. Importing the same file twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from govit.analysis.management.commands._output import add_format, dump, fail, jurisdiction_or_fail
from govit.core.models import Role, User


class Command(BaseCommand):
    help = "存量系统台账导入。import FILE.xlsx --jurisdiction CODE：导入存量系统和项目（任一行有误则全部不导入）。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import}")
        imp = sub.add_parser("import", help="从 .xlsx 导入存量系统台账和项目")
        imp.add_argument("file", type=Path)
        imp.add_argument("--jurisdiction", required=True, help="行政区划代码，例如 320612（通州区）")
        imp.add_argument("--dry-run", action="store_true", help="只校验并报告将新增、更新多少，不写入")
        imp.add_argument("--user", help="以该牵头部门账号的名义导入（默认：本级第一个领导小组办公室账号）")
        add_format(imp)

    def handle(self, *args: Any, **options: Any) -> None:
        from govit.analysis.inventory import RowError, inventory_import, read_xlsx
        from govit.projects.errors import InvalidInput
        from govit.projects.selectors import users_with_role

        jurisdiction = jurisdiction_or_fail(self, options, options["jurisdiction"])
        path: Path = options["file"]
        empty = {"created": 0, "updated": 0, "unchanged": 0}
        if not path.is_file():
            message = f"文件 {path} 不存在。"
            fail(self, options, message, {**empty, "errors": [RowError(0, "", message).as_dict()]})
        if options.get("user"):
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                fail(self, options, f"账号“{options['user']}”不存在或已停用。", {**empty, "errors": []})
        else:
            leads = users_with_role(Role.LEAD_OFFICE, jurisdiction_id=jurisdiction.pk)
            if not leads:
                fail(self, options, f"{jurisdiction.name}没有领导小组办公室账号，请用 --user 指定导入人。",
                     {**empty, "errors": []})
            actor = sorted(leads, key=lambda u: u.pk)[0]
        try:
            _, rows = read_xlsx(path.read_bytes())
        except InvalidInput as exc:
            message = f"{path.name}：{exc.message}"
            fail(self, options, message, {**empty, "errors": [RowError(0, "", message).as_dict()]})
        outcome = inventory_import(jurisdiction=jurisdiction, rows=rows, actor=actor, dry_run=options["dry_run"],
                                   source=f"存量台账 {path.name}")
        result = outcome.as_dict()
        if not outcome.ok:
            lines = "\n".join(f"  {path.name} {e}" for e in outcome.errors)
            fail(self, options, f"未导入任何数据，{path.name} 有 {len(outcome.errors)} 处错误：\n{lines}", result)
        if options["format"] == "json":
            self.stdout.write(dump(result))
            return
        verb = "校验通过（未写入）：将" if outcome.dry_run else "已导入："
        self.stdout.write(f"{jurisdiction.name} {path.name} {verb}新增 {outcome.created}，更新 {outcome.updated}，"
                          f"未变 {outcome.unchanged}（共 {outcome.total_rows} 行）。")
