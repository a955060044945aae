"""Expert writes: the library, Excel import, verifiable draws, panel checks, signed reviews, fees, keys.

Every service takes keyword-only arguments, runs in one transaction, checks the actor's role and
scope, and writes one audit entry (never with a plaintext phone, ID or bank number in it).
Refusals raise `govit.projects.errors` exceptions with Chinese messages citing the article.

Draw lifecycle: `draw_commit` (candidates frozen, SM3(seed) published) → `draw_execute` (seed
revealed, panel and reserve drawn, see `govit.experts.draw`) → `draw_member_decline` (replaced from
the same category's reserve) → `panel_open` (composition checked against the pack by
`panel_check`) → `expert_review_submit` (each expert signs) → the project's `experts` opinion task
is completed when the whole panel has signed.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govit import policy
from govit.core import crypto, uploads
from govit.core.keyrotation import RotationResult
from govit.core.models import Jurisdiction, Unit, UnitKind, User
from govit.core.services import audit_record
from govit.experts import draw as algorithm
from govit.experts.models import (
    SENSITIVE_FIELDS,
    Draw,
    DrawMember,
    DrawPurpose,
    DrawStatus,
    Expert,
    ExpertCategory,
    ExpertReview,
    FeeRecord,
    ImportJob,
    ImportStatus,
    MemberRole,
    MemberStatus,
    ReviewOpinion,
)
from govit.experts.selectors import draw_counts_in_months, is_lead_office_of, month_of, period_months
from govit.experts.validation import FieldInvalid, clean_expert_fields, clean_id_number, row_errors
from govit.notifications.services import notify
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import CLOSED_STATES, Project, ProjectState

ID_INDEX_PURPOSE = "expert.id_number"
# Scoring criteria of the expert review form (the form's design, not a regulatory number).
CRITERIA = {
    "necessity": "建设必要性",
    "technical": "技术方案合理性",
    "investment": "投资估算合理性",
    "security": "网络安全与密码应用",
    "sharing": "集约共享与数据资源",
}
SCORE_MAX = 10
PERIOD_KINDS = {"year": "年", "quarter": "季度", "month": "月"}


# --- helpers ---------------------------------------------------------------------------------


def _require_lead_office(actor: User, jurisdiction_id: int) -> None:
    if not is_lead_office_of(actor, jurisdiction_id):
        raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以管理专家库和组织专家抽取。")


def _lock_draw(draw: Draw) -> None:
    Draw.objects.select_for_update().filter(pk=draw.pk).exists()
    draw.refresh_from_db()


def _cite(pack_id: str, citation: dict[str, Any] | None) -> str:
    if not citation:
        return ""
    return f"《{policy.load_pack(pack_id).title}》{lifecycle.cite_text(citation)}"


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, purpose=ID_INDEX_PURPOSE) if id_number else ""


def _seal(expert: Expert, values: dict[str, str]) -> None:
    """Encrypt all three sensitive fields under the current key (so `key_id` names one key)."""
    for name in SENSITIVE_FIELDS:
        expert.set_sensitive(name, values.get(name, ""))
    expert.key_id = crypto.current_sm4_key_id()
    expert.id_number_index = id_number_index(values.get("id_number", ""))


def _duplicate_of(jurisdiction: Jurisdiction, index: str, *, exclude_pk: int | None = None) -> Expert | None:
    if not index:
        return None
    qs = Expert.objects.filter(jurisdiction=jurisdiction, id_number_index=index)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _link_user_check(user: User | None, jurisdiction: Jurisdiction, *, exclude_pk: int | None = None) -> None:
    if user is None:
        return
    from govit.core.models import Role, RoleAssignment

    if not RoleAssignment.objects.filter(user=user, role=Role.EXPERT, jurisdiction=jurisdiction).exists():
        raise InvalidInput(f"账号 {user.get_username()} 在本行政区域没有“评审专家”角色，不能关联。")
    if Expert.objects.filter(user=user).exclude(pk=exclude_pk).exists():
        raise InvalidInput(f"账号 {user.get_username()} 已关联其他专家。")


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return clean_expert_fields(raw)
    except FieldInvalid as exc:
        raise InvalidInput(f"「{exc.label}」{exc.message}") from exc


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
    values = _clean({
        "name": name, "employer": employer, "categories": categories, "title": title, "available": available,
        "declared_conflicts": declared_conflicts, "phone": phone, "id_number": id_number,
        "bank_account": bank_account,
    })
    with transaction.atomic():
        _require_lead_office(actor, jurisdiction.pk)
        _link_user_check(user, jurisdiction)
        expert = Expert(jurisdiction=jurisdiction, user=user)
        _set_fields(expert, values)
        duplicate = _duplicate_of(jurisdiction, expert.id_number_index)
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
    _seal(expert, {name: values[name] for name in SENSITIVE_FIELDS})


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
        _require_lead_office(actor, expert.jurisdiction_id)
        current = {name: getattr(expert, name) for name in UPDATABLE if name not in SENSITIVE_FIELDS}
        current.update({name: expert.decrypted(name) for name in SENSITIVE_FIELDS})
        values = _clean({**current, **changes})
        changed = sorted(name for name in UPDATABLE if values[name] != current[name])
        if user is not None and user != expert.user:
            _link_user_check(user, expert.jurisdiction, exclude_pk=expert.pk)
            expert.user = user
            changed.append("user")
        elif unlink_user and expert.user_id:
            expert.user = None
            changed.append("user")
        _set_fields(expert, values)
        duplicate = _duplicate_of(expert.jurisdiction, expert.id_number_index, exclude_pk=expert.pk)
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
            duplicate = _duplicate_of(jurisdiction, id_number_index(number_text))
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
    _require_lead_office(actor, jurisdiction.pk)
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


# --- draws -----------------------------------------------------------------------------------


def split_names(text: str) -> list[str]:
    """Unit names typed in one box, separated by 、，, ; or new lines."""
    from govit.experts.validation import split_list

    return split_list(text)


def _norm(text: str) -> str:
    return "".join(text.split())


def _names_match(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    return bool(a and b) and (a == b or a in b or b in a)


def _default_other_members(project: Project) -> int:
    """Non-expert committee members: one per non-expert body of the project's latest opinion round."""
    from govit.reviews.models import OpinionTask, ReviewBody

    latest = OpinionTask.objects.filter(project=project).aggregate(r=Max("round"))["r"]
    if latest is None:
        return 0
    return OpinionTask.objects.filter(project=project, round=latest).exclude(body=ReviewBody.EXPERTS).count()


