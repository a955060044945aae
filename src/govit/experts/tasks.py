"""Background jobs of the expert library (Celery; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="govit.experts.run_import_job")
def run_import_job(job_id: int) -> str:
    from govit.experts.services import import_job_run

    return import_job_run(job_id=job_id).status
