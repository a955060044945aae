"""The expert library (专家库): create and update experts, and the all-or-nothing Excel import."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit.core import crypto, uploads
from govit.core.models import Jurisdiction, User
from govit.core.services import audit_record
from govit.experts.models import (
    SENSITIVE_FIELDS,
    Expert,
    ImportJob,
    ImportStatus,
)
from govit.experts.selectors import is_lead_office_of
from govit.experts.services.common import (
    clean_raw,
    duplicate_of,
    id_number_index,
    link_user_check,
    require_lead_office,
    seal,
)
from govit.experts.validation import clean_expert_fields, clean_id_number, row_errors
from govit.projects.errors import InvalidInput, PermissionDenied

# --- the library -----------------------------------------------------------------------------


def expert_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    name: str,
    employer: str,
    categories: Iterable[str] | str,
    title: str = "",
    available: bool = True,
    declared_conflicts: Iterable[str] | str = (),
    phone: str = "",
    id_number: str = "",
    bank_account: str = "",
    user: User | None = None,
    source_ip: str | None = None,
) -> Expert:
    """Add an expert to the jurisdiction's library."""
    values = clean_raw({
        "name": name, "employer": employer, "categories": categories, "title": title, "available": available,
        "declared_conflicts": declared_conflicts, "phone": phone, "id_number": id_number,
        "bank_account": bank_account,
    })
    with transaction.atomic():
        require_lead_office(actor, jurisdiction.pk)
        link_user_check(user, jurisdiction)
        expert = Expert(jurisdiction=jurisdiction, user=user)
        _set_fields(expert, values)
        duplicate = duplicate_of(jurisdiction, expert.id_number_index)
        if duplicate is not None:
            raise InvalidInput(f"身份证号与专家库中已有专家（{duplicate.name}）重复。")
        expert.save()
        audit_record(actor=actor, action="expert.create", obj=expert, source_ip=source_ip,
                     details={"jurisdiction": jurisdiction.code, "categories": expert.categories,
                              "user": user.get_username() if user else None})
    return expert


def _set_fields(expert: Expert, values: dict[str, Any]) -> None:
    for name in ("name", "employer", "categories", "title", "available", "declared_conflicts"):
        setattr(expert, name, values[name])
    seal(expert, {name: values[name] for name in SENSITIVE_FIELDS})


UPDATABLE = ("name", "employer", "categories", "title", "available", "declared_conflicts", "phone", "id_number",
             "bank_account")