def eligibility(
    *,
    project: Project,
    categories: Iterable[str],
    vendors: Iterable[str] = (),
    excluded_expert_ids: Iterable[int] = (),
    exclude_previous: bool = True,
    max_draws_per_period: int | None = None,
    period: str = "year",
    today: date | None = None,
) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
    """Eligible expert ids per category (ascending) and the excluded ones with their reasons."""
    today = today or timezone.localdate()
    vendors = [v for v in (_norm(v) for v in vendors) if v]
    manual = {int(i) for i in excluded_expert_ids}
    experts = list(Expert.objects.filter(jurisdiction_id=project.jurisdiction_id).order_by("pk"))
    previous: set[int] = set()
    if exclude_previous:
        previous = set(
            DrawMember.objects.filter(draw__project=project, role=MemberRole.PANEL)
            .exclude(draw__status=DrawStatus.CANCELLED)
            .values_list("expert_id", flat=True)
        )
    counts: dict[int, int] = {}
    if max_draws_per_period is not None:
        if period == "year":
            months = period_months(str(today.year))
        elif period == "quarter":
            months = period_months(f"{today.year}Q{(today.month - 1) // 3 + 1}")
        else:
            months = [month_of(today)]
        counts = draw_counts_in_months([e.pk for e in experts], months)
    wanted = list(categories)
    candidates: dict[str, list[int]] = {c: [] for c in wanted}
    excluded: dict[str, list[str]] = {}
    for expert in experts:
        reasons = []
        if not expert.available:
            reasons.append("暂不可抽取")
        if expert.pk in manual:
            reasons.append("牵头部门指定回避")
        if _names_match(expert.employer, project.unit.name):
            reasons.append("与项目建设单位为同一单位")
        if any(_names_match(c, project.unit.name) for c in expert.declared_conflicts):
            reasons.append("申报了与项目建设单位的利害关系")
        if any(_names_match(expert.employer, v) for v in vendors):
            reasons.append("任职于本项目的供应商或服务机构")
        if any(_names_match(c, v) for c in expert.declared_conflicts for v in vendors):
            reasons.append("申报了与本项目供应商的利害关系")
        if expert.pk in previous:
            reasons.append("此前已参加本项目评审")
        if max_draws_per_period is not None and counts.get(expert.pk, 0) >= max_draws_per_period:
            reasons.append(f"本{PERIOD_KINDS.get(period, '期')}已参加 {counts[expert.pk]} 次评审，达到上限")
        if reasons:
            if set(expert.categories) & set(wanted):
                excluded[str(expert.pk)] = reasons
            continue
        for category in wanted:
            if category in expert.categories:
                candidates[category].append(expert.pk)
    return candidates, excluded


