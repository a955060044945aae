"""Background jobs of the analysis: the incremental index refresh and the inventory upload.

Celery with Redis in production, eager (in-process) otherwise; `govit analysis index` and
`govit inventory import` do the same from cron or a terminal.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction


@shared_task(name="govit.analysis.index_refresh")
def index_refresh_task(jurisdiction_id: int) -> dict:
    from govit.analysis.indexing import index_sync
    from govit.core.models import Jurisdiction

    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    if jurisdiction is None:
        return {"indexed": 0, "removed": 0, "total": 0}
    return index_sync(jurisdiction=jurisdiction).as_dict()


def schedule_index_refresh(jurisdiction_id: int) -> None:
    """Refresh the jurisdiction's index once the current transaction commits (in-process when
    Celery is eager, as in the embedded default)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: index_refresh_task(jurisdiction_id))
    else:
        transaction.on_commit(lambda: index_refresh_task.delay(jurisdiction_id))


@shared_task(name="govit.analysis.inventory_import")
def inventory_import_task(job_id: int) -> dict:
    from govit.analysis.jobs import import_job_run

    job = import_job_run(job_id=job_id)
    return {"status": job.status, **job.result}
