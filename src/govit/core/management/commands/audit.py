"""`govit audit verify`: walk the audit hash chain; exit 1 naming the first bad entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govit.core.audit import verify_chain


class Command(BaseCommand):
    help = "审计日志工具。verify：校验审计日志哈希链是否完整、未被篡改。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify}")
        sub.add_parser("verify", help="校验审计日志哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()

    def _verify(self) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"审计日志校验通过：共 {report.checked} 条，最后 seq={report.last_seq}。")
            return
        assert report.problem is not None
        raise CommandError(
            f"审计日志校验失败，第一处异常：{report.problem.describe()}。"
            f"此前 {report.checked} 条完好。请立即保全数据库备份并报告安全管理员。",
            returncode=1,
        )
