"""Demo: sweep the demo projects at today's date so the dashboards show obligations and ratings.
Idempotent: skipped when today's sweep has already run."""

from __future__ import annotations

from typing import TextIO

from django.utils import timezone


def load_supervision_demo(*, stdout: TextIO) -> None:
    from govit.supervision.models import SweepRun
    from govit.supervision.services import sweep

    today = timezone.localdate()
    if SweepRun.objects.filter(as_of=today, finished_at__isnull=False).exists():
        return
    run = sweep(as_of=today)
    stdout.write(f"督办扫描：义务 {run.counts['obligations']} 项，评级 {run.counts['ratings']} 个。\n")
