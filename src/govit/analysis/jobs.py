"""The lead office's 台账 upload as a background job (eager without Redis): the page polls progress."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from govit.analysis.models import ImportStatus, InventoryImportJob
from govit.analysis.services import require_lead_office
from govit.core import uploads
from govit.core.models import Jurisdiction, User
from govit.core.services import audit_record
from govit.projects.errors import InvalidInput

IMPORT_MAX_BYTES = 20 * 1024 * 1024


def import_job_start(*, data: bytes, file_name: str, jurisdiction: Jurisdiction, actor: User, dry_run: bool = False,
                     source_ip: str | None = None) -> InventoryImportJob:
    require_lead_office(actor, jurisdiction, "导入存量台账")
    try:  # one upload policy for every app: size, type by content, safe name
        file_name = uploads.validate_upload(data=data, filename=file_name, allowed={"xlsx"},
                                            max_bytes=IMPORT_MAX_BYTES).display_name
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc)) from exc
    with transaction.atomic():
        job = InventoryImportJob.objects.create(jurisdiction=jurisdiction, file_name=file_name[:200], file_data=data,
                                                dry_run=dry_run, created_by=actor)
        audit_record(actor=actor, action="analysis.inventory_import", obj=job, source_ip=source_ip,
                     details={"file": job.file_name, "bytes": len(data), "dry_run": dry_run, "step": "upload"})
    from govit.analysis.tasks import inventory_import_task

    inventory_import_task.delay(job.pk)
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> InventoryImportJob:
    """Run a queued job: progress into the row, then the outcome; the file is erased."""
    from govit.analysis.inventory import RowError, inventory_import, read_xlsx

    job = InventoryImportJob.objects.select_related("created_by", "jurisdiction").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job
    InventoryImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        InventoryImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    try:
        _, rows = read_xlsx(bytes(job.file_data))
        outcome = inventory_import(jurisdiction=job.jurisdiction, rows=rows, actor=job.created_by,
                                   dry_run=job.dry_run, source=f"存量台账 {job.file_name}", progress=progress)
        result, total = outcome.as_dict(), outcome.total_rows
    except InvalidInput as exc:
        result = {"created": 0, "updated": 0, "unchanged": 0, "errors": [RowError(0, "", exc.message).as_dict()]}
        total = 0
    InventoryImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED if result["errors"] else ImportStatus.SUCCEEDED, result=result,
        total_rows=total, processed_rows=total, file_data=b"", finished_at=timezone.now())
    job.refresh_from_db()
    return job
