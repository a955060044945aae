"""Supervision writes: the sweep, rectification orders and unit sanctions.

The sweep itself lives in `govit.supervision.sweep` (chunked, resumable, idempotent); these are the
pieces it and the pages share: obligations upserted on their unique keys, ratings, sanctions, orders.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.models import Role, Unit, User
from govit.core.selectors import role_assignments_of
from govit.core.services import audit_record
from govit.notifications.services import notify
from govit.policy.legal import add_months
from govit.policy.numerals import article_label
from govit.projects import lifecycle
from govit.projects import services as project_services
from govit.projects.errors import DomainError, InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import CLOSED_STATES, ChangeRequest, ChangeStatus, MaterialCode, Project, ProjectState
from govit.projects.selectors import computed_unit_facts, unit_facts, users_of_unit, users_with_role
from govit.projects.services import material_upload, record_event
from govit.supervision import obligations as ob
from govit.supervision.basis import escalation_ladder, sanction_basis
from govit.supervision.models import (
    COMPUTED_SANCTIONS,
    OPEN_OBLIGATION_STATUSES,
    OPEN_RECTIFICATION_STATUSES,
    HealthRating,
    Obligation,
    ObligationStatus,
    RectificationEvidence,
    RectificationOrder,
    RectificationStatus,
    RectificationStep,
    ReminderKind,
    SanctionKind,
    SanctionSource,
    SweepRun,
    UnitSanction,
)
from govit.supervision.rating import Inputs, days_between, rate

S = ProjectState
# States before the project is approved: nothing to rate yet.
_PRE_APPROVAL = (S.DRAFT, S.SUBMITTED, S.PRELIMINARY_REVIEW, S.RETURNED, S.IN_LIBRARY, S.PLANNED, S.UNDER_REVIEW)
# Who answers for a duty (default: the project's unit). 核定年度计划 is the lead office's.
LEAD_OFFICE_DUTIES = frozenset({"annual_plan_due"})
ESCALATION_ACTIONS = {"suspend_project": "suspend", "terminate_project": "terminate"}


def lead_days() -> int:
    return int(getattr(settings, "GOVIT_REMINDER_LEAD_DAYS", 7))


def cite_text(citation: dict[str, Any]) -> str:
    return lifecycle.cite_text(citation) if citation else ""


# --- obligations -----------------------------------------------------------------------------


def _obligation_status(obligation: Obligation, cand: ob.Candidate | None, project: Project,
                       as_of: date) -> tuple[str, Any]:
    """The obligation's status at as_of and the event that met it (if any)."""
    if obligation.code in ob.INFORMATIONAL:
        return ObligationStatus.INFO, None
    event = ob.met_event(project, obligation.code, obligation.period)
    if event is not None or (cand is not None and cand.engine_met):
        return ObligationStatus.MET, event
    if cand is None:
        return ObligationStatus.WITHDRAWN, None
    return ob.status_at(deadline_from=obligation.window_from, deadline=obligation.deadline, as_of=as_of), None


def obligation_candidates(project: Project, as_of: date, unit_fact_values: dict[str, Any] | None = None,
                          since: date | None = None) -> dict[tuple[str, str], ob.Candidate]:
    """The duties the pack gives the project up to `as_of` (reads only: the sweep computes these
    outside its write transaction); `since`: only those found after that day (see `ob.candidates`)."""
    if project.state in CLOSED_STATES:
        return {}
    return ob.candidates(project, unit_fact_values if unit_fact_values is not None else unit_facts(project.unit),
                         as_of, since=since)


def obligations_refresh(*, project: Project, as_of: date, unit_fact_values: dict[str, Any] | None = None,
                        found: dict[tuple[str, str], ob.Candidate] | None = None,
                        partial: bool = False) -> list[Obligation]:
    """Recompute the project's obligations at `as_of` (upsert; nothing is deleted).

    `partial`: `found` holds only the duties found after the last derivation from the same history, so
    a stored duty missing from it still stands (its status moves with the day), and one found only on
    a day before `as_of` keeps the dates the derivation that first found it gave.
    """
    existing = {(o.code, o.period): o for o in Obligation.objects.filter(project=project)}
    for obligation in existing.values():
        obligation.project = project
    if found is None:
        found = obligation_candidates(project, as_of, unit_fact_values)
    result = []
    for key in sorted(set(existing) | set(found)):
        cand = found.get(key)
        if partial and key in existing and (cand is None or cand.sampled != as_of):
            result.append(obligation_advance(existing[key], as_of))
            continue
        obligation = existing.get(key) or Obligation(project=project, code=key[0], period=key[1])
        if cand is not None:
            obligation.label = cand.label[:200]
            obligation.due, obligation.window_from, obligation.window_until = cand.due, cand.window_from, \
                cand.window_until
            obligation.citation = cand.citation
        status, event = _obligation_status(obligation, cand, project, as_of)
        _store_status(obligation, status, event, as_of)
        result.append(obligation)
    return result