def draw_commit(
    *,
    project: Project,
    actor: User,
    purpose: str,
    requested: dict[str, int],
    reserve_per_category: int = 2,
    vendors: Iterable[str] = (),
    excluded_expert_ids: Iterable[int] = (),
    exclude_previous: bool = True,
    max_draws_per_period: int | None = None,
    period: str = "year",
    committee_other_members: int | None = None,
    source_ip: str | None = None,
) -> Draw:
    """Freeze the candidates and publish SM3(seed) before anything is drawn (the commitment)."""
    if purpose not in DrawPurpose.values:
        raise InvalidInput("评审事项无效。")
    requested = {c: int(n) for c, n in requested.items() if int(n) > 0}
    unknown = [c for c in requested if c not in ExpertCategory.values]
    if unknown:
        raise InvalidInput(f"未知的专业类别：{'、'.join(unknown)}。")
    if not requested:
        raise InvalidInput("请至少为一个专业类别填写抽取人数。")
    if reserve_per_category < 0 or (max_draws_per_period is not None and max_draws_per_period < 1):
        raise InvalidInput("备选人数不能为负数，评审次数上限至少为 1。")
    if period not in PERIOD_KINDS:
        raise InvalidInput("统计期间应为 year、quarter 或 month。")
    vendors = [v.strip() for v in vendors if v and v.strip()]
    excluded_ids = sorted({int(i) for i in excluded_expert_ids})
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        project.refresh_from_db()
        _require_lead_office(actor, project.jurisdiction_id)
        if project.state in CLOSED_STATES:
            raise TransitionRefused(f"项目当前状态为“{ProjectState(project.state).label}”，不能抽取专家。")
        candidates, excluded = eligibility(
            project=project, categories=requested, vendors=vendors, excluded_expert_ids=excluded_ids,
            exclude_previous=exclude_previous, max_draws_per_period=max_draws_per_period, period=period,
        )
        short = algorithm.shortfall(candidates=candidates, requested=requested)
        if short:
            text = "、".join(f"{ExpertCategory(c).label}缺 {n} 人" for c, n in short.items())
            raise TransitionRefused(f"符合条件的专家不足：{text}。请减少抽取人数或补充专家库。")
        seed = algorithm.new_seed()
        commitment = algorithm.seed_commitment(seed)
        digest = algorithm.inputs_digest(candidates=candidates, requested=requested, reserve=reserve_per_category)
        draw = Draw.objects.create(
            project=project, purpose=purpose, requested=requested, reserve_per_category=reserve_per_category,
            exclusions={
                "vendors": vendors, "excluded_expert_ids": excluded_ids, "exclude_previous": exclude_previous,
                "max_draws_per_period": max_draws_per_period, "period": period, "applicant_unit": project.unit.name,
            },
            excluded=excluded, candidates=candidates, candidates_digest=digest,
            committee_other_members=(
                _default_other_members(project) if committee_other_members is None else committee_other_members
            ),
            seed_commitment=commitment,
            seed_sealed=crypto.encrypt_text_ring(seed, associated_data=f"govit.draw.seed:{commitment}".encode()),
            algorithm=algorithm.ALGORITHM, committed_by=actor,
        )
        audit_record(actor=actor, action="expert_draw.commit", obj=draw, source_ip=source_ip, details={
            "project": project.pk, "seed_commitment": commitment, "candidates_digest": digest,
            "requested": requested, "reserve": reserve_per_category, "excluded": len(excluded),
            "algorithm": algorithm.ALGORITHM,
        })
    return draw


