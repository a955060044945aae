"""Project writes: every lifecycle step, material upload, reports, changes and evaluations.

Each step runs in one transaction: role and scope check → pack evaluation → FSM transition →
timeline event → audit entry → notifications. A refusal raises `TransitionRefused` (Chinese
message, citations, missing items) and writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core import crypto, uploads
from govit.core.models import Jurisdiction, Role, Unit, User
from govit.core.selectors import role_assignments_of
from govit.core.services import audit_record
from govit.notifications.services import notify
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import (
    CLOSED_STATES,
    ChangeRequest,
    ChangeRoute,
    ChangeStatus,
    Evaluation,
    EvaluationKind,
    Material,
    MaterialCode,
    OperationRecord,
    ProgressReport,
    Project,
    ProjectEvent,
    ProjectState,
    ProjectYearAmount,
    ReportKind,
)
from govit.projects.selectors import (
    application_checklist,
    assignment_for,
    determination,
    evaluation_summary,
    project_evaluation,
    uploaded_codes,
    users_with_role,
)

S = ProjectState
# Facts the platform keeps itself; an applicant's edit cannot set them.
SERVICE_OWNED_FACTS = ("dates", "change", "in_project_library", "in_annual_plan")
DECISIONS_REVIEW = ("return", "reject", "accept")
DECISIONS_APPROVAL = ("approve", "return", "reject")


# --- helpers ---------------------------------------------------------------------------------


def _require_role(actor: User, role: str, project: Project, *, own_unit: bool = False, message: str) -> None:
    unit_id = project.unit_id if own_unit else None
    if assignment_for(actor, role, jurisdiction_id=project.jurisdiction_id, unit_id=unit_id) is None:
        raise PermissionDenied(message)


def _require_applicant(actor: User, project: Project) -> None:
    _require_role(actor, Role.APPLICANT, project, own_unit=True, message="只有本项目的建设单位可以办理此事项。")


def _require_lead_office(actor: User, project: Project) -> None:
    _require_role(actor, Role.LEAD_OFFICE, project, message="只有本级领导小组办公室（牵头部门）可以办理此事项。")


def _lock(project: Project) -> None:
    """Lock the row for this transaction and reload it, so checks see the committed state."""
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    project.refresh_from_db()


def _pack_title(project: Project) -> str:
    return policy.load_pack(project.pack_id).title


def _pack_digest(project: Project) -> str:
    return policy.load_pack(project.pack_id).digest


def _wrong_state(project: Project, action: str) -> TransitionRefused:
    return TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能{action}。")


def _require_step(project: Project, target: str, action: str) -> None:
    """The pack lists `target` and the project stands at the stage right before it."""
    if not lifecycle.stage_listed(project.pack_id, target):
        raise TransitionRefused(
            f"《{_pack_title(project)}》未设“{S(target).label}”环节，不能{action}。"
        )
    current = S.DRAFT if project.state == S.RETURNED else project.state
    if current != lifecycle.predecessor(project.pack_id, target):
        raise _wrong_state(project, action)


def _finding_citations(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for f in findings:
        for c in [f["citation"], *(f.get("citations") or [])]:
            if c not in found:
                found.append(c)
    return found


def _refuse_if_blocked(result: dict[str, Any], action: str) -> None:
    blocks = [f for f in result["findings"] if f["severity"] == "block"]
    if blocks:
        reasons = "；".join(f"{f['message'].rstrip('。')}（{lifecycle.cite_text(f['citation'])}）" for f in blocks)
        raise TransitionRefused(f"不能{action}：{reasons}。", citations=_finding_citations(blocks))


def _doc_labels(codes: Iterable[str]) -> str:
    labels = dict(MaterialCode.choices)
    return "、".join(labels.get(code, code) for code in codes)


def _require_documents(project: Project, required: Iterable[str], citations: list[dict[str, Any]],
                       what: str) -> None:
    have = uploaded_codes(project)
    missing = [code for code in required if code not in have]
    if missing:
        basis = f"（{lifecycle.cite_list(citations)}）" if lifecycle.cite_list(citations) else ""
        raise TransitionRefused(
            f"{what}不全，缺少：{_doc_labels(missing)}{basis}。请上传后再办理。", citations=citations, missing=missing
        )


def _validate_citation(project: Project, citation: dict[str, Any] | None, *, required: bool) -> list[dict[str, Any]]:
    if not citation or not citation.get("article"):
        if required:
            raise InvalidInput("请注明所依据的条款（第几条）。")
        return []
    pack = policy.load_pack(project.pack_id)
    article = int(citation["article"])
    if article not in pack.articles:
        raise InvalidInput(f"《{pack.title}》没有第{article}条，请核对所依据的条款。")
    item = citation.get("item")
    if item and int(item) not in pack.items.get(article, []):
        raise InvalidInput(f"《{pack.title}》{lifecycle.cite_text({'article': article})}没有第{item}项。")
    clean = {"pack": project.pack_id, "article": article}
    if item:
        clean["item"] = int(item)
    return [clean]


def _set_date(project: Project, name: str, value: date) -> None:
    facts = dict(project.facts)
    dates = dict(facts.get("dates") or {})
    dates[name] = value.isoformat()
    facts["dates"] = dates
    project.facts = facts


def _set_fact(project: Project, name: str, value: Any) -> None:
    project.facts = {**project.facts, name: value}


def _day(value: date | None) -> date:
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise InvalidInput("日期不能晚于今天。")
    return value


def _applicants(project: Project) -> list[User]:
    return users_with_role(Role.APPLICANT, jurisdiction_id=project.jurisdiction_id, unit_id=project.unit_id)


def _lead_office(project: Project) -> list[User]:
    return users_with_role(Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)


def _leadership(project: Project) -> list[User]:
    return users_with_role(Role.LEADERSHIP, jurisdiction_id=project.jurisdiction_id)


def record_event(
    *,
    project: Project,
    actor: User | None,
    kind: str,
    from_state: str,
    reason: str = "",
    citations: list[dict[str, Any]] | None = None,
    result: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    source_ip: str | None = None,
    recipients: Iterable[User] = (),
    text: str = "",
) -> ProjectEvent:
    """Save the project, append the timeline event, the audit entry and the notifications.

    Call inside the service's transaction, after the FSM transition (if any).
    """
    project.save()
    digest = result["pack"]["digest"] if result else _pack_digest(project)
    citations = citations or []
    event = ProjectEvent.objects.create(
        project=project,
        kind=kind,
        from_state=from_state,
        to_state=project.state,
        actor=actor,
        reason=reason,
        citations=citations,
        pack_id=project.pack_id,
        pack_digest=digest,
        evaluation=evaluation_summary(result) if result else {},
        details=details or {},
    )
    audit_record(
        actor=actor,
        action=f"project.{kind}",
        obj=project,
        source_ip=source_ip,
        details={
            "pack": project.pack_id,
            "digest": digest,
            "citations": citations,
            "from": from_state,
            "to": project.state,
            "reason": reason,
            "verdict": result["verdict"] if result else None,
            **(details or {}),
        },
    )
    if text:
        notify(users=recipients, project=project, text=f"【{project.name}】{text}")
    return event


def _transition(
    *,
    project: Project,
    actor: User,
    move: Callable[[], Any] | None,
    kind: str,
    result: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Project:
    from_state = project.state
    if move is not None:
        move()
    record_event(project=project, actor=actor, kind=kind, from_state=from_state, result=result, **kwargs)
    return project


# --- creation and facts ----------------------------------------------------------------------


def _clean_facts(facts: dict[str, Any] | None) -> dict[str, Any]:
    try:
        parsed = policy.parse_input({"project": facts or {}})
    except policy.FactsError as exc:
        raise InvalidInput("项目信息有误：" + "；".join(exc.errors)) from None
    return parsed.project.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def _set_year_amounts(project: Project, year_amounts: Iterable[dict[str, Any]]) -> None:
    for row in year_amounts:
        year = int(row["year"])
        if not 2000 <= year <= 2100:
            raise InvalidInput(f"年度 {year} 无效。")
        ProjectYearAmount.objects.update_or_create(
            project=project, year=year, defaults={"planned_wan": Decimal(str(row.get("planned_wan", 0)))}
        )


@audit_refusals
def project_create(
    *,
    actor: User,
    name: str,
    facts: dict[str, Any] | None = None,
    unit: Unit | None = None,
    pack_id: str | None = None,
    year_amounts: Iterable[dict[str, Any]] = (),
    source_ip: str | None = None,
) -> Project:
    """An applicant unit opens a draft project under its jurisdiction's pack."""
    assignments = role_assignments_of(actor).filter(role=Role.APPLICANT, unit__isnull=False)
    if unit is not None:
        assignments = assignments.filter(unit=unit)
    ra = assignments.first()
    if ra is None:
        raise PermissionDenied("只有项目建设单位可以新建项目。")
    jurisdiction: Jurisdiction = ra.jurisdiction
    available = list(jurisdiction.pack_ids or [])
    chosen = pack_id or (available[0] if available else None)
    if chosen is None or chosen not in available:
        raise InvalidInput(f"{jurisdiction.name}未启用政策包“{chosen or ''}”。")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写项目名称。")
    clean = _clean_facts({k: v for k, v in (facts or {}).items() if k not in SERVICE_OWNED_FACTS})
    clean["name"] = name
    clean["unit_name"] = ra.unit.name
    with transaction.atomic():
        project = Project(
            jurisdiction=jurisdiction,
            unit=ra.unit,
            name=name[:200],
            pack_id=chosen,
            pack_digest_at_creation=policy.load_pack(chosen).digest,
            facts=clean,
            created_by=actor,
        )
        project.save()
        _set_year_amounts(project, year_amounts)
        record_event(project=project, actor=actor, kind="create", from_state="", source_ip=source_ip)
    return project