def _store_status(obligation: Obligation, status: str, event: Any, as_of: date) -> None:
    if status == ObligationStatus.MET and obligation.status != ObligationStatus.MET:
        obligation.met_at = event.at if event is not None else timezone.now()
        obligation.met_by_event = event
    elif status != ObligationStatus.MET:
        obligation.met_at, obligation.met_by_event = None, None
    obligation.status = status
    obligation.as_of = as_of
    obligation.save()


def obligation_advance(obligation: Obligation, as_of: date) -> Obligation:
    """The day moved, nothing else did: a stored duty's status at `as_of` from its own dates."""
    if obligation.code in ob.INFORMATIONAL or obligation.status in (ObligationStatus.MET,
                                                                     ObligationStatus.WITHDRAWN):
        return obligation
    event = ob.met_event(obligation.project, obligation.code, obligation.period)
    if event is not None:
        status = ObligationStatus.MET
    else:
        status = ob.status_at(deadline_from=obligation.window_from, deadline=obligation.deadline, as_of=as_of)
    _store_status(obligation, status, event, as_of)
    return obligation


def reminder_kind(obligation: Obligation, as_of: date) -> str | None:
    if obligation.status not in OPEN_OBLIGATION_STATUSES or obligation.deadline is None:
        return None
    if as_of > obligation.deadline:
        return ReminderKind.OVERDUE
    if as_of == obligation.deadline:
        return ReminderKind.ON
    if obligation.deadline - timedelta(days=lead_days()) <= as_of:
        return ReminderKind.BEFORE
    return None


def _responsible(obligation: Obligation, kind: str) -> list[User]:
    project = obligation.project
    lead = users_with_role(Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)
    if obligation.code in LEAD_OFFICE_DUTIES:
        return lead
    applicants = users_with_role(Role.APPLICANT, jurisdiction_id=project.jurisdiction_id, unit_id=project.unit_id)
    return applicants + lead if kind == ReminderKind.OVERDUE else applicants


def obligation_line(obligation: Obligation, kind: str) -> str:
    from govit.policy.labels import DEADLINE

    what = obligation.label or DEADLINE.get(obligation.code, obligation.code)
    period = f"（{obligation.period}）" if obligation.period else ""
    return (f"【{obligation.project.name}】{what}{period}，截止 {obligation.deadline.isoformat()}，"
            f"{ReminderKind(kind).label}（{cite_text(obligation.citation)}）")


# --- ratings ---------------------------------------------------------------------------------


def _slip_days(project: Project, as_of: date) -> int:
    dates = project.facts.get("dates") or {}
    months = (project.facts.get("contract") or {}).get("build_months")
    if not dates.get("procurement_started") or not months:
        return 0
    planned = add_months(date.fromisoformat(dates["procurement_started"]), int(months))
    actual = date.fromisoformat(dates["completed"]) if dates.get("completed") else as_of
    return days_between(actual, planned)


def rating_inputs(project: Project, as_of: date) -> Inputs:
    obligations = list(Obligation.objects.filter(project=project))
    delay = 0
    for o in obligations:
        if o.code != "acceptance_application_due" or o.due is None:
            continue
        if o.status == ObligationStatus.OVERDUE:
            delay = days_between(as_of, o.due)
        elif o.status == ObligationStatus.MET and o.met_at is not None:
            delay = days_between(timezone.localdate(o.met_at), o.due)
    ratio = sum(c.ratio or 0 for c in ChangeRequest.objects.filter(
        project=project, status__in=[ChangeStatus.FILED, ChangeStatus.APPROVED]))
    return Inputs(
        overdue_obligations=sum(1 for o in obligations if o.status == ObligationStatus.OVERDUE),
        slip_days=_slip_days(project, as_of),
        change_ratio=float(ratio),
        open_rectifications=RectificationOrder.objects.filter(project=project,
                                                              status__in=OPEN_RECTIFICATION_STATUSES).count(),
        acceptance_delay_days=delay,
    )