def draw_execute(*, draw: Draw, actor: User, source_ip: str | None = None) -> Draw:
    """Reveal the seed and draw the panel and reserve from the frozen candidates."""
    with transaction.atomic():
        _lock_draw(draw)
        _require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status != DrawStatus.COMMITTED:
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能再次抽取。")
        seed = crypto.decrypt_text_ring(draw.seed_sealed, associated_data=f"govit.draw.seed:{draw.seed_commitment}"
                                        .encode())
        if algorithm.seed_commitment(seed) != draw.seed_commitment:
            raise TransitionRefused("种子与承诺值不一致，抽取已中止，请报告安全管理员。")
        picks = algorithm.run(seed=seed, candidates=draw.candidates, requested=draw.requested,
                              reserve=draw.reserve_per_category)
        DrawMember.objects.bulk_create([
            DrawMember(draw=draw, expert_id=p.expert_id, category=p.category, rank=p.rank, initial_role=p.role,
                       role=p.role, status=MemberStatus.INVITED if p.role == MemberRole.PANEL else MemberStatus.STANDBY)
            for p in picks
        ])
        draw.seed = seed
        draw.seed_sealed = ""
        draw.status = DrawStatus.DRAWN
        draw.executed_by = actor
        draw.executed_at = timezone.now()
        draw.save()
        audit_record(actor=actor, action="expert_draw.execute", obj=draw, source_ip=source_ip, details={
            "seed": seed, "seed_commitment": draw.seed_commitment, "picks": algorithm.as_json(picks),
        })
        panel_users = [m.expert.user for m in draw.members.select_related("expert__user")
                       if m.role == MemberRole.PANEL and m.expert.user_id]
        notify(users=panel_users, project=draw.project,
               text=f"【{draw.project.name}】您被抽取为{draw.get_purpose_display()}专家，请在专家工作台确认是否参加。")
    return draw


def _may_act_for_member(actor: User, member: DrawMember) -> bool:
    return member.expert.user_id == actor.pk or is_lead_office_of(actor, member.draw.project.jurisdiction_id)


def draw_member_accept(*, member: DrawMember, actor: User, source_ip: str | None = None) -> DrawMember:
    """The expert confirms taking part and declares no conflict of interest (无利害关系声明)."""
    with transaction.atomic():
        _lock_draw(member.draw)
        member.refresh_from_db()
        if member.expert.user_id != actor.pk:
            raise PermissionDenied("只有被抽取的专家本人可以确认参加并作出无利害关系声明。")
        if not member.is_active_panel or member.draw.status not in (DrawStatus.DRAWN, DrawStatus.OPEN):
            raise TransitionRefused("该评审邀请已失效。")
        member.status = MemberStatus.ACCEPTED
        member.no_conflict_declared_at = member.no_conflict_declared_at or timezone.now()
        member.save()
        audit_record(actor=actor, action="expert_draw.accept", obj=member, source_ip=source_ip,
                     details={"draw": member.draw_id, "no_conflict": True})
    return member