@audit_refusals
def project_update_facts(
    *,
    project: Project,
    actor: User,
    facts: dict[str, Any] | None = None,
    name: str | None = None,
    year_amounts: Iterable[dict[str, Any]] = (),
    source_ip: str | None = None,
) -> Project:
    """The applicant edits its project while it is a draft or was returned (merge of top-level facts)."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        if project.state not in (S.DRAFT, S.RETURNED):
            raise _wrong_state(project, "修改项目信息（仅草稿或退回的项目可以修改）")
        given = {k: v for k, v in (facts or {}).items() if k not in SERVICE_OWNED_FACTS}
        merged = {k: v for k, v in project.facts.items() if k not in given}
        owned = {k: merged.pop(k) for k in SERVICE_OWNED_FACTS if k in merged}
        clean = _clean_facts({**merged, **given})
        if name is not None and name.strip():
            project.name = name.strip()[:200]
        clean.update(owned)
        clean["name"] = project.name
        clean["unit_name"] = project.unit.name
        project.facts = clean
        _set_year_amounts(project, year_amounts)
        record_event(project=project, actor=actor, kind="update", from_state=project.state, source_ip=source_ip,
                     details={"fields": sorted(given)})
    return project


# --- materials -------------------------------------------------------------------------------

# Upload checks live in one place for every app: govit.core.uploads.
sniff_kind = uploads.sniff_kind
clean_filename = uploads.clean_filename


@audit_refusals
def material_upload(
    *,
    project: Project,
    actor: User,
    doc_code: str,
    filename: str,
    data: bytes,
    source_ip: str | None = None,
) -> Material:
    """Store one file for the project under MEDIA_ROOT with its SHA-256 and SM3 digests."""
    if doc_code not in MaterialCode.values:
        raise InvalidInput(f"材料类型“{doc_code}”无效。")
    try:
        checked = uploads.validate_upload(data=data, filename=filename)
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc)) from exc
    kind, display = checked.kind, checked.display_name
    with transaction.atomic():
        _lock(project)
        lead = assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)
        if lead is None:
            _require_applicant(actor, project)
        if project.state in CLOSED_STATES:
            raise _wrong_state(project, "上传材料")
        material = Material(
            project=project,
            doc_code=doc_code,
            original_name=display,
            content_type=checked.content_type,
            kind=kind,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            sm3=crypto.sm3_hex(data),
            uploaded_by=actor,
        )
        material.file.save(uploads.storage_name(prefix=str(project.pk), kind=kind), ContentFile(data), save=False)
        material.save()
        record_event(
            project=project, actor=actor, kind="material.upload", from_state=project.state, source_ip=source_ip,
            details={"doc_code": doc_code, "name": display, "sha256": material.sha256, "sm3": material.sm3},
        )
    return material


# --- application and preliminary review ------------------------------------------------------


@audit_refusals
def project_submit(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """申报: the pack must not block, the unit may apply, the application documents are uploaded."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        _require_step(project, S.SUBMITTED, "提交申报")
        result = project_evaluation(project)
        may_apply, cites = determination(result, "unit_may_apply")
        if may_apply is False:
            # The unit's own findings say why and what lifts the restriction (“请先……”).
            grounds = "".join(f"{f['message']}（{lifecycle.cite_text(f['citation'])}）" for f in result["findings"]
                              if f["severity"] == "block" and any(k.startswith("unit.") for k in f.get("facts", {})))
            raise TransitionRefused(f"本单位目前不得申报新项目（{lifecycle.cite_list(cites)}）。{grounds}",
                                    citations=cites)
        _refuse_if_blocked(result, "提交申报")
        docs, cites = application_checklist(project)
        _require_documents(project, docs, cites, "申报材料")
        return _transition(
            project=project, actor=actor, move=project.to_submitted, kind="submit", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.SUBMITTED), source_ip=source_ip,
            recipients=_lead_office(project), text=f"{project.unit.name}提交了项目申报，请受理。",
        )


