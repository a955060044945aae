"""申报: creating and editing a draft, uploading materials, submitting, the preliminary review (初审)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core import crypto, uploads
from govit.core.models import Jurisdiction, Role, Unit, User
from govit.core.selectors import role_assignments_of
from govit.policy.declarations import declared_documents
from govit.policy.labels import fact_label
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import (
    CLOSED_STATES,
    Material,
    MaterialCode,
    Project,
)
from govit.projects.selectors import (
    application_checklist,
    assignment_for,
    determination,
    project_evaluation,
)
from govit.projects.services.common import (
    DECISIONS_REVIEW,
    SERVICE_OWNED_FACTS,
    S,
    applicant_users,
    clean_facts,
    lead_office_users,
    lock_project,
    pack_title,
    record_event,
    refuse_if_blocked,
    require_applicant,
    require_decider,
    require_documents,
    require_step,
    return_or_reject,
    set_description,
    set_fact,
    set_year_amounts,
    transition,
    wrong_state,
)


@audit_refusals
def clean_project_code(value: str | None) -> str:
    """项目代码 from the provincial platform (通州 第十四条): letters, digits and hyphens, at most 64."""
    code = (value or "").strip()
    if len(code) > 64 or any(not (c.isascii() and (c.isalnum() or c == "-")) for c in code):
        raise InvalidInput("项目代码只能由字母、数字和连字符组成，不超过 64 个字符。", field="project_code")
    return code


def project_create(
    *,
    actor: User,
    name: str,
    facts: dict[str, Any] | None = None,
    unit: Unit | None = None,
    pack_id: str | None = None,
    year_amounts: Iterable[dict[str, Any]] = (),
    content: str | None = None,
    functions: Iterable[str] | None = None,
    data_items: Iterable[str] | None = None,
    project_code: str = "",
    source_ip: str | None = None,
) -> Project:
    """An applicant unit opens a draft project under its jurisdiction's pack.

    `content` (建设内容), `functions` (主要功能) and `data_items` (数据资源：信息项) describe what it
    builds for the duplicate and split analysis (govit.analysis) and the 申报表.
    """
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
    clean = clean_facts({k: v for k, v in (facts or {}).items() if k not in SERVICE_OWNED_FACTS}, chosen)
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
            project_code=clean_project_code(project_code),
            created_by=actor,
        )
        set_description(project, content=content, functions=functions, data_items=data_items)
        project.save()
        set_year_amounts(project, year_amounts)
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
    content: str | None = None,
    functions: Iterable[str] | None = None,
    data_items: Iterable[str] | None = None,
    project_code: str | None = None,
    source_ip: str | None = None,
) -> Project:
    """The applicant edits its project while it is a draft or was returned (merge of top-level facts;
    `content`, `functions`, `data_items` replace the stored ones when given)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state not in (S.DRAFT, S.RETURNED):
            raise wrong_state(project, "修改项目信息（仅草稿或退回的项目可以修改）")
        given = {k: v for k, v in (facts or {}).items() if k not in SERVICE_OWNED_FACTS}
        merged = {k: v for k, v in project.facts.items() if k not in given}
        owned = {k: merged.pop(k) for k in SERVICE_OWNED_FACTS if k in merged}
        clean = clean_facts({**merged, **given}, project.pack_id)
        if name is not None and name.strip():
            project.name = name.strip()[:200]
        if project_code is not None:
            project.project_code = clean_project_code(project_code)
        clean.update(owned)
        clean["name"] = project.name
        clean["unit_name"] = project.unit.name
        project.facts = clean
        described = set_description(project, content=content, functions=functions, data_items=data_items)
        set_year_amounts(project, year_amounts)
        record_event(project=project, actor=actor, kind="update", from_state=project.state, source_ip=source_ip,
                     details={"fields": sorted(given) + described})
    return project