def draw_member_decline(*, member: DrawMember, actor: User, reason: str,
                        source_ip: str | None = None) -> DrawMember | None:
    """A panel expert declines (by themselves or recorded by the lead office); the first unused
    reserve of the same category takes the seat. Returns the replacement, or None if none is left."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写谢绝原因（如存在利害关系、时间冲突）。")
    with transaction.atomic():
        _lock_draw(member.draw)
        member.refresh_from_db()
        draw = member.draw
        if not _may_act_for_member(actor, member):
            raise PermissionDenied("只有被抽取的专家本人或牵头部门可以登记谢绝。")
        if draw.status not in (DrawStatus.DRAWN, DrawStatus.OPEN) or not member.is_active_panel:
            raise TransitionRefused("该专家不在当前评审专家名单中，无需谢绝。")
        if ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("该专家已提交评审意见，不能谢绝。")
        replacement = (
            draw.members.filter(category=member.category, role=MemberRole.RESERVE, status=MemberStatus.STANDBY)
            .order_by("rank")
            .first()
        )
        member.decline_reason = reason[:200]
        member.status = MemberStatus.REPLACED if replacement else MemberStatus.DECLINED
        member.save()
        if replacement is not None:
            replacement.role = MemberRole.PANEL
            replacement.status = MemberStatus.INVITED
            replacement.replaces = member
            replacement.save()
        audit_record(actor=actor, action="expert_draw.decline", obj=member, source_ip=source_ip, details={
            "draw": draw.pk, "category": member.category, "expert": member.expert_id, "reason": reason[:200],
            "replacement": replacement.expert_id if replacement else None,
            "replacement_rank": replacement.rank if replacement else None,
        })
        if replacement is not None and replacement.expert.user_id:
            notify(users=[replacement.expert.user], project=draw.project,
                   text=f"【{draw.project.name}】您由备选递补为评审专家，请在专家工作台确认是否参加。")
    return replacement


@dataclass
class PanelCheck:
    ok: bool
    problems: list[str]
    citations: list[dict[str, Any]]
    experts: int
    committee_total: int


def _share_fraction(value: Any) -> Fraction:
    # The pack gives 1/3 as a float; its exact fraction has a huge denominator.
    return Fraction(str(value)).limit_denominator(1000)


def panel_check(*, draw: Draw) -> PanelCheck:
    """Composition of the panel against the project's pack (a read; nothing is written).

    - every requested category has its full count of active panel members;
    - `checklists.expert_draw.method: stratified_random` (昌吉 第三十二条): every seat was drawn
      within its category, so a short category is a refusal citing the article;
    - `parameters.expert_min_share` (巴中 第五条): experts ≥ the share of the whole committee
      (experts + `committee_other_members`).
    """
    pack_id = draw.project.pack_id
    pack = policy.load_pack(pack_id)
    members = list(draw.members.all())
    active = [m for m in members if m.is_active_panel]
    problems: list[str] = []
    citations: list[dict[str, Any]] = []
    by_category = Counter(m.category for m in active)
    short = {c: n - by_category[c] for c, n in draw.requested.items() if by_category[c] < n}
    if draw.status == DrawStatus.COMMITTED:
        problems.append("尚未抽取专家。")
    elif short:
        text = "、".join(f"{ExpertCategory(c).label}缺 {n} 人" for c, n in short.items())
        rule = (pack.data.get("checklists") or {}).get("expert_draw") or {}
        if rule.get("method") == "stratified_random":
            citation = rule.get("citation")
            citations.append({"pack": pack_id, **citation})
            problems.append(
                f"依{_cite(pack_id, citation)}，专家应按类别随机抽取：{text}，备选专家已用尽。请重新组织抽取。"
            )
        else:
            problems.append(f"评审专家不足：{text}，备选专家已用尽。请重新组织抽取。")
    total = len(active) + draw.committee_other_members
    share_param = pack.parameters.get("expert_min_share")
    if share_param and draw.status != DrawStatus.COMMITTED:
        share = _share_fraction(share_param["value"])
        if len(active) * share.denominator < share.numerator * total:
            needed = -(-share.numerator * total // share.denominator)
            citation = share_param.get("citation")
            if citation:
                citations.append({"pack": pack_id, **citation})
            label = share_param.get("note") or share_param.get("label") or "专家人数不少于规定比例"
            problems.append(
                f"依{_cite(pack_id, citation)}，{label}：审查委员会共 {total} 人"
                f"（其中非专家成员 {draw.committee_other_members} 人），专家仅 {len(active)} 人，"
                f"至少需要 {needed} 人。请增加抽取人数后重新抽取。"
            )
    return PanelCheck(ok=not problems, problems=problems, citations=citations, experts=len(active),
                      committee_total=total)


def panel_open(*, draw: Draw, actor: User, source_ip: str | None = None) -> Draw:
    """Open the review once the panel passes `panel_check`; refusals cite the pack's article."""
    with transaction.atomic():
        _lock_draw(draw)
        _require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status != DrawStatus.DRAWN:
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能开始评审。")
        check = panel_check(draw=draw)
        if check.ok:
            draw.status = DrawStatus.OPEN
            draw.opened_at = timezone.now()
            draw.save()
            audit_record(actor=actor, action="expert_draw.open", obj=draw, source_ip=source_ip,
                         details={"experts": check.experts, "committee_total": check.committee_total})
    if not check.ok:
        # The refusal is audited on its own, so it survives the caller's rollback of nothing.
        with transaction.atomic():
            audit_record(actor=actor, action="expert_draw.open", obj=draw, source_ip=source_ip,
                         outcome="denied", details={"problems": check.problems, "citations": check.citations})
        raise TransitionRefused("；".join(check.problems), citations=check.citations)
    return draw


def draw_cancel(*, draw: Draw, actor: User, reason: str, source_ip: str | None = None) -> Draw:
    """Cancel a draw that has not completed (e.g. a category ran out of reserves)."""
    if not (reason or "").strip():
        raise InvalidInput("请填写取消原因。")
    with transaction.atomic():
        _lock_draw(draw)
        _require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status in (DrawStatus.COMPLETED, DrawStatus.CANCELLED):
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能取消。")
        draw.status = DrawStatus.CANCELLED
        draw.save()
        audit_record(actor=actor, action="expert_draw.cancel", obj=draw, source_ip=source_ip,
                     details={"reason": reason.strip()[:200]})
    return draw


