"""Background job of supervision: the daily sweep (Celery beat in production; eager otherwise)."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="govit.supervision.sweep")
def sweep_task(as_of: str | None = None) -> dict:
    from govit.supervision.services import sweep

    run = sweep(as_of=date.fromisoformat(as_of) if as_of else None)
    return run.counts