def rating_refresh(*, project: Project, as_of: date) -> HealthRating | None:
    """Rate the project at `as_of`. A new row is written only when the rating differs from the
    latest one (the history shows changes, not one identical row per project per night); the
    latest score is also stored on the project for the dashboard's GROUP BY."""
    if project.state in _PRE_APPROVAL or project.state in CLOSED_STATES:
        return None
    inputs = rating_inputs(project, as_of)
    score, signals = rate(inputs)
    latest = HealthRating.objects.filter(project=project).order_by("-as_of").first()
    if latest is not None and latest.as_of == as_of:
        latest.score, latest.signals = score, signals
        latest.save(update_fields=["score", "signals", "computed_at"])
        rating = latest
    elif latest is not None and latest.as_of < as_of and latest.score == score and latest.signals == signals:
        rating = latest
    else:
        rating = HealthRating.objects.update_or_create(project=project, as_of=as_of,
                                                       defaults={"score": score, "signals": signals})[0]
    if project.health_score != score:
        Project.objects.filter(pk=project.pk).update(health_score=score)
        project.health_score = score
    rating.next_change = rating_turn(project, as_of, inputs, score)
    return rating


def rating_turn(project: Project, as_of: date, inputs: Inputs, score: int, horizon: int = 366) -> date | None:
    """The first day after `as_of` on which the score moves with the days alone (a schedule slip or
    an acceptance delay that keeps growing), or None when nothing grows."""
    overdue_acceptance = Obligation.objects.filter(project=project, code="acceptance_application_due",
                                                   status=ObligationStatus.OVERDUE).exists()
    grows_slip = not (project.facts.get("dates") or {}).get("completed") and bool(
        (project.facts.get("contract") or {}).get("build_months"))
    if not (overdue_acceptance or grows_slip) or score <= 1:
        return None
    for days in range(1, horizon + 1):
        day = as_of + timedelta(days=days)
        later = Inputs(overdue_obligations=inputs.overdue_obligations,
                       slip_days=_slip_days(project, day) if grows_slip else inputs.slip_days,
                       change_ratio=inputs.change_ratio, open_rectifications=inputs.open_rectifications,
                       acceptance_delay_days=inputs.acceptance_delay_days + days if overdue_acceptance
                       else inputs.acceptance_delay_days)
        if rate(later)[0] != score:
            return day
    return None


# --- sanctions -------------------------------------------------------------------------------


def _unit_pack(unit: Unit) -> str | None:
    packs = list(unit.jurisdiction.pack_ids or [])
    return packs[0] if packs else None


def _notify_unit(unit: Unit, text: str) -> None:
    notify(users=users_of_unit(unit), project=None, text=text)


def _sanction_create(*, unit: Unit, kind: str, source: str, actor: User | None, reason: str,
                     lifting_condition: str = "", recorded_by_unit: Unit | None = None,
                     source_ip: str | None = None) -> UnitSanction:
    pack_id = _unit_pack(unit)
    basis = sanction_basis(pack_id, kind) if pack_id else None
    if basis is None:
        raise TransitionRefused(f"本行政区域适用的办法未对“{SanctionKind(kind).label}”规定限制措施，不能登记。")
    sanction = UnitSanction.objects.create(
        unit=unit, kind=kind, source=source, pack_id=pack_id, citation=basis.citation,
        consequence=basis.consequence, lifting_condition=lifting_condition.strip() or basis.lifting_condition,
        reason=reason, recorded_by=actor, recorded_by_unit=recorded_by_unit,
    )
    _notify_unit(unit, f"【单位限制】{unit.name}：{SanctionKind(kind).label}。{basis.consequence}"
                       f"（{cite_text(basis.citation)}）解除条件：{sanction.lifting_condition}")
    from govit.projects.status import mark_units_stale

    mark_units_stale([unit.pk])
    audit_record(actor=actor, action="supervision.sanction", obj=sanction, source_ip=source_ip,
                 actor_name=None if actor else "govit sweep",
                 details={"unit": unit.pk, "kind": kind, "source": source, "citation": basis.citation,
                          "reason": reason})
    return sanction