# --- reviews ---------------------------------------------------------------------------------


def review_canonical(*, member: DrawMember, scores: dict[str, int], opinion: str, comments: str, no_conflict: bool,
                     signed_at: str) -> str:
    """The exact text an expert signs: canonical JSON (sorted keys, no spaces, UTF-8)."""
    document = {
        "draw": member.draw_id, "project": member.draw.project_id, "expert": str(member.expert.uid),
        "expert_name": member.expert.name, "scores": scores, "opinion": opinion, "comments": comments,
        "no_conflict": no_conflict, "signed_at": signed_at,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _clean_scores(scores: dict[str, Any]) -> dict[str, int]:
    cleaned = {}
    for key, label in CRITERIA.items():
        try:
            value = int(scores.get(key))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"请为“{label}”打分（0 至 {SCORE_MAX} 分）。") from exc
        if not 0 <= value <= SCORE_MAX:
            raise InvalidInput(f"“{label}”的评分应在 0 至 {SCORE_MAX} 分之间。")
        cleaned[key] = value
    return cleaned


def expert_review_submit(*, member: DrawMember, actor: User, scores: dict[str, Any], opinion: str, comments: str,
                         no_conflict: bool, source_ip: str | None = None) -> ExpertReview:
    """The expert signs their review: SM3 over the canonical JSON is the signature digest (audited).
    When every active panel member has signed, the project's expert opinion task is completed."""
    if opinion not in ReviewOpinion.values:
        raise InvalidInput("意见应为同意、有条件同意或不同意。")
    comments = (comments or "").strip()
    if not comments:
        raise InvalidInput("请填写评审意见。")
    if not no_conflict:
        raise InvalidInput("请先声明与本项目无利害关系；如存在利害关系，请谢绝本次评审。")
    clean_scores = _clean_scores(scores)
    with transaction.atomic():
        _lock_draw(member.draw)
        member.refresh_from_db()
        draw = member.draw
        if member.expert.user_id != actor.pk:
            raise PermissionDenied("只有被抽取的专家本人可以提交评审意见。")
        if not member.is_active_panel:
            raise TransitionRefused("您不在本次评审的专家名单中。")
        if draw.status != DrawStatus.OPEN:
            raise TransitionRefused("本次评审尚未开始或已结束。")
        if ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("您已提交并签名评审意见，不能修改。")
        now = timezone.now()
        member.status = MemberStatus.ACCEPTED
        member.no_conflict_declared_at = member.no_conflict_declared_at or now
        member.save()
        canonical = review_canonical(member=member, scores=clean_scores, opinion=opinion, comments=comments,
                                     no_conflict=True, signed_at=now.isoformat())
        review = ExpertReview.objects.create(
            member=member, scores=clean_scores, opinion=opinion, comments=comments, no_conflict=True,
            canonical=canonical, signature_digest=crypto.sm3_hex(canonical), signed_at=now,
        )
        audit_record(actor=actor, action="expert_review.sign", obj=review, source_ip=source_ip, details={
            "draw": draw.pk, "project": draw.project_id, "signature_digest": review.signature_digest,
            "opinion": opinion,
        })
        active = [m for m in draw.members.all() if m.is_active_panel]
        signed = ExpertReview.objects.filter(member__in=active).count()
        if active and signed == len(active):
            _complete_panel(draw=draw, actor=actor, source_ip=source_ip)
    return review


def _panel_opinion(opinions: list[str]) -> str:
    """The panel's opinion: the majority; a tie goes to the more cautious opinion."""
    caution = [ReviewOpinion.AGREE, ReviewOpinion.CONDITIONAL, ReviewOpinion.DISAGREE]
    counts = Counter(opinions)
    return max(caution, key=lambda o: (counts[o], caution.index(o)))


