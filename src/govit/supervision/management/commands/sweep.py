"""`govit sweep [--as-of DATE]`: recompute obligations, ratings and sanctions; escalate overdue
rectification orders; send each user one digest of new reminders. Safe to run again (cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "督办扫描：计算项目义务与健康评级、单位限制，逾期整改升级处理，发送提醒（可重复执行）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", help="按此日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--full", action="store_true", help="全量重算所有项目（默认只处理有变化和临近到期的项目）")
        parser.add_argument("--chunk", help="每个分片的项目数（默认 GOVIT_SWEEP_CHUNK，50）")

    def handle(self, *args: Any, **options: Any) -> None:
        from govit.supervision.services import sweep

        as_of = None
        if options.get("as_of"):
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为 YYYY-MM-DD 格式的日期。", returncode=2) from None
        chunk = None
        if options.get("chunk"):
            if not str(options["chunk"]).isdigit() or not 1 <= int(options["chunk"]) <= 5000:
                raise CommandError("--chunk 应为 1–5000 的整数。", returncode=2)
            chunk = int(options["chunk"])
        run = sweep(as_of=as_of, full=options.get("full", False), chunk_size=chunk)
        c = run.counts
        self.stdout.write(
            f"督办扫描（{run.as_of.isoformat()}）：项目 {c['projects']} 个（重新评估 {c.get('evaluated', 0)} 个，"
            f"其中增量推算 {c.get('incremental', 0)} 个，"
            f"分片 {c.get('chunks', 0)} 个），义务 {c['obligations']} 项，"
            f"新提醒 {c['reminders']} 条，评级 {c['ratings']} 个，整改升级 {c['escalations']} 次，"
            f"单位限制新增 {c['sanctions_opened']} / 解除 {c['sanctions_lifted']}。\n"
        )