# --- materials -------------------------------------------------------------------------------



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
    pack_documents = declared_documents(policy.load_pack(project.pack_id).data)
    if doc_code not in MaterialCode.values and doc_code not in pack_documents:
        raise InvalidInput(f"材料类型“{doc_code}”无效。", field="doc_code")
    try:
        checked = uploads.validate_upload(data=data, filename=filename)
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc), code=exc.code, field="file") from exc
    kind, display = checked.kind, checked.display_name
    try:
        with transaction.atomic():
            lock_project(project)
            lead = assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)
            if lead is None:
                require_applicant(actor, project)
            if project.state in CLOSED_STATES:
                raise wrong_state(project, "上传材料")
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
            material.file.name = material.file.field.generate_filename(
                material, uploads.storage_name(prefix=str(project.pk), kind=kind))
            from govit.projects.services.outlines import material_outline_check

            outline = material_outline_check(project, material, data)
            material.save()
            record_event(
                project=project, actor=actor, kind="material.upload", from_state=project.state, source_ip=source_ip,
                details={"doc_code": doc_code, "name": display, "sha256": material.sha256, "sm3": material.sm3,
                         **({"outline_missing": [m["title"] for m in outline.get("missing", [])]} if outline else {})},
            )
            # The bytes go last, so nothing but the commit can fail after them; they are deleted again
            # unless this transaction (or the caller's, when nested) commits.
            stored = uploads.store_with_row(storage=material.file.storage, name=material.file.name, data=data)
            if stored != material.file.name:
                material.file.name = stored
                material.save(update_fields=["file"])
    finally:
        uploads.discard_uncommitted()
    return material


# --- application and preliminary review ------------------------------------------------------


def _scope_case(project: Project, result: dict[str, Any]) -> dict[str, Any]:
    """The scope case of the pack that decided (from the evaluation's trace)."""
    scope = policy.load_pack(project.pack_id).data["scope"]
    for entry in result.get("trace", []):
        if entry.get("kind") == "scope" and entry.get("result") is True:
            index = int(entry["name"].removeprefix("scope[").rstrip("]"))
            return scope["cases"][index]
    return scope["otherwise"]


def _other_packs_in_scope(project: Project) -> list[str]:
    """Titles of the jurisdiction's other packs that govern the project fully."""
    from govit.projects.selectors import project_policy_input

    titles = []
    for pack_id in project.jurisdiction.pack_ids or []:
        if pack_id == project.pack_id:
            continue
        result = policy.evaluate({**project_policy_input(project), "pack": pack_id}, pack_id)
        if determination(result, "in_scope")[0] is True:
            titles.append(f"《{policy.load_pack(pack_id).title}》")
    return titles


def require_in_scope(project: Project, result: dict[str, Any]) -> None:
    """Scope is decided before anything else: a project the pack does not govern is not submitted under it."""
    title = pack_title(project)
    in_scope, cites = determination(result, "in_scope")
    if in_scope is None:
        missing = sorted({name for f in result["findings"] if f["rule"].endswith("/scope")
                          for name in f.get("missing_facts") or f.get("facts", {})})
        scope_cites = lifecycle.checklist_citations(project.pack_id, policy.load_pack(project.pack_id).data["scope"]
                                                    ["otherwise"])
        raise TransitionRefused(
            f"无法判断《{title}》是否适用本项目（{lifecycle.cite_list(scope_cites)}），缺少："
            f"{'、'.join(fact_label(m) for m in missing)}。请补充后再提交申报。",
            citations=scope_cites, missing=missing, code="scope_undetermined",
        )
    route, _ = determination(result, "review_route")
    if route != "not_applicable":
        return  # fully governed, or governed by reference (参照本办法)
    case = _scope_case(project, result)
    others = _other_packs_in_scope(project)
    if others:
        instead = f"请改按{'、'.join(others)}申报。"
    elif case.get("applies_instead"):
        instead = f"应适用{case['applies_instead']}，本平台启用的办法均不适用。"
    else:
        instead = "本平台启用的办法均不适用本项目。"
    raise TransitionRefused(
        f"本项目不属于《{title}》的适用范围，不能按本办法申报（{lifecycle.cite_list(cites)}）："
        f"{case.get('message', '').rstrip('。')}。{instead}",
        citations=cites, code="out_of_scope",
    )


