"""Background jobs of supervision: the daily sweep and its chunks (Celery on Redis in production;
eager, in-process, in the embedded default)."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="govit.supervision.sweep")
def sweep_task(as_of: str | None = None, full: bool = False) -> dict:
    from govit.supervision.sweep import sweep

    run = sweep(as_of=date.fromisoformat(as_of) if as_of else None, full=full)
    return run.counts


@shared_task(name="govit.supervision.sweep_chunk", acks_late=True)
def sweep_chunk_task(run_id: int, number: int) -> dict:
    """One chunk of a sweep; safe to run twice (a chunk already done returns its counts)."""
    from govit.supervision.sweep import sweep_chunk

    return sweep_chunk(run_id, number)