def _acting_unit(actor: User, jurisdiction_id: int) -> Unit | None:
    """The unit on whose behalf `actor` supervises: the lead office or a member department."""
    ra = role_assignments_of(actor).filter(role__in=[Role.LEAD_OFFICE, Role.MEMBER_REVIEWER],
                                           jurisdiction_id=jurisdiction_id).order_by("role").first()
    if ra is None:
        return None
    if ra.unit is not None:
        return ra.unit
    return Unit.objects.filter(jurisdiction_id=jurisdiction_id, kind="lead_office").first()


def sanction_record(*, unit: Unit, kind: str, actor: User, reason: str, lifting_condition: str = "",
                    source_ip: str | None = None) -> UnitSanction:
    """A department records a violation of `unit` (数据共享、安全、数据归集 …) under the pack."""
    if kind not in SanctionKind.values:
        raise InvalidInput(f"限制情形“{kind}”无效。")
    if not (reason or "").strip():
        raise InvalidInput("请填写认定情况说明。")
    acting = _acting_unit(actor, unit.jurisdiction_id)
    if acting is None:
        raise PermissionDenied("只有本级领导小组办公室或会审成员单位可以登记单位限制。")
    with transaction.atomic():
        if UnitSanction.objects.filter(unit=unit, kind=kind, lifted_at__isnull=True).exists():
            raise TransitionRefused("该单位已有同一情形的有效限制。")
        return _sanction_create(unit=unit, kind=kind, source=SanctionSource.RECORDED, actor=actor, reason=reason,
                                lifting_condition=lifting_condition, recorded_by_unit=acting, source_ip=source_ip)


def _lift(sanction: UnitSanction, actor: User | None, note: str, source_ip: str | None = None) -> UnitSanction:
    sanction.lifted_at = timezone.now()
    sanction.lifted_by = actor
    sanction.lift_note = note
    sanction.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
    _notify_unit(sanction.unit, f"【单位限制解除】{sanction.unit.name}：{sanction.get_kind_display()}。{note}")
    from govit.projects.status import mark_units_stale

    mark_units_stale([sanction.unit_id])
    audit_record(actor=actor, action="supervision.sanction_lift", obj=sanction, source_ip=source_ip,
                 actor_name=None if actor else "govit sweep", details={"note": note})
    return sanction


def sanction_lift(*, sanction: UnitSanction, actor: User, note: str, source_ip: str | None = None) -> UnitSanction:
    if sanction.lifted_at is not None:
        raise TransitionRefused("该限制已解除。")
    if sanction.source == SanctionSource.COMPUTED:
        raise TransitionRefused("该限制由系统根据项目情况认定，条件消除后在下一次督办扫描时自动解除。")
    acting = _acting_unit(actor, sanction.unit.jurisdiction_id)
    if acting is None:
        raise PermissionDenied("只有本级领导小组办公室或会审成员单位可以解除单位限制。")
    is_lead_office = role_assignments_of(actor).filter(role=Role.LEAD_OFFICE,
                                                       jurisdiction_id=sanction.unit.jurisdiction_id).exists()
    if not is_lead_office and acting.pk != sanction.recorded_by_unit_id:
        issuer = sanction.recorded_by_unit.name if sanction.recorded_by_unit else "领导小组办公室"
        audit_record(actor=actor, action="supervision.sanction_lift", obj=sanction, source_ip=source_ip,
                     outcome="denied", details={"reason": "not_the_issuing_body", "acting_unit": acting.pk})
        raise PermissionDenied(f"该限制由{issuer}认定，只有认定单位或领导小组办公室可以解除。")
    if not (note or "").strip():
        raise InvalidInput("请说明整改完成情况（解除依据）。")
    with transaction.atomic():
        return _lift(sanction, actor, note, source_ip)