@audit_refusals
def project_submit(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """申报: within the pack's scope, the pack must not block, the unit may apply, the documents are uploaded."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        require_step(project, S.SUBMITTED, "提交申报")
        result = project_evaluation(project)
        require_in_scope(project, result)
        may_apply, cites = determination(result, "unit_may_apply")
        if may_apply is False:
            # The unit's own findings say why and what lifts the restriction (“请先……”).
            grounds = "".join(f"{f['message']}（{lifecycle.cite_text(f['citation'])}）" for f in result["findings"]
                              if f["severity"] == "block" and any(k.startswith("unit.") for k in f.get("facts", {})))
            raise TransitionRefused(f"本单位目前不得申报新项目（{lifecycle.cite_list(cites)}）。{grounds}",
                                    citations=cites)
        refuse_if_blocked(result, "提交申报")
        docs, cites = application_checklist(project)
        require_documents(project, docs, cites, "申报材料")
        from govit.projects.services.outlines import require_outlines

        require_outlines(project, "提交申报")
        return transition(
            project=project, actor=actor, move=project.to_submitted, kind="submit", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.SUBMITTED), source_ip=source_ip,
            recipients=lead_office_users(project), text=f"{project.unit.name}提交了项目申报，请受理。",
        )


@audit_refusals
def project_withdraw(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    """撤回申报: the applicant takes back an application the lead office has not yet accepted (受理)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state != S.SUBMITTED:
            raise TransitionRefused(
                f"项目当前状态为“{S(project.state).label}”：只有尚未受理的申报可以撤回"
                "（已受理的项目请联系领导小组办公室退回）。", code="wrong_state")
        return transition(
            project=project, actor=actor, move=project.to_draft, kind="withdraw", reason=reason,
            citations=lifecycle.stage_citations(project.pack_id, S.SUBMITTED), source_ip=source_ip,
            recipients=lead_office_users(project), text=f"{project.unit.name}撤回了项目申报。",
        )


@audit_refusals
def project_delete(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """删除草稿: a draft that was never accepted disappears from every list; its record and history are kept."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state != S.DRAFT:
            raise TransitionRefused(
                f"项目当前状态为“{S(project.state).label}”：只有草稿可以删除（已申报的项目请先撤回）。",
                code="wrong_state")
        project.deleted_at = timezone.now()
        record_event(project=project, actor=actor, kind="delete", from_state=project.state, source_ip=source_ip)
    return project


@audit_refusals
def preliminary_review_start(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """受理并初审: the opinion tasks of the pack's 初审 (通州 第七条 会同财政、审计、行政审批、保密) open."""
    from govit.reviews.services import open_stage_tasks

    with transaction.atomic():
        lock_project(project)
        cites = require_decider(actor, project, S.PRELIMINARY_REVIEW, action="受理并组织初审")
        require_step(project, S.PRELIMINARY_REVIEW, "开始初审")
        result = project_evaluation(project)
        opened = open_stage_tasks(project=project, actor=actor, stage=S.PRELIMINARY_REVIEW, result=result,
                                  source_ip=source_ip)
        cites = lifecycle.stage_citations(project.pack_id, S.PRELIMINARY_REVIEW) or cites
        return transition(
            project=project, actor=actor, move=project.to_preliminary_review, kind="preliminary_review.start",
            citations=cites + [c for c in opened["citations"] if c not in cites], reason="；".join(opened["notes"]),
            details={"tasks": [t.body for t in opened["tasks"]], "round": opened["round"]},
            source_ip=source_ip, recipients=applicant_users(project), text="领导小组办公室已受理申报，进入初审。",
        )


def _review_state(project: Project) -> str:
    """Where the lead office decides on an application: 初审, or 申报 where the pack has no 初审."""
    return S.PRELIMINARY_REVIEW if lifecycle.stage_listed(project.pack_id, S.PRELIMINARY_REVIEW) else S.SUBMITTED


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
    from govit.reviews.services import require_stage_opinions

    with transaction.atomic():
        lock_project(project)
        require_decider(actor, project, S.PRELIMINARY_REVIEW, action="作出初审结论")
        if project.state != _review_state(project):
            raise wrong_state(project, "作出初审结论")
        if decision != "accept":
            return return_or_reject(project=project, actor=actor, decision=decision, reason=reason,
                                     citation=citation, kind="preliminary_review", source_ip=source_ip)
        if not lifecycle.stage_listed(project.pack_id, S.IN_LIBRARY):
            raise TransitionRefused(
                f"《{pack_title(project)}》未设项目储备库环节：初审通过后请直接组织审查。", code="stage_not_in_pack"
            )
        require_decider(actor, project, S.IN_LIBRARY, action="纳入项目储备库")
        require_step(project, S.IN_LIBRARY, "入库")
        require_stage_opinions(project, S.PRELIMINARY_REVIEW, "作出初审结论")
        result = project_evaluation(project)
        refuse_if_blocked(result, "入库")
        set_fact(project, "in_project_library", True)
        return transition(
            project=project, actor=actor, move=project.to_in_library, kind="preliminary_review.accept",
            reason=reason, result=result, citations=lifecycle.stage_citations(project.pack_id, S.IN_LIBRARY),
            source_ip=source_ip, recipients=applicant_users(project), text="项目通过初审，已纳入项目储备库。",
        )


