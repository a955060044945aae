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
        "archive：将超过保存期的审计日志导出为签名文件（不删除任何记录）；archive --check 文件：校验归档文件签名；"
        "checkpoint：将审计日志和角色授权台账的链头签名写入外部检查点（供定时任务使用）。"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,archive,checkpoint}")
        verify = sub.add_parser("verify", help="校验审计日志哈希链")
        verify.add_argument("--since", metavar="SEQ",
                            help="只校验序号 SEQ 之后的条目（上次校验打印的最后序号，供定时任务使用）")
        verify.add_argument("--workers", metavar="N", default="1", help="并行校验的进程数（PostgreSQL，默认 1）")
        verify.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
        verify.add_argument("--checkpoint", metavar="FILE", action="append", default=[],
                            help="另外读取的检查点文件（例如从日志服务器导出），可重复")
        checkpoint = sub.add_parser("checkpoint", help="写入外部检查点（链头序号、哈希、时间，HMAC-SM3 签名）")
        checkpoint.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
        archive = sub.add_parser("archive", help="导出超过保存期的审计日志（HMAC-SM3 签名）")
        archive.add_argument("--output", "-o", help="输出文件（默认 var/audit-archive-<时间>.jsonl）")
        archive.add_argument("--check", metavar="FILE", help="只校验已有归档文件的签名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(options.get("since"), options.get("workers"), options.get("format") or "text",
                         tuple(options.get("checkpoint") or ()))
        elif options["subcommand"] == "checkpoint":
            self._checkpoint(options.get("format") or "text")
        elif options["subcommand"] == "archive":
            self._archive(options.get("output"), options.get("check"))

    def _checkpoint(self, fmt: str) -> None:
        import json

        from govit.core import checkpoints

        try:
            checkpoint, failed = checkpoints.write(force=True)
        except checkpoints.CheckpointRefused as exc:
            raise CommandError(f"未写入检查点：{exc}。请先运行 govit audit verify 并报告安全管理员。",
                               returncode=1) from exc
        if fmt == "json":
            self.stdout.write(json.dumps({"ok": not failed, "audit": {"seq": checkpoint.audit_seq,
                                          "hash": checkpoint.audit_hash},
                                          "roles": {"seq": checkpoint.roles_seq, "hash": checkpoint.roles_hash},
                                          "time": checkpoint.time, "sinks": checkpoints.sinks(), "failed": failed},
                                         ensure_ascii=False))
        else:
            self.stdout.write(f"已写入检查点：审计日志 seq={checkpoint.audit_seq}，"
                              f"角色授权台账 seq={checkpoint.roles_seq}，"
                              f"时间 {checkpoint.time}，目标 {', '.join(checkpoints.sinks())}。")
        if failed:
            raise CommandError(f"以下检查点目标写入失败：{', '.join(failed)}。", returncode=1)

    def _verify(self, since_text: str | None, workers_text: str | None, fmt: str,
                checkpoint_files: tuple[str, ...] = ()) -> None:
        import json
        import time

        since = _count("--since", since_text, minimum=0)
        workers = _count("--workers", workers_text, minimum=1, maximum=64)
        started = time.perf_counter()
        for name in checkpoint_files:
            if not Path(name).is_file():
                raise CommandError(f"--checkpoint：文件 {name} 不存在。", returncode=2)
        report = verify_chain(since=since, workers=workers, checkpoint_files=checkpoint_files)
        seconds = time.perf_counter() - started
        if fmt == "json":
            problem = report.problem
            self.stdout.write(json.dumps({
                "ok": report.ok, "since": since, "checked": report.checked, "last_seq": report.last_seq,
                "seconds": round(seconds, 3), "entries_per_s": round(report.checked / seconds) if seconds else None,
                "problem": None if problem is None else {"seq": problem.seq, "entry_id": problem.entry_id,
                                                         "reason": problem.reason},
            }, ensure_ascii=False))
            if not report.ok:
                raise CommandError("审计日志校验失败。", returncode=1)
            return
        scope = f"序号 {since} 之后的 " if since else ""
        if report.ok:
            self.stdout.write(f"审计日志校验通过：{scope}共 {report.checked} 条，最后 seq={report.last_seq}"
                              f"（{seconds:.1f} 秒）。下次可用 --since {report.last_seq} 只校验新增条目。")
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


def _count(option: str, value: str | None, *, minimum: int, maximum: int | None = None) -> int:
    if value in (None, ""):
        return minimum if option == "--workers" else 0
    try:
        number = int(str(value))
    except ValueError:
        raise CommandError(f"{option} 应为整数，收到“{value}”。", returncode=2) from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"{minimum}–{maximum}" if maximum is not None else f"不小于 {minimum}"
        raise CommandError(f"{option} 应为{bound}的整数，收到“{value}”。", returncode=2)
    return number
