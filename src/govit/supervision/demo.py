"""Demo: sweep the demo projects at today's date so the dashboards show obligations and ratings.
Idempotent (the sweep is)."""

from __future__ import annotations

from typing import TextIO

from django.utils import timezone


def load_supervision_demo(*, stdout: TextIO) -> None:
    from govit.supervision.services import sweep

    run = sweep(as_of=timezone.localdate())
    stdout.write(f"督办扫描：义务 {run.counts['obligations']} 项，评级 {run.counts['ratings']} 个。\n")