def _complete_panel(*, draw: Draw, actor: User, source_ip: str | None) -> None:
    """All seats signed: complete the draw and, for a project under review, its expert opinion task."""
    from govit.projects.services import _lead_office
    from govit.projects.services import record_event as project_record_event
    from govit.reviews.models import Opinion, OpinionTask, ReviewBody, TaskStatus

    reviews = list(ExpertReview.objects.filter(member__draw=draw, member__role=MemberRole.PANEL)
                   .select_related("member__expert").order_by("member__category", "member__rank"))
    draw.status = DrawStatus.COMPLETED
    draw.completed_at = timezone.now()
    draw.save()
    opinion = _panel_opinion([r.opinion for r in reviews])
    lines = [f"{r.member.expert.name}（{ExpertCategory(r.member.category).label}）：{r.get_opinion_display()}。"
             f"{r.comments}（签名摘要 {r.signature_digest[:16]}…）" for r in reviews]
    summary = f"专家组 {len(reviews)} 人评审，结论：{ReviewOpinion(opinion).label}。\n" + "\n".join(lines)
    audit_record(actor=actor, action="expert_draw.complete", obj=draw, source_ip=source_ip,
                 details={"opinion": opinion, "reviews": [r.signature_digest for r in reviews]})
    project = draw.project
    if draw.purpose != DrawPurpose.APPROVAL_REVIEW or project.state != ProjectState.UNDER_REVIEW:
        return
    task = (OpinionTask.objects.select_for_update()
            .filter(project=project, body=ReviewBody.EXPERTS, status=TaskStatus.OPEN).order_by("-round").first())
    if task is None:
        return
    task.status = TaskStatus.DONE
    task.opinion = Opinion(opinion)
    task.comments = summary
    task.signed_at = timezone.now()
    task.save()
    project_record_event(
        project=project, actor=actor, kind="review.opinion", from_state=project.state, reason=summary,
        details={"task": task.pk, "body": task.body, "opinion": opinion, "draw": draw.pk},
        source_ip=source_ip, recipients=_lead_office(project),
        text=f"专家组出具了{task.aspect}：{Opinion(opinion).label}。",
    )


# --- fees ------------------------------------------------------------------------------------


def fee_payer(project: Project) -> tuple[Unit, str]:
    """The unit paying expert fees and why: the pack's `checklists.expert_fees.paid_by` (昌吉 第三十三条)
    or, where the pack names none, the lead office that organises the review."""
    from govit.reviews.services import BODY_UNIT_KINDS

    rule = lifecycle.checklist(project.pack_id, "expert_fees") or {}
    paid_by = rule.get("paid_by")
    kinds = (UnitKind.LEAD_OFFICE,) if paid_by == "lead_office" else BODY_UNIT_KINDS.get(paid_by, ())
    for kind in kinds:
        unit = Unit.objects.filter(jurisdiction_id=project.jurisdiction_id, kind=kind).order_by("pk").first()
        if unit is not None:
            return unit, f"依{_cite(project.pack_id, rule.get('citation'))}统一支付"
    unit = (Unit.objects.filter(jurisdiction_id=project.jurisdiction_id, kind=UnitKind.LEAD_OFFICE)
            .order_by("pk").first())
    if unit is None:
        raise TransitionRefused("本级未设领导小组办公室（牵头部门），无法确定专家费支付单位。")
    return unit, "政策包未规定支付单位，由组织评审的牵头部门支付"