def sanctions_sync(*, unit: Unit) -> tuple[int, int]:
    """Open or lift the computed restrictions (未验收、验收不合格) from the unit's projects."""
    flags = computed_unit_facts(unit)
    opened = lifted = 0
    for kind in COMPUTED_SANCTIONS:
        active = UnitSanction.objects.filter(unit=unit, kind=kind, lifted_at__isnull=True).first()
        if flags.get(kind) and active is None:
            pack_id = _unit_pack(unit)
            if pack_id and sanction_basis(pack_id, kind):
                _sanction_create(unit=unit, kind=kind, source=SanctionSource.COMPUTED, actor=None,
                                 reason="系统根据本单位项目的验收情况认定。")
                opened += 1
        elif not flags.get(kind) and active is not None and active.source == SanctionSource.COMPUTED:
            _lift(active, None, "相关项目已完成验收，限制自动解除。")
            lifted += 1
    return opened, lifted


# --- rectification orders --------------------------------------------------------------------


def _validate_citation(project: Project, citation: dict[str, Any] | None) -> dict[str, Any]:
    if not citation or not citation.get("article"):
        raise InvalidInput("请注明所违反的条款（第几条）。")
    pack = policy.load_pack(project.pack_id)
    article = int(citation["article"])
    if article not in pack.articles:
        raise InvalidInput(f"《{pack.title}》没有{article_label(article)}，请核对所依据的条款。")
    clean: dict[str, Any] = {"pack": project.pack_id, "article": article}
    if citation.get("item"):
        item = int(citation["item"])
        if item not in pack.items.get(article, []):
            raise InvalidInput(f"《{pack.title}》{lifecycle.cite_text({'article': article})}没有第{item}项。")
        clean["item"] = item
    return clean


def _history(order: RectificationOrder, step: str, label: str, as_of: date, actor: User | None,
             note: str = "") -> RectificationStep:
    return RectificationStep.objects.create(order=order, step=step, label=label, as_of=as_of, actor=actor, note=note)


def _record(order: RectificationOrder, actor: User | None, kind: str, reason: str, citations: list[dict[str, Any]],
            recipients: list[User], text: str, source_ip: str | None = None) -> None:

    record_event(project=order.project, actor=actor, kind=kind, from_state=order.project.state, reason=reason,
                 citations=citations, details={"rectification_order": order.pk}, source_ip=source_ip,
                 recipients=recipients, text=text)


def _unit_users(project: Project) -> list[User]:
    return users_with_role(Role.APPLICANT, jurisdiction_id=project.jurisdiction_id, unit_id=project.unit_id)


def rectification_issue(*, project: Project, actor: User, citation: dict[str, Any] | None, problem: str,
                        deadline: date, issued_on: date | None = None,
                        source_ip: str | None = None) -> RectificationOrder:
    """限期整改: the lead office or a member department orders the unit to fix a violation by `deadline`."""
    issued_on = issued_on or timezone.localdate()
    if not (problem or "").strip():
        raise InvalidInput("请写明存在的问题和整改要求。")
    if deadline <= issued_on:
        raise InvalidInput("整改期限应晚于下达日期。")
    issuer_unit = _acting_unit(actor, project.jurisdiction_id)
    if issuer_unit is None:
        raise PermissionDenied("只有本级领导小组办公室或会审成员单位可以下达整改通知。")
    clean = _validate_citation(project, citation)
    steps, escalation_cite = escalation_ladder(project.pack_id)
    with transaction.atomic():
        if project.state in CLOSED_STATES:
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能下达整改通知。")
        order = RectificationOrder.objects.create(
            project=project, issuer_unit=issuer_unit, issued_by=actor, issued_on=issued_on, citation=clean,
            problem=problem, deadline=deadline, steps=steps, escalation_citation=escalation_cite,
        )
        first = steps[0]["label"] if steps else "限期整改"
        _history(order, "issue", first, issued_on, actor, problem)
        _record(order, actor, "rectification.issue", problem, [clean], _unit_users(project),
                f"{issuer_unit.name}下达整改通知（{cite_text(clean)}），请于 {deadline.isoformat()} 前整改：{problem}",
                source_ip)
    return order


def rectification_evidence_add(*, order: RectificationOrder, actor: User, filename: str, data: bytes,
                               note: str = "", source_ip: str | None = None) -> RectificationEvidence:
    """Upload a file proving the fix (stored as a project material through the projects service)."""

    if order.status == RectificationStatus.CLOSED:
        raise TransitionRefused("该整改通知已销号。")
    with transaction.atomic():
        material = material_upload(project=order.project, actor=actor, doc_code=MaterialCode.OTHER,
                                   filename=filename, data=data, source_ip=source_ip)
        evidence = RectificationEvidence.objects.create(order=order, material=material, note=note[:200])
        _history(order, "evidence", "提交整改佐证材料", timezone.localdate(), actor, note or material.original_name)
    return evidence


