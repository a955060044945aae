"""Supervision writes: the sweep, rectification orders and unit sanctions.

The sweep (`sweep`) is idempotent: obligations and ratings are upserted on their unique keys, a
reminder is logged once per (user, obligation, kind) and only newly logged reminders go into the
digests, which are delivered after the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.models import Role, Unit, User
from govit.core.selectors import role_assignments_of
from govit.core.services import audit_record
from govit.notifications.channels import Digest, deliver
from govit.notifications.services import notify
from govit.policy.legal import add_months
from govit.projects import lifecycle
from govit.projects.errors import DomainError, InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import CLOSED_STATES, ChangeRequest, ChangeStatus, MaterialCode, Project, ProjectState
from govit.projects.selectors import computed_unit_facts, unit_facts, users_of_unit, users_with_role
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
    Reminder,
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


def obligations_refresh(*, project: Project, as_of: date, unit_fact_values: dict[str, Any] | None = None,
                        ) -> list[Obligation]:
    """Recompute the project's obligations at `as_of` (upsert; nothing is deleted)."""
    existing = {(o.code, o.period): o for o in Obligation.objects.filter(project=project)}
    if project.state in CLOSED_STATES:
        found: dict[tuple[str, str], ob.Candidate] = {}
    else:
        found = ob.candidates(project, unit_fact_values if unit_fact_values is not None
                              else unit_facts(project.unit), as_of)
    result = []
    for key in sorted(set(existing) | set(found)):
        cand = found.get(key)
        obligation = existing.get(key) or Obligation(project=project, code=key[0], period=key[1])
        if cand is not None:
            obligation.label = cand.label[:200]
            obligation.due, obligation.window_from, obligation.window_until = cand.due, cand.window_from, \
                cand.window_until
            obligation.citation = cand.citation
        status, event = _obligation_status(obligation, cand, project, as_of)
        if status == ObligationStatus.MET and obligation.status != ObligationStatus.MET:
            obligation.met_at = event.at if event is not None else timezone.now()
            obligation.met_by_event = event
        elif status != ObligationStatus.MET:
            obligation.met_at, obligation.met_by_event = None, None
        obligation.status = status
        obligation.as_of = as_of
        obligation.save()
        result.append(obligation)
    return result


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
    if project.state in _PRE_APPROVAL or project.state in CLOSED_STATES:
        return None
    score, signals = rate(rating_inputs(project, as_of))
    rating, _ = HealthRating.objects.update_or_create(project=project, as_of=as_of,
                                                      defaults={"score": score, "signals": signals})
    return rating


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
    audit_record(actor=actor, action="supervision.sanction", obj=sanction, source_ip=source_ip,
                 actor_name=None if actor else "govit sweep",
                 details={"unit": unit.pk, "kind": kind, "source": source, "citation": basis.citation,
                          "reason": reason})
    _notify_unit(unit, f"【单位限制】{unit.name}：{SanctionKind(kind).label}。{basis.consequence}"
                       f"（{cite_text(basis.citation)}）解除条件：{sanction.lifting_condition}")
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
    audit_record(actor=actor, action="supervision.sanction_lift", obj=sanction, source_ip=source_ip,
                 actor_name=None if actor else "govit sweep", details={"note": note})
    _notify_unit(sanction.unit, f"【单位限制解除】{sanction.unit.name}：{sanction.get_kind_display()}。{note}")
    return sanction


def sanction_lift(*, sanction: UnitSanction, actor: User, note: str, source_ip: str | None = None) -> UnitSanction:
    if sanction.lifted_at is not None:
        raise TransitionRefused("该限制已解除。")
    if sanction.source == SanctionSource.COMPUTED:
        raise TransitionRefused("该限制由系统根据项目情况认定，条件消除后在下一次督办扫描时自动解除。")
    if _acting_unit(actor, sanction.unit.jurisdiction_id) is None:
        raise PermissionDenied("只有本级领导小组办公室或会审成员单位可以解除单位限制。")
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
        raise InvalidInput(f"《{pack.title}》没有第{article}条，请核对所依据的条款。")
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
    from govit.projects.services import record_event

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
    from govit.projects.services import material_upload

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
    from govit.projects import services as project_services

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


# --- the sweep -------------------------------------------------------------------------------


def sweep(*, as_of: date | None = None, projects: Any = None) -> SweepRun:
    """Recompute obligations, sanctions and ratings; escalate overdue orders; send new reminders.

    Running it twice for the same date changes nothing and sends nothing the second time.
    """
    as_of = as_of or timezone.localdate()
    digests: dict[int, list[tuple[Obligation, str]]] = defaultdict(list)
    users: dict[int, User] = {}
    counts = {"projects": 0, "obligations": 0, "reminders": 0, "ratings": 0, "escalations": 0,
              "sanctions_opened": 0, "sanctions_lifted": 0}
    with transaction.atomic():
        run = SweepRun.objects.create(as_of=as_of)
        qs = (projects if projects is not None else Project.objects.all()).select_related("unit__jurisdiction",
                                                                                        "jurisdiction")
        project_list = list(qs)
        units = {p.unit_id: p.unit for p in project_list}
        for unit in units.values():
            opened, lifted = sanctions_sync(unit=unit)
            counts["sanctions_opened"] += opened
            counts["sanctions_lifted"] += lifted
        facts_by_unit = {unit_id: unit_facts(unit) for unit_id, unit in units.items()}
        for order in RectificationOrder.objects.filter(project__in=project_list, deadline__lt=as_of,
                                                       status__in=OPEN_RECTIFICATION_STATUSES):
            before = order.level
            rectification_escalate(order=order, as_of=as_of)
            counts["escalations"] += order.level - before
        for project in project_list:
            project.refresh_from_db()
            counts["projects"] += 1
            for obligation in obligations_refresh(project=project, as_of=as_of,
                                                  unit_fact_values=facts_by_unit[project.unit_id]):
                counts["obligations"] += 1
                kind = reminder_kind(obligation, as_of)
                if kind is None:
                    continue
                for user in _responsible(obligation, kind):
                    _, created = Reminder.objects.get_or_create(user=user, obligation=obligation, kind=kind,
                                                                defaults={"sweep": run})
                    if created:
                        users[user.pk] = user
                        digests[user.pk].append((obligation, kind))
                        counts["reminders"] += 1
            if rating_refresh(project=project, as_of=as_of) is not None:
                counts["ratings"] += 1
        run.finished_at = timezone.now()
        run.counts = counts
        run.save(update_fields=["finished_at", "counts"])
        audit_record(actor=None, actor_name="govit sweep", action="supervision.sweep", obj=run,
                     details={"as_of": as_of.isoformat(), **counts})
        messages = [
            Digest(user=users[user_id], subject=f"督办提醒（{len(items)} 项）",
                   lines=[obligation_line(o, kind) for o, kind in items],
                   payload={"as_of": as_of.isoformat(),
                            "obligations": [{"project": o.project_id, "code": o.code, "period": o.period,
                                             "deadline": o.deadline.isoformat(), "kind": kind,
                                             "citation": o.citation} for o, kind in items]})
            for user_id, items in digests.items()
        ]
        transaction.on_commit(lambda: _deliver(run, messages))
    return run


def _deliver(run: SweepRun, messages: list[Digest]) -> None:
    sent = deliver(messages)
    SweepRun.objects.filter(pk=run.pk).update(counts={**run.counts, "delivered": sent})
    run.counts = {**run.counts, "delivered": sent}