def fee_record(*, member: DrawMember, actor: User, amount: Decimal | str | float, service_date: date | None = None,
               note: str = "", source_ip: str | None = None) -> FeeRecord:
    """Record the fee of one expert's review; the payer comes from the pack, never the applicant unit."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput("金额应为数字（元）。") from exc
    if value <= 0:
        raise InvalidInput("金额应大于 0。")
    day = service_date or timezone.localdate()
    with transaction.atomic():
        _lock_draw(member.draw)
        member.refresh_from_db()
        project = member.draw.project
        _require_lead_office(actor, project.jurisdiction_id)
        if not ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("该专家尚未提交评审意见，不能登记专家费。")
        if FeeRecord.objects.filter(member=member).exists():
            raise TransitionRefused("该专家本次评审的专家费已登记。")
        payer, basis = fee_payer(project)
        fee = FeeRecord.objects.create(
            expert=member.expert, member=member, amount=value, service_date=day, period=month_of(day), payer=payer,
            payer_basis=basis, note=(note or "").strip()[:200], recorded_by=actor,
        )
        audit_record(actor=actor, action="expert_fee.record", obj=fee, source_ip=source_ip, details={
            "expert": member.expert_id, "draw": member.draw_id, "amount": str(value), "period": fee.period,
            "payer": payer.name,
        })
    return fee


# --- key rotation ----------------------------------------------------------------------------


def _reseal(model: Any, field: str, aad_of: Any, current: str) -> tuple[int, int]:
    """Re-encrypt one sealed text field of every row under the newest key: (rows checked, rows changed)."""
    checked = changed = 0
    for row in model.objects.select_for_update().exclude(**{field: ""}):
        checked += 1
        token = getattr(row, field)
        if crypto.ciphertext_key_id(token) == current:
            continue
        aad = aad_of(row).encode()
        setattr(row, field, crypto.encrypt_text_ring(crypto.decrypt_text_ring(token, associated_data=aad),
                                                     associated_data=aad))
        row.save(update_fields=[field])
        changed += 1
    return checked, changed


def rotate_expert_keys(*, actor_name: str = "govit keys rotate") -> RotationResult:
    """Re-encrypt every expert field, sealed draw seed and pending import file under the newest key."""
    current = crypto.current_sm4_key_id()
    checked = changed = 0
    with transaction.atomic():
        for expert in Expert.objects.select_for_update().order_by("pk"):
            checked += 1
            tokens = [getattr(expert, f"{name}_enc") for name in SENSITIVE_FIELDS]
            if expert.key_id == current and all(not t or crypto.ciphertext_key_id(t) == current for t in tokens):
                continue
            _seal(expert, {name: expert.decrypted(name) for name in SENSITIVE_FIELDS})
            expert.save(update_fields=[*(f"{n}_enc" for n in SENSITIVE_FIELDS), "key_id", "id_number_index"])
            changed += 1
        for model, field, aad_of in (
            (Draw, "seed_sealed", lambda draw: f"govit.draw.seed:{draw.seed_commitment}"),
            (ImportJob, "file_sealed", lambda job: f"govit.import:{job.pk}"),
        ):
            seen, resealed = _reseal(model, field, aad_of, current)
            checked += seen
            changed += resealed
        audit_record(actor=None, actor_name=actor_name, action="keys.rotate",
                     details={"scope": "experts", "key_id": current, "checked": checked, "reencrypted": changed})
    return RotationResult(name="专家库", checked=checked, reencrypted=changed)


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    differences: list[str]


def draw_verify(*, draw: Draw) -> Verification:
    """Recompute a draw from its stored inputs and compare with what was recorded (a read)."""
    differences: list[str] = []
    if draw.status == DrawStatus.COMMITTED or not draw.seed:
        return Verification(False, ["种子尚未公开（尚未抽取），只能核对承诺值"])
    if draw.algorithm != algorithm.ALGORITHM:
        return Verification(False, [f"算法版本 {draw.algorithm} 与本系统 {algorithm.ALGORITHM} 不同"])
    if algorithm.seed_commitment(draw.seed) != draw.seed_commitment:
        differences.append("公开的种子与抽取前公布的承诺值 SM3(种子) 不一致")
    digest = algorithm.inputs_digest(candidates=draw.candidates, requested=draw.requested,
                                     reserve=draw.reserve_per_category)
    if digest != draw.candidates_digest:
        differences.append("候选名单或抽取参数与承诺时的摘要不一致")
    expected = {(p.category, p.rank): p for p in algorithm.run(
        seed=draw.seed, candidates=draw.candidates, requested=draw.requested, reserve=draw.reserve_per_category)}
    members = list(draw.members.select_related("expert"))
    recorded = {(m.category, m.rank): m for m in members}
    for key in sorted(set(expected) | set(recorded)):
        pick, member = expected.get(key), recorded.get(key)
        where = f"{ExpertCategory(key[0]).label}第 {key[1]} 位"
        if pick is None:
            differences.append(f"{where}：记录中有 {member.expert.name}，重算结果中没有")  # type: ignore[union-attr]
        elif member is None:
            differences.append(f"{where}：重算结果为专家 #{pick.expert_id}，记录中缺失")
        elif member.expert_id != pick.expert_id or member.initial_role != pick.role:
            differences.append(
                f"{where}：记录为 {member.expert.name}（{member.get_initial_role_display()}），"
                f"重算为专家 #{pick.expert_id}（{MemberRole(pick.role).label}）"
            )
    for member in members:
        if member.replaces_id is None:
            continue
        previous = next((m for m in members if m.pk == member.replaces_id), None)
        earlier_unused = [m for m in members if m.category == member.category and m.initial_role == MemberRole.RESERVE
                          and m.rank < member.rank and m.status == MemberStatus.STANDBY]
        if previous is None or previous.category != member.category:
            differences.append(f"{member.expert.name} 的递补不是来自同一类别")
        elif earlier_unused:
            differences.append(f"{member.expert.name} 递补时跳过了排序更靠前的备选专家 {earlier_unused[0].expert.name}")
    return Verification(not differences, differences)