def expert_update(*, expert: Expert, actor: User, source_ip: str | None = None, user: User | None = None,
                  unlink_user: bool = False, **changes: Any) -> Expert:
    """Change fields of an expert (only those given); the audit names the changed fields, not values."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(sorted(unknown))}。")
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        require_lead_office(actor, expert.jurisdiction_id)
        current = {name: getattr(expert, name) for name in UPDATABLE if name not in SENSITIVE_FIELDS}
        current.update({name: expert.decrypted(name) for name in SENSITIVE_FIELDS})
        values = clean_raw({**current, **changes})
        changed = sorted(name for name in UPDATABLE if values[name] != current[name])
        if user is not None and user != expert.user:
            link_user_check(user, expert.jurisdiction, exclude_pk=expert.pk)
            expert.user = user
            changed.append("user")
        elif unlink_user and expert.user_id:
            expert.user = None
            changed.append("user")
        _set_fields(expert, values)
        duplicate = duplicate_of(expert.jurisdiction, expert.id_number_index, exclude_pk=expert.pk)
        if duplicate is not None:
            raise InvalidInput(f"身份证号与专家库中已有专家（{duplicate.name}）重复。")
        expert.save()
        audit_record(actor=actor, action="expert.update", obj=expert, source_ip=source_ip,
                     details={"changed": changed})
    return expert


# --- Excel import ----------------------------------------------------------------------------

IMPORT_COLUMNS = {
    "姓名": "name",
    "工作单位": "employer",
    "专业类别": "categories",
    "职称": "title",
    "手机号码": "phone",
    "身份证号": "id_number",
    "银行账号": "bank_account",
    "可抽取": "available",
    "回避单位": "declared_conflicts",
}
REQUIRED_COLUMNS = ("姓名", "工作单位", "专业类别")
PROGRESS_EVERY = 50


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (the header is row 1)
    column: str  # the Chinese column header, "" for file-level problems
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        where = f"「{self.column}」" if self.column else ""
        return f"第 {self.row} 行{where}：{self.message}"


@dataclass
class ImportResult:
    created: list[Expert] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput("无法读取文件，请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip().rstrip("*＊") if c is not None else "" for c in next(rows, ())]
    body = []
    for number, row in enumerate(rows, start=2):
        values = list(row)
        if any(v is not None and str(v).strip() for v in values):
            body.append((number, values))
    workbook.close()
    return header, body


def experts_import_xlsx(
    *,
    data: bytes,
    jurisdiction: Jurisdiction,
    actor: User,
    progress: Callable[[int, int], None] | None = None,
    source_ip: str | None = None,
) -> ImportResult:
    """Import experts from the first sheet of an .xlsx file: all rows or none.

    Every row is checked first (fields, duplicates inside the file and against the library); any
    error → nothing is written and every error is returned with its row and column. `progress`
    is called with (rows checked, total rows) while checking.
    """
    if not is_lead_office_of(actor, jurisdiction.pk):
        raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以导入专家。")
    result = ImportResult()
    try:
        header, rows = _read_rows(data)
    except InvalidInput as exc:
        result.errors.append(RowError(0, "", exc.message))
        return result
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors.append(RowError(0, "", f"表头缺少「{'」「'.join(missing)}」列（表头应在第 1 行）。"))
        return result
    if not rows:
        result.errors.append(RowError(0, "", "文件中没有专家数据（第 2 行起每行一位专家）。"))
        return result
    positions = {IMPORT_COLUMNS[h]: i for i, h in enumerate(header) if h in IMPORT_COLUMNS}
    label_of = {v: k for k, v in IMPORT_COLUMNS.items()}
    result.total_rows = len(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    seen_ids: dict[str, int] = {}
    for done, (number, values) in enumerate(rows, start=1):
        raw = {name: values[i] if i < len(values) else None for name, i in positions.items()}
        problems = row_errors(raw)
        for problem in problems:
            result.errors.append(RowError(number, label_of[problem.field], problem.message))
        number_text = "" if any(p.field == "id_number" for p in problems) else clean_id_number(raw.get("id_number"))
        if number_text in seen_ids:
            result.errors.append(RowError(number, "身份证号", f"与第 {seen_ids[number_text]} 行重复。"))
        elif number_text:
            seen_ids[number_text] = number
            duplicate = duplicate_of(jurisdiction, id_number_index(number_text))
            if duplicate is not None:
                result.errors.append(RowError(number, "身份证号", f"与专家库中已有专家（{duplicate.name}）重复。"))
        if not problems:
            cleaned.append((number, clean_expert_fields(raw)))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress(done, len(rows))
    if result.errors:
        return result
    with transaction.atomic():
        for _, record in cleaned:
            expert = Expert(jurisdiction=jurisdiction)
            _set_fields(expert, record)
            expert.save()
            result.created.append(expert)
        audit_record(actor=actor, action="expert.import", source_ip=source_ip,
                     details={"jurisdiction": jurisdiction.code, "created": len(result.created),
                              "experts": [e.pk for e in result.created]})
    return result


IMPORT_MAX_BYTES = 20 * 1024 * 1024


def import_job_start(*, data: bytes, file_name: str, jurisdiction: Jurisdiction, actor: User,
                     source_ip: str | None = None) -> ImportJob:
    """Queue an import as a background job (eager without Redis); the page polls its progress."""
    require_lead_office(actor, jurisdiction.pk)
    try:  # one upload policy for every app: size, type by content, safe name
        file_name = uploads.validate_upload(data=data, filename=file_name, allowed={"xlsx"},
                                            max_bytes=IMPORT_MAX_BYTES).display_name
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc)) from exc
    with transaction.atomic():
        job = ImportJob.objects.create(jurisdiction=jurisdiction, file_name=file_name[:200], created_by=actor)
        job.file_sealed = crypto.encrypt_text_ring(data.hex(), associated_data=f"govit.import:{job.pk}".encode())
        job.save(update_fields=["file_sealed"])
        audit_record(actor=actor, action="expert.import_start", obj=job, source_ip=source_ip,
                     details={"file": job.file_name, "bytes": len(data)})
    from govit.experts.tasks import run_import_job

    run_import_job.delay(job.pk)
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import job: progress into the row, then the outcome; the file is erased."""
    job = ImportJob.objects.select_related("created_by", "jurisdiction").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    try:
        data = bytes.fromhex(
            crypto.decrypt_text_ring(job.file_sealed, associated_data=f"govit.import:{job.pk}".encode())
        )
        result = experts_import_xlsx(data=data, jurisdiction=job.jurisdiction, actor=job.created_by,
                                     progress=progress)
        errors = [str(e) for e in result.errors]
        outcome = ImportStatus.FAILED if errors else ImportStatus.SUCCEEDED
        created = len(result.created)
        total = result.total_rows
    except PermissionDenied as exc:
        errors, outcome, created, total = [exc.message], ImportStatus.FAILED, 0, 0
    ImportJob.objects.filter(pk=job.pk).update(
        status=outcome, errors=errors, created_count=created, total_rows=total, processed_rows=total,
        file_sealed="", finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