@audit_refusals
def preliminary_review_start(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        _require_step(project, S.PRELIMINARY_REVIEW, "开始初审")
        return _transition(
            project=project, actor=actor, move=project.to_preliminary_review, kind="preliminary_review.start",
            citations=lifecycle.stage_citations(project.pack_id, S.PRELIMINARY_REVIEW), source_ip=source_ip,
            recipients=_applicants(project), text="领导小组办公室已受理申报，进入初审。",
        )


def _review_state(project: Project) -> str:
    """Where the lead office decides on an application: 初审, or 申报 where the pack has no 初审."""
    return S.PRELIMINARY_REVIEW if lifecycle.stage_listed(project.pack_id, S.PRELIMINARY_REVIEW) else S.SUBMITTED


def _return_or_reject(*, project: Project, actor: User, decision: str, reason: str,
                      citation: dict[str, Any] | None, kind: str, source_ip: str | None) -> Project:
    if not (reason or "").strip():
        raise InvalidInput("请填写退回或不予立项的理由。")
    if decision == "return":
        cites = _validate_citation(project, citation, required=False)
        return _transition(
            project=project, actor=actor, move=project.to_returned, kind=f"{kind}.return", reason=reason,
            citations=cites, source_ip=source_ip, recipients=_applicants(project),
            text=f"项目被退回修改：{reason}",
        )
    cites = _validate_citation(project, citation, required=True)
    return _transition(
        project=project, actor=actor, move=project.to_rejected, kind=f"{kind}.reject", reason=reason,
        citations=cites, source_ip=source_ip, recipients=_applicants(project),
        text=f"项目不予立项（{lifecycle.cite_list(cites)}）：{reason}",
    )


@audit_refusals
def preliminary_review_decide(
    *,
    project: Project,
    actor: User,
    decision: str,
    reason: str = "",
    citation: dict[str, Any] | None = None,
    source_ip: str | None = None,
) -> Project:
    """初审结论: return with reasons, reject citing the article, or accept into the library (储备库)."""
    if decision not in DECISIONS_REVIEW:
        raise InvalidInput("初审结论应为 return（退回）、reject（不予立项）或 accept（入库）。")
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if project.state != _review_state(project):
            raise _wrong_state(project, "作出初审结论")
        if decision != "accept":
            return _return_or_reject(project=project, actor=actor, decision=decision, reason=reason,
                                     citation=citation, kind="preliminary_review", source_ip=source_ip)
        if not lifecycle.stage_listed(project.pack_id, S.IN_LIBRARY):
            raise TransitionRefused(
                f"《{_pack_title(project)}》未设项目储备库环节：初审通过后请直接组织审查。"
            )
        _require_step(project, S.IN_LIBRARY, "入库")
        result = project_evaluation(project)
        _refuse_if_blocked(result, "入库")
        _set_fact(project, "in_project_library", True)
        return _transition(
            project=project, actor=actor, move=project.to_in_library, kind="preliminary_review.accept",
            reason=reason, result=result, citations=lifecycle.stage_citations(project.pack_id, S.IN_LIBRARY),
            source_ip=source_ip, recipients=_applicants(project), text="项目通过初审，已纳入项目储备库。",
        )


# --- approval --------------------------------------------------------------------------------


def _approval_predecessor_ok(project: Project) -> bool:
    return project.state == lifecycle.predecessor(project.pack_id, S.APPROVED)


def _review_tasks_done(project: Project) -> None:
    from govit.reviews.selectors import latest_round_tasks

    tasks = list(latest_round_tasks(project))
    if not tasks:
        return
    open_tasks = [t for t in tasks if t.status == "open"]
    if open_tasks:
        names = "、".join(t.unit.name if t.unit else t.get_body_display() for t in open_tasks)
        raise TransitionRefused(f"尚有审查意见未出具：{names}。", missing=[t.body for t in open_tasks])
    refused = [t for t in tasks if t.opinion == "disagree"]
    if refused:
        names = "、".join(t.unit.name if t.unit else t.get_body_display() for t in refused)
        raise TransitionRefused(f"{names}出具了不同意意见，不能批复；可退回修改或不予立项。",
                                missing=[t.body for t in refused])


def approval_documents_check(project: Project, result: dict[str, Any]) -> None:
    docs, cites = determination(result, "approval_documents")
    if not docs:
        return
    may_merge, _ = determination(result, "documents_may_merge")
    merged, _ = determination(result, "merged_documents")
    have = uploaded_codes(project)
    if may_merge and merged and all(code in have for code in merged):
        return
    _require_documents(project, docs, cites, "审批材料")


@audit_refusals
def approval_decide(
    *,
    project: Project,
    actor: User,
    decision: str,
    reason: str = "",
    document_no: str = "",
    citation: dict[str, Any] | None = None,
    approved_on: date | None = None,
    source_ip: str | None = None,
) -> Project:
    """审批决定: approve (all opinions in, documents uploaded), return, or reject citing the article."""
    if decision not in DECISIONS_APPROVAL:
        raise InvalidInput("审批决定应为 approve（批复）、return（退回）或 reject（不予立项）。")
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if not _approval_predecessor_ok(project):
            raise _wrong_state(project, "作出审批决定")
        if decision != "approve":
            return _return_or_reject(project=project, actor=actor, decision=decision, reason=reason,
                                     citation=citation, kind="approval", source_ip=source_ip)
        result = project_evaluation(project)
        route, route_cites = determination(result, "review_route")
        if route == "exempt":
            raise TransitionRefused(
                f"本项目依{lifecycle.cite_list(route_cites)}免于审批，请办理“免于审批”。", citations=route_cites
            )
        if route == "filing":
            raise TransitionRefused(
                f"本项目依{lifecycle.cite_list(route_cites)}实行备案，请办理“备案”。", citations=route_cites
            )
        _refuse_if_blocked(result, "批复立项")
        _review_tasks_done(project)
        approval_documents_check(project, result)
        _set_date(project, "approved", _day(approved_on))
        for row in ProjectYearAmount.objects.filter(project=project):
            row.approved_wan = row.planned_wan
            row.save(update_fields=["approved_wan"])
        return _transition(
            project=project, actor=actor, move=project.to_approved, kind="approval.approve", reason=reason,
            result=result, citations=route_cites, details={"document_no": document_no}, source_ip=source_ip,
            recipients=_applicants(project),
            text=f"项目已批复立项{f'（{document_no}）' if document_no else ''}。",
        )


@audit_refusals
def approval_exempt(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    """免于审批 where the pack's route is `exempt` (e.g. 通州 第八条 50万及以下)."""
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        result = project_evaluation(project)
        route, cites = determination(result, "review_route")
        if route != "exempt":
            raise TransitionRefused(f"本项目须按程序审批（{lifecycle.cite_list(cites)}），不能免于审批。",
                                    citations=cites)
        if project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
            raise _wrong_state(project, "办理免于审批")
        _refuse_if_blocked(result, "免于审批")
        _set_date(project, "approved", timezone.localdate())
        return _transition(
            project=project, actor=actor, move=project.to_approved, kind="approval.exempt", reason=reason,
            result=result, citations=cites, source_ip=source_ip, recipients=_applicants(project),
            text=f"项目依{lifecycle.cite_list(cites)}免于审批，可以实施。",
        )


@audit_refusals
def filing_record(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    """备案: the pack's `filing` route instead of approval, or the 报备 after approval (昌吉 第十八条)."""
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        result = project_evaluation(project)
        route, cites = determination(result, "review_route")
        after_approval = S.FILED in lifecycle.main_sequence(project.pack_id)
        if after_approval:
            _require_step(project, S.FILED, "备案")
            cites = lifecycle.stage_citations(project.pack_id, S.FILED)
        else:
            if route != "filing":
                raise TransitionRefused(f"本项目须按程序审批（{lifecycle.cite_list(cites)}），不适用备案。",
                                        citations=cites)
            if project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
                raise _wrong_state(project, "备案")
            _refuse_if_blocked(result, "备案")
            _set_date(project, "approved", timezone.localdate())
        return _transition(
            project=project, actor=actor, move=project.to_filed, kind="filing", reason=reason, result=result,
            citations=cites, source_ip=source_ip, recipients=_applicants(project), text="项目已备案。",
        )


# --- implementation --------------------------------------------------------------------------


@audit_refusals
def procurement_start(*, project: Project, actor: User, started_on: date | None = None,
                      source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        filed_route = project.state == S.FILED and S.FILED not in lifecycle.main_sequence(project.pack_id)
        if not filed_route:
            _require_step(project, S.PROCUREMENT, "启动采购")
        result = project_evaluation(project)
        _refuse_if_blocked(result, "启动采购")
        _set_date(project, "procurement_started", _day(started_on))
        return _transition(
            project=project, actor=actor, move=project.to_procurement, kind="procurement.start", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.PROCUREMENT), source_ip=source_ip,
            recipients=_lead_office(project), text="建设单位已启动招标采购。",
        )


@audit_refusals
def construction_start(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        _require_step(project, S.CONSTRUCTION, "开工建设")
        result = project_evaluation(project)
        return _transition(
            project=project, actor=actor, move=project.to_construction, kind="construction.start", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.CONSTRUCTION), source_ip=source_ip,
            recipients=_lead_office(project), text="项目已开工建设。",
        )


@audit_refusals
def completion_report(*, project: Project, actor: User, completed_on: date | None = None,
                      trial_started_on: date | None = None, source_ip: str | None = None) -> Project:
    """建成: records completion; where the pack has 试运行 the project enters it."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        if project.state != S.CONSTRUCTION:
            raise _wrong_state(project, "报告建成")
        if (project.facts.get("dates") or {}).get("completed"):
            raise TransitionRefused("已报告建成，无需重复报告。")
        completed = _day(completed_on)
        _set_date(project, "completed", completed)
        move = None
        if lifecycle.stage_listed(project.pack_id, S.TRIAL_RUN):
            _set_date(project, "trial_started", _day(trial_started_on) if trial_started_on else completed)
            move = project.to_trial_run
        result = project_evaluation(project)
        return _transition(
            project=project, actor=actor, move=move, kind="completion", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.TRIAL_RUN), source_ip=source_ip,
            recipients=_lead_office(project), text="项目已建成" + ("，进入试运行。" if move else "。"),
        )


def _deadline(result: dict[str, Any], code: str) -> dict[str, Any] | None:
    deadlines, _ = determination(result, "deadlines")
    return next((d for d in deadlines or [] if d.get("code") == code), None)


def _require_trial_run_over(project: Project, result: dict[str, Any]) -> None:
    earliest = _deadline(result, "trial_run_earliest_end")
    if earliest and earliest.get("due") and date.fromisoformat(earliest["due"]) > timezone.localdate():
        cite = {"pack": project.pack_id, **{k: v for k, v in earliest["citation"].items() if k != "pack"}}
        raise TransitionRefused(
            f"试运行须满期后方可申请验收，最早 {earliest['due']}（{lifecycle.cite_text(cite)}）。", citations=[cite]
        )


@audit_refusals
def pre_acceptance_request(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """预验收申请 / 报备 where the pack has 预验收 (昆都仑 前置审核, 巴中 第二十八条)."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        _require_step(project, S.PRE_ACCEPTANCE, "申请预验收")
        if not (project.facts.get("dates") or {}).get("completed"):
            raise TransitionRefused("请先报告项目建成，再申请预验收。")
        result = project_evaluation(project)
        _refuse_if_blocked(result, "申请预验收")
        _require_trial_run_over(project, result)
        entry = lifecycle.checklist(project.pack_id, "pre_acceptance") or {}
        cites = lifecycle.checklist_citations(project.pack_id, entry) if entry else []
        _require_documents(project, entry.get("documents", []), cites, "预验收材料")
        project.awaiting = "pre_acceptance"
        return _transition(
            project=project, actor=actor, move=project.to_pre_acceptance, kind="pre_acceptance.request",
            result=result, citations=cites or lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE),
            source_ip=source_ip, recipients=_lead_office(project), text="建设单位申请预验收，请审核。",
        )


@audit_refusals
def pre_acceptance_decide(*, project: Project, actor: User, decision: str, reason: str = "",
                          source_ip: str | None = None) -> Project:
    if decision not in ("pass", "fail"):
        raise InvalidInput("预验收结论应为 pass（通过）或 fail（不通过）。")
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if project.state != S.PRE_ACCEPTANCE or project.awaiting != "pre_acceptance":
            raise _wrong_state(project, "作出预验收结论")
        cites = lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE)
        if decision == "pass":
            project.awaiting = "pre_acceptance_passed"
            return _transition(project=project, actor=actor, move=None, kind="pre_acceptance.pass", reason=reason,
                               citations=cites, source_ip=source_ip, recipients=_applicants(project),
                               text="预验收（前置审核）通过，可以申请竣工验收。")
        if not reason.strip():
            raise InvalidInput("请填写预验收不通过的理由和整改要求。")
        project.awaiting = ""
        back = project.to_trial_run if lifecycle.stage_listed(project.pack_id, S.TRIAL_RUN) else \
            project.back_to_construction
        return _transition(project=project, actor=actor, move=back, kind="pre_acceptance.fail", reason=reason,
                           citations=cites, source_ip=source_ip, recipients=_applicants(project),
                           text=f"预验收未通过，请整改：{reason}")


def _acceptance_documents(project: Project, result: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    docs, cites = determination(result, "acceptance_documents")
    if docs is None:
        entry = lifecycle.checklist(project.pack_id, "acceptance") or {}
        docs, cites = entry.get("documents", []), lifecycle.checklist_citations(project.pack_id, entry)
    return list(docs or []), cites


@audit_refusals
def acceptance_request(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """申请竣工验收: after 试运行 / 预验收 as the pack requires, with every acceptance document."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        if lifecycle.stage_listed(project.pack_id, S.PRE_ACCEPTANCE):
            if project.state != S.PRE_ACCEPTANCE or project.awaiting != "pre_acceptance_passed":
                raise TransitionRefused(
                    "须先通过预验收（前置审核）方可申请竣工验收"
                    f"（{lifecycle.cite_list(lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE))}）。",
                    citations=lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE),
                )
        else:
            _require_step(project, S.ACCEPTED, "申请竣工验收")
        if project.awaiting == "acceptance":
            raise TransitionRefused("已申请竣工验收，正在等待验收。")
        result = project_evaluation(project)
        _refuse_if_blocked(result, "申请竣工验收")
        _require_trial_run_over(project, result)
        docs, cites = _acceptance_documents(project, result)
        _require_documents(project, docs, cites, "验收材料")
        project.awaiting = "acceptance"
        return _transition(project=project, actor=actor, move=None, kind="acceptance.request", result=result,
                           citations=cites, source_ip=source_ip, recipients=_lead_office(project),
                           text="建设单位申请竣工验收，请组织验收。")


@audit_refusals
def acceptance_decide(*, project: Project, actor: User, decision: str, reason: str = "",
                      accepted_on: date | None = None, source_ip: str | None = None) -> Project:
    if decision not in ("pass", "fail"):
        raise InvalidInput("验收结论应为 pass（通过）或 fail（不通过）。")
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if project.awaiting != "acceptance":
            raise _wrong_state(project, "作出验收结论（建设单位尚未申请验收）")
        result = project_evaluation(project)
        docs, cites = _acceptance_documents(project, result)
        if decision == "fail":
            if not reason.strip():
                raise InvalidInput("请填写验收不通过的理由和整改要求。")
            project.awaiting = ""
            return _transition(project=project, actor=actor, move=None, kind="acceptance.fail", reason=reason,
                               result=result, citations=cites, source_ip=source_ip,
                               recipients=_applicants(project), text=f"竣工验收未通过，请整改：{reason}")
        _require_documents(project, docs, cites, "验收材料")
        _set_date(project, "accepted", _day(accepted_on))
        project.awaiting = ""
        return _transition(project=project, actor=actor, move=project.to_accepted, kind="acceptance.pass",
                           reason=reason, result=result, citations=cites, source_ip=source_ip,
                           recipients=_applicants(project), text="项目通过竣工验收。")


@audit_refusals
def go_live_record(*, project: Project, actor: User, go_live_on: date | None = None,
                   source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        _require_step(project, S.IN_OPERATION, "投入运行")
        _set_date(project, "go_live", _day(go_live_on))
        result = project_evaluation(project)
        return _transition(project=project, actor=actor, move=project.to_in_operation, kind="go_live",
                           result=result, citations=lifecycle.stage_citations(project.pack_id, S.IN_OPERATION),
                           source_ip=source_ip, recipients=_lead_office(project), text="项目已投入运行。")


@audit_refusals
def operation_record_create(*, project: Project, actor: User, period: str, content: str,
                            cost_wan: Decimal | float = 0, incidents: str = "",
                            source_ip: str | None = None) -> OperationRecord:
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        if project.state not in (S.IN_OPERATION, S.EVALUATED):
            raise _wrong_state(project, "记录运维情况")
        if not content.strip() or not period.strip():
            raise InvalidInput("请填写运维期间和运维内容。")
        record = OperationRecord.objects.create(project=project, period=period.strip()[:20], content=content,
                                                cost_wan=Decimal(str(cost_wan)), incidents=incidents,
                                                recorded_by=actor)
        record_event(project=project, actor=actor, kind="operation.record", from_state=project.state,
                     source_ip=source_ip, details={"period": record.period, "cost_wan": str(record.cost_wan)})
    return record


@audit_refusals
def self_evaluation_submit(*, project: Project, actor: User, summary: str, goals_met: bool | None = None,
                           score: Decimal | float | None = None, source_ip: str | None = None) -> Evaluation:
    """自评价: the pack's window is recorded with it (a late or early one is visible on the timeline)."""
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        _require_step(project, S.EVALUATED, "提交自评价")
        if not summary.strip():
            raise InvalidInput("请填写自评价结论。")
        result = project_evaluation(project)
        window = _deadline(result, "self_evaluation_window")
        evaluation = Evaluation.objects.create(project=project, kind=EvaluationKind.SELF, summary=summary,
                                               goals_met=goals_met,
                                               score=None if score is None else Decimal(str(score)),
                                               submitted_by=actor)
        _transition(project=project, actor=actor, move=project.to_evaluated, kind="self_evaluation",
                    result=result, citations=lifecycle.stage_citations(project.pack_id, S.EVALUATED),
                    details={"window": window}, source_ip=source_ip, recipients=_lead_office(project),
                    text="建设单位提交了自评价报告。")
    return evaluation


@audit_refusals
def post_evaluation_record(*, project: Project, actor: User, summary: str, goals_met: bool | None = None,
                           score: Decimal | float | None = None, source_ip: str | None = None) -> Evaluation:
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if project.state != S.EVALUATED:
            raise _wrong_state(project, "录入后评价")
        if not summary.strip():
            raise InvalidInput("请填写后评价结论。")
        evaluation = Evaluation.objects.create(project=project, kind=EvaluationKind.POST, summary=summary,
                                               goals_met=goals_met,
                                               score=None if score is None else Decimal(str(score)),
                                               submitted_by=actor)
        record_event(project=project, actor=actor, kind="post_evaluation", from_state=project.state,
                     citations=lifecycle.stage_citations(project.pack_id, S.EVALUATED), source_ip=source_ip,
                     recipients=_applicants(project), text="领导小组办公室录入了后评价结论。")
    return evaluation


# --- reports and changes ---------------------------------------------------------------------

_REPORTING_STATES = (S.APPROVED, S.FILED, S.PROCUREMENT, S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE)
_REPORT_DEADLINES = {ReportKind.QUARTERLY: "progress_report_due", ReportKind.YEARLY: "performance_report_due"}


def _pack_deadline(project: Project, code: str) -> dict[str, Any] | None:
    return next((d for d in policy.load_pack(project.pack_id).data.get("deadlines", []) if d["code"] == code), None)


@audit_refusals
def progress_report_submit(
    *,
    project: Project,
    actor: User,
    kind: str,
    period: str,
    procedures: str = "",
    tendering: str = "",
    start_completion: str = "",
    implementation: str = "",
    year_investment_wan: Decimal | float = 0,
    total_investment_wan: Decimal | float = 0,
    funds_used_wan: Decimal | float = 0,
    performance: str = "",
    source_ip: str | None = None,
) -> ProgressReport:
    """季度进展 (通州 第十九条) / 年度绩效报告, where the pack requires them."""
    if kind not in ReportKind.values:
        raise InvalidInput("报告类型应为 quarterly（季度进展）或 yearly（年度绩效）。")
    pattern = r"20\d\dQ[1-4]" if kind == ReportKind.QUARTERLY else r"20\d\d"
    if not re.fullmatch(pattern, period or ""):
        raise InvalidInput("报告期间格式应为 2026Q1（季度）或 2026（年度）。")
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        spec = _pack_deadline(project, _REPORT_DEADLINES[kind])
        if spec is None:
            raise TransitionRefused(f"《{_pack_title(project)}》未要求报送{ReportKind(kind).label}。")
        if project.state not in _REPORTING_STATES:
            raise _wrong_state(project, "报送进展报告")
        if ProgressReport.objects.filter(project=project, kind=kind, period=period).exists():
            raise TransitionRefused(f"{period} 的{ReportKind(kind).label}已报送。")
        report = ProgressReport.objects.create(
            project=project, kind=kind, period=period, procedures=procedures, tendering=tendering,
            start_completion=start_completion, implementation=implementation,
            year_investment_wan=Decimal(str(year_investment_wan)),
            total_investment_wan=Decimal(str(total_investment_wan)), funds_used_wan=Decimal(str(funds_used_wan)),
            performance=performance, submitted_by=actor,
        )
        year_row, _ = ProjectYearAmount.objects.get_or_create(project=project, year=int(period[:4]))
        year_row.spent_wan = max(year_row.spent_wan, report.year_investment_wan)
        year_row.save(update_fields=["spent_wan"])
        cites = [{"pack": project.pack_id, **spec["citation"]}]
        record_event(project=project, actor=actor, kind=f"report.{kind}", from_state=project.state,
                     citations=cites, source_ip=source_ip, details={"period": period},
                     recipients=_lead_office(project), text=f"建设单位报送了{period} {ReportKind(kind).label}。")
    return report


_CHANGE_STATES = (S.APPROVED, S.FILED, S.PROCUREMENT, S.CONSTRUCTION, S.TRIAL_RUN)


def _apply_change(project: Project, change: dict[str, Any]) -> None:
    total = change.get("approved_total_wan") or project.facts.get("total_investment_wan") or 0
    new_total = float(total) + float(change.get("increase_wan") or 0) - float(change.get("decrease_wan") or 0)
    _set_fact(project, "total_investment_wan", round(new_total, 2))


@audit_refusals
def change_request_create(*, project: Project, actor: User, change: dict[str, Any], description: str,
                          source_ip: str | None = None) -> ChangeRequest:
    """调整申请: the pack computes ratio and route. `full_reapproval` is refused as a change."""
    if not (description or "").strip():
        raise InvalidInput("请说明调整的内容和理由。")
    with transaction.atomic():
        _lock(project)
        _require_applicant(actor, project)
        if project.state not in _CHANGE_STATES:
            raise _wrong_state(project, "申请调整")
        if ChangeRequest.objects.filter(project=project, status=ChangeStatus.PENDING).exists():
            raise TransitionRefused("已有一项调整申请正在审核，请等待审核结果。")
        proposed = dict(change or {})
        proposed.setdefault("approved_total_wan", project.facts.get("total_investment_wan"))
        clean = _clean_facts({"change": proposed})["change"]
        result = project_evaluation(project, extra_facts={"change": clean})
        route, cites = determination(result, "change_route")
        ratio, ratio_cites = determination(result, "change_ratio")
        cites = cites or ratio_cites
        if route == ChangeRoute.FULL_REAPPROVAL:
            share = f"调整比例为{ratio:.1%}，" if isinstance(ratio, int | float) else ""
            raise TransitionRefused(
                f"{share}超出本办法允许自行或申请调整的范围，不能按调整办理，须按原审批程序重新报批"
                f"（{lifecycle.cite_list(cites)}）。",
                citations=cites,
            )
        if route is None:
            # The pack is silent on adjustments: the lead office decides.
            route = ChangeRoute.APPLY_THEN_FILE
        request = ChangeRequest.objects.create(
            project=project, change=clean, description=description, ratio=ratio, route=route, citations=cites,
            status=ChangeStatus.FILED if route == ChangeRoute.SELF_ADJUST_AND_FILE else ChangeStatus.PENDING,
            requested_by=actor,
        )
        if request.status == ChangeStatus.FILED:
            _apply_change(project, clean)
            text = f"建设单位依{lifecycle.cite_list(cites)}自行调整并报备：{description}"
        else:
            text = "建设单位提交了调整申请，请审核。"
        record_event(project=project, actor=actor, kind="change.request", from_state=project.state,
                     reason=description, result=result, citations=cites, source_ip=source_ip,
                     details={"change_request": request.pk, "route": route, "ratio": ratio},
                     recipients=_lead_office(project), text=text)
    return request


@audit_refusals
def change_request_decide(*, change_request: ChangeRequest, actor: User, decision: str, comment: str = "",
                          source_ip: str | None = None) -> ChangeRequest:
    if decision not in ("approve", "reject"):
        raise InvalidInput("审核结论应为 approve（同意）或 reject（不同意）。")
    project = change_request.project
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        change_request.refresh_from_db()
        if change_request.status != ChangeStatus.PENDING:
            raise TransitionRefused("该调整申请已处理。")
        if decision == "reject" and not comment.strip():
            raise InvalidInput("请填写不同意的理由。")
        change_request.status = ChangeStatus.APPROVED if decision == "approve" else ChangeStatus.REJECTED
        change_request.decision_comment = comment
        change_request.decided_by = actor
        change_request.decided_at = timezone.now()
        change_request.save()
        if decision == "approve":
            _apply_change(project, change_request.change)
        record_event(project=project, actor=actor, kind=f"change.{decision}", from_state=project.state,
                     reason=comment, citations=change_request.citations, source_ip=source_ip,
                     details={"change_request": change_request.pk}, recipients=_applicants(project),
                     text="调整申请已同意，请实施并备案。" if decision == "approve" else f"调整申请未获同意：{comment}")
    return change_request


# --- suspension and termination --------------------------------------------------------------


@audit_refusals
def project_suspend(*, project: Project, actor: User, reason: str, citation: dict[str, Any] | None,
                    source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if not (reason or "").strip():
            raise InvalidInput("请填写暂停的理由。")
        cites = _validate_citation(project, citation, required=True)
        if project.state in (S.SUSPENDED, S.TERMINATED, S.REJECTED, S.EVALUATED):
            raise _wrong_state(project, "暂停")
        return _transition(project=project, actor=actor, move=project.to_suspended, kind="suspend", reason=reason,
                           citations=cites, source_ip=source_ip, recipients=_applicants(project),
                           text=f"项目已暂停（{lifecycle.cite_list(cites)}）：{reason}")


@audit_refusals
def project_resume(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if project.state != S.SUSPENDED:
            raise _wrong_state(project, "恢复")
        return _transition(project=project, actor=actor, move=project.resume, kind="resume", reason=reason,
                           source_ip=source_ip, recipients=_applicants(project), text="项目已恢复。")


@audit_refusals
def project_terminate(*, project: Project, actor: User, reason: str, citation: dict[str, Any] | None,
                      source_ip: str | None = None) -> Project:
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if not (reason or "").strip():
            raise InvalidInput("请填写终止的理由。")
        cites = _validate_citation(project, citation, required=True)
        if project.state in (S.TERMINATED, S.REJECTED, S.EVALUATED):
            raise _wrong_state(project, "终止")
        return _transition(project=project, actor=actor, move=project.to_terminated, kind="terminate",
                           reason=reason, citations=cites, source_ip=source_ip,
                           recipients=[*_applicants(project), *_leadership(project)],
                           text=f"项目已终止（{lifecycle.cite_list(cites)}）：{reason}")
