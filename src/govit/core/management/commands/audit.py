"""`govit audit verify|archive`: check the audit hash chain; export old entries to a signed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from govit.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "审计日志工具。verify：校验审计日志哈希链是否完整、未被篡改；"
        "archive：将超过保存期的审计日志导出为签名文件（不删除任何记录）；archive --check 文件：校验归档文件签名。"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,archive}")
        sub.add_parser("verify", help="校验审计日志哈希链")
        archive = sub.add_parser("archive", help="导出超过保存期的审计日志（HMAC-SM3 签名）")
        archive.add_argument("--output", "-o", help="输出文件（默认 var/audit-archive-<时间>.jsonl）")
        archive.add_argument("--check", metavar="FILE", help="只校验已有归档文件的签名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()
        elif options["subcommand"] == "archive":
            self._archive(options.get("output"), options.get("check"))

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

    def _archive(self, output: str | None, check: str | None) -> None:
        from django.conf import settings

        from govit.core.archive import archive_cutoff, retention_days, verify_archive, write_archive
        from govit.core.services import audit_record

        if check:
            if not verify_archive(Path(check)):
                raise CommandError(f"归档文件 {check} 签名不符：文件已被改动或不是本系统生成。", returncode=1)
            self.stdout.write(f"归档文件 {check} 签名校验通过。")
            return
        stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
        path = Path(output) if output else Path(settings.VAR_DIR) / f"audit-archive-{stamp}.jsonl"
        count = write_archive(path)
        audit_record(actor=None, actor_name="命令行", action="audit.archive",
                     details={"file": path.name, "entries": count, "retention_days": retention_days()})
        self.stdout.write(
            f"已将 {archive_cutoff():%Y-%m-%d} 之前（超过 {retention_days()} 天）的 {count} 条审计日志导出到 {path}。"
            "数据库中的记录未删除。"
        )