def rectification_close(*, order: RectificationOrder, actor: User, note: str,
                        source_ip: str | None = None) -> RectificationOrder:
    """销号: the issuing unit or the lead office accepts the fix, with evidence on file."""
    project = order.project
    acting = _acting_unit(actor, project.jurisdiction_id)
    is_lead = role_assignments_of(actor).filter(role=Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)
    if acting is None or (acting != order.issuer_unit and not is_lead.exists()):
        raise PermissionDenied("只有下达整改通知的单位或领导小组办公室可以销号。")
    if not (note or "").strip():
        raise InvalidInput("请填写整改核查情况。")
    with transaction.atomic():
        order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == RectificationStatus.CLOSED:
            raise TransitionRefused("该整改通知已销号。")
        if not order.evidence.exists():
            raise TransitionRefused("尚无整改佐证材料，不能销号。请建设单位先上传整改佐证材料。")
        order.status = RectificationStatus.CLOSED
        order.closed_at = timezone.now()
        order.closed_by = actor
        order.closing_note = note
        order.save()
        _history(order, "close", "整改销号", timezone.localdate(), actor, note)
        _record(order, actor, "rectification.close", note, [order.citation], _unit_users(project),
                f"整改通知已销号：{note}", source_ip)
    return order


def _escalation_actor(order: RectificationOrder) -> User | None:
    project = order.project
    if role_assignments_of(order.issued_by).filter(role=Role.LEAD_OFFICE,
                                                   jurisdiction_id=project.jurisdiction_id).exists():
        return order.issued_by
    lead = users_with_role(Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)
    return lead[0] if lead else None


def rectification_escalate(*, order: RectificationOrder, as_of: date) -> RectificationOrder:
    """逾期未整改: take the next step of the pack's ladder; suspension and termination go through
    the projects services. Each step gives the unit the order's original period again."""

    project = order.project
    if order.level + 1 >= len(order.steps):
        if order.status == RectificationStatus.OPEN:
            order.status = RectificationStatus.OVERDUE
            order.save(update_fields=["status"])
        return order
    step = order.steps[order.level + 1]
    cites = [order.escalation_citation] if order.escalation_citation else [order.citation]
    reason = (f"整改通知（{cite_text(order.citation)}）逾期未整改，依{cite_text(cites[0])}{step['label']}。"
              f"原整改要求：{order.problem}")
    note = ""
    action = ESCALATION_ACTIONS.get(step.get("step", ""))
    if action:
        actor = _escalation_actor(order)
        service = project_services.project_suspend if action == "suspend" else project_services.project_terminate
        try:
            with transaction.atomic():
                service(project=project, actor=actor, reason=reason, citation=cites[0])
            project.refresh_from_db()
        except DomainError as exc:
            note = f"未能执行：{exc.message}"
    period = max(order.deadline - order.issued_on, timedelta(days=1))
    order.level += 1
    order.status = RectificationStatus.ESCALATED
    order.deadline = as_of + period
    order.save(update_fields=["level", "status", "deadline"])
    _history(order, step.get("step", f"step{order.level}"), step["label"], as_of, None, note or reason)
    recipients = [*_unit_users(project), *users_with_role(Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id),
                  *users_with_role(Role.LEADERSHIP, jurisdiction_id=project.jurisdiction_id)]
    _record(order, None, "rectification.escalate", reason, cites, recipients,
            f"整改通知逾期未整改，已{step['label']}（{cite_text(cites[0])}）；"
            f"新的整改期限 {order.deadline.isoformat()}。")
    return order


# --- the sweep ---------------------------------------------------------------------------------


def sweep(*, as_of: date | None = None, projects: Any = None, full: bool = False,
          chunk_size: int | None = None) -> SweepRun:
    """The nightly sweep in chunks (govit.supervision.sweep); kept here for the callers of old."""
    from govit.supervision.sweep import sweep as run_sweep

    return run_sweep(as_of=as_of, projects=projects, full=full, chunk_size=chunk_size)
