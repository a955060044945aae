"""Annual plan writes: compile from the reserve pool, submit, leadership approval, the mid-year
adjustment the pack allows (通州 第十六条) and emergency insertion (通州 第十七条)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from govit.core.models import Jurisdiction, Role, User
from govit.core.services import audit_record
from govit.notifications.services import notify
from govit.planning.models import AnnualPlan, PlanItem, PlanItemKind, PlanStatus
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import Project, ProjectState
from govit.projects.selectors import assignment_for, users_with_role
from govit.projects.services.common import lock_project, set_fact, transition, wrong_state

S = ProjectState


def _require(actor: User, role: str, jurisdiction: Jurisdiction, message: str) -> None:
    if assignment_for(actor, role, jurisdiction_id=jurisdiction.pk) is None:
        raise PermissionDenied(message)


def _lead(actor: User, jurisdiction: Jurisdiction) -> None:
    _require(actor, Role.LEAD_OFFICE, jurisdiction, "只有本级领导小组办公室可以编制年度计划。")


def _pack_id(jurisdiction: Jurisdiction) -> str:
    if not jurisdiction.pack_ids:
        raise TransitionRefused(f"{jurisdiction.name}未启用政策包。")
    return jurisdiction.pack_ids[0]


def _require_planning(pack_id: str) -> None:
    if not lifecycle.stage_listed(pack_id, S.PLANNED):
        raise TransitionRefused(f"《{lifecycle.load_pack(pack_id).title}》未设年度计划环节。")


@audit_refusals
def plan_create(*, jurisdiction: Jurisdiction, year: int, actor: User, source_ip: str | None = None) -> AnnualPlan:
    _lead(actor, jurisdiction)
    _require_planning(_pack_id(jurisdiction))
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度无效。")
    with transaction.atomic():
        if AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).exists():
            raise TransitionRefused(f"{year} 年度计划已存在。")
        plan = AnnualPlan.objects.create(jurisdiction=jurisdiction, year=year, created_by=actor)
        audit_record(actor=actor, action="plan.create", obj=plan, source_ip=source_ip, details={"year": year})
    return plan


def _plannable(project: Project) -> bool:
    """The project stands where the pack puts the plan: after 储备库 (通州, 昆都仑) or after 审委会 (巴中)."""
    from govit.reviews.selectors import latest_round_tasks

    if project.state != lifecycle.predecessor(project.pack_id, S.PLANNED):
        return False
    if project.state == S.UNDER_REVIEW:
        tasks = list(latest_round_tasks(project))
        return all(t.status == "done" and t.opinion != "disagree" for t in tasks)
    return True


def funding_years(project: Project) -> set[int]:
    """The year(s) the project asks money for: its plan year, else the years of its planned amounts."""
    if project.plan_year:
        return {int(project.plan_year)}
    return set(project.year_amounts.filter(planned_wan__gt=0).values_list("year", flat=True))


def _require_funding_year(project: Project, plan: AnnualPlan) -> None:
    """A project enters the plan of the year it is funded in (下一年度项目计划: 通州 第七条, 昆都仑 第五条)."""
    years = funding_years(project)
    cites = lifecycle.stage_citations(project.pack_id, S.PLANNED)
    if not years:
        raise TransitionRefused(
            f"项目未填写资金需求年度（年度资金计划），不能列入 {plan.year} 年度计划"
            f"（{lifecycle.cite_list(cites)}）。请建设单位补充年度资金计划。", citations=cites,
            code="funding_year_missing")
    if plan.year not in years:
        wanted = "、".join(str(y) for y in sorted(years))
        raise TransitionRefused(
            f"项目的资金需求年度为 {wanted} 年，与 {plan.year} 年度计划不符，不能列入"
            f"（{lifecycle.cite_list(cites)}）。请列入对应年度的计划。", citations=cites, code="plan_year_mismatch")


def _amount(project: Project, amount_wan: Decimal | float | None) -> Decimal:
    if amount_wan is not None:
        return Decimal(str(amount_wan))
    return Decimal(str(project.facts.get("total_investment_wan") or 0))


def _move_to_planned(project: Project, actor: User, kind: str, reason: str, source_ip: str | None,
                     citations: list[dict]) -> None:
    set_fact(project, "in_annual_plan", True)
    transition(project=project, actor=actor, move=project.to_planned, kind=kind, reason=reason,
                citations=citations or lifecycle.stage_citations(project.pack_id, S.PLANNED), source_ip=source_ip,
                recipients=users_with_role(Role.APPLICANT, jurisdiction_id=project.jurisdiction_id,
                                           unit_id=project.unit_id),
                text="项目已列入年度建设计划。")


@audit_refusals
def plan_item_add(*, plan: AnnualPlan, project: Project, actor: User, amount_wan: Decimal | float | None = None,
                  source_ip: str | None = None) -> PlanItem:
    """Put a project of the reserve pool on a draft plan."""
    _lead(actor, plan.jurisdiction)
    with transaction.atomic():
        lock_project(project)
        if project.jurisdiction_id != plan.jurisdiction_id:
            raise PermissionDenied("只能列入本行政区域的项目。")
        if plan.status != PlanStatus.DRAFT:
            raise TransitionRefused("年度计划已报审或已批准；请使用年中调整或紧急插入。")
        if not _plannable(project):
            raise wrong_state(project, "列入年度计划")
        _require_funding_year(project, plan)
        if PlanItem.objects.filter(plan=plan, project=project).exists():
            raise TransitionRefused("该项目已在年度计划中。")
        item = PlanItem.objects.create(plan=plan, project=project, amount_wan=_amount(project, amount_wan),
                                       added_by=actor)
        audit_record(actor=actor, action="plan.item_add", obj=plan, source_ip=source_ip,
                     details={"project": project.pk, "amount_wan": str(item.amount_wan)})
    return item


@audit_refusals
def plan_submit(*, plan: AnnualPlan, actor: User, source_ip: str | None = None) -> AnnualPlan:
    _lead(actor, plan.jurisdiction)
    with transaction.atomic():
        plan.refresh_from_db()
        if plan.status != PlanStatus.DRAFT:
            raise TransitionRefused("年度计划已报审。")
        if not plan.items.exists():
            raise TransitionRefused("年度计划中还没有项目。")
        plan.status = PlanStatus.SUBMITTED
        plan.save(update_fields=["status"])
        audit_record(actor=actor, action="plan.submit", obj=plan, source_ip=source_ip)
        notify(users=users_with_role(Role.LEADERSHIP, jurisdiction_id=plan.jurisdiction_id), project=None,
               text=f"{plan} 已报请审定。")
    return plan


@audit_refusals
def plan_approve(*, plan: AnnualPlan, actor: User, source_ip: str | None = None) -> AnnualPlan:
    """Leadership approves the plan; every project on it moves to `planned`."""
    _require(actor, Role.LEADERSHIP, plan.jurisdiction, "年度计划须由领导审定。")
    with transaction.atomic():
        plan.refresh_from_db()
        if plan.status != PlanStatus.SUBMITTED:
            raise TransitionRefused("年度计划尚未报审或已批准。")
        plan.status = PlanStatus.APPROVED
        plan.approved_by = actor
        plan.approved_at = timezone.now()
        plan.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(actor=actor, action="plan.approve", obj=plan, source_ip=source_ip)
        for item in plan.items.select_related("project"):
            project = item.project
            lock_project(project)
            if not _plannable(project):
                raise wrong_state(project, "列入年度计划")
            _move_to_planned(project, actor, "plan.approve", f"{plan} 审定通过", source_ip, [])
        notify(users=users_with_role(Role.LEAD_OFFICE, jurisdiction_id=plan.jurisdiction_id), project=None,
               text=f"{plan} 已审定。")
    return plan


@audit_refusals
def plan_return(*, plan: AnnualPlan, actor: User, comment: str, source_ip: str | None = None) -> AnnualPlan:
    """Leadership returns a submitted plan to the lead office with its comment; the plan can be revised."""
    _require(actor, Role.LEADERSHIP, plan.jurisdiction, "年度计划须由领导审定（退回）。")
    if not (comment or "").strip():
        raise InvalidInput("字段 comment：请填写退回意见（需要修改的内容）。")
    with transaction.atomic():
        plan.refresh_from_db()
        if plan.status != PlanStatus.SUBMITTED:
            raise TransitionRefused("只有已报审的年度计划可以退回。", code="wrong_state")
        plan.status = PlanStatus.DRAFT
        plan.return_comment = comment.strip()
        plan.returned_by = actor
        plan.returned_at = timezone.now()
        plan.save(update_fields=["status", "return_comment", "returned_by", "returned_at"])
        audit_record(actor=actor, action="plan.return", obj=plan, source_ip=source_ip,
                     details={"comment": plan.return_comment})
        notify(users=users_with_role(Role.LEAD_OFFICE, jurisdiction_id=plan.jurisdiction_id), project=None,
               text=f"{plan} 被退回修改：{plan.return_comment}")
    return plan


@audit_refusals
def plan_adjust(*, plan: AnnualPlan, project: Project, actor: User, reason: str,
                amount_wan: Decimal | float | None = None, source_ip: str | None = None) -> PlanItem:
    """年中调整 (调入): limited to the pack's `plan_adjustments_per_year` where it sets one."""
    _lead(actor, plan.jurisdiction)
    if not (reason or "").strip():
        raise InvalidInput("请说明调整的理由（建设条件重大变化或急需实施）。")
    pack_id = _pack_id(plan.jurisdiction)
    limit = lifecycle.parameter(pack_id, "plan_adjustments_per_year")
    cites = lifecycle.parameter_citations(pack_id, "plan_adjustments_per_year")
    with transaction.atomic():
        plan.refresh_from_db()
        lock_project(project)
        if plan.status != PlanStatus.APPROVED:
            raise TransitionRefused("年度计划批准后方可调整；编制中的计划可直接列入项目。")
        if limit is not None and plan.adjustments_used >= int(limit):
            raise TransitionRefused(
                f"年度计划每年调整次数以{int(limit)}次为限，本年度已调整（{lifecycle.cite_list(cites)}）。",
                citations=cites,
            )
        if project.jurisdiction_id != plan.jurisdiction_id or not _plannable(project):
            raise wrong_state(project, "调入年度计划")
        _require_funding_year(project, plan)
        item = PlanItem.objects.create(plan=plan, project=project, amount_wan=_amount(project, amount_wan),
                                       kind=PlanItemKind.ADJUSTMENT, reason=reason, added_by=actor)
        plan.adjustments_used += 1
        plan.save(update_fields=["adjustments_used"])
        audit_record(actor=actor, action="plan.adjust", obj=plan, source_ip=source_ip,
                     details={"project": project.pk, "citations": cites, "reason": reason})
        _move_to_planned(project, actor, "plan.adjust", reason, source_ip, cites)
    return item


@audit_refusals
def plan_emergency_insert(*, plan: AnnualPlan, project: Project, actor: User, reason: str,
                          government_consent: str, amount_wan: Decimal | float | None = None,
                          source_ip: str | None = None) -> PlanItem:
    """紧急插入: an urgent project enters an approved plan with the government's consent."""
    _lead(actor, plan.jurisdiction)
    if not (reason or "").strip() or not (government_consent or "").strip():
        raise InvalidInput("紧急插入须说明理由并注明政府同意的文件或会议纪要。")
    with transaction.atomic():
        plan.refresh_from_db()
        lock_project(project)
        if plan.status != PlanStatus.APPROVED:
            raise TransitionRefused("年度计划批准后方可紧急插入；编制中的计划可直接列入项目。")
        if project.jurisdiction_id != plan.jurisdiction_id:
            raise PermissionDenied("只能插入本行政区域的项目。")
        if project.state not in (S.PRELIMINARY_REVIEW, S.IN_LIBRARY) and not _plannable(project):
            raise wrong_state(project, "紧急插入年度计划")
        _require_funding_year(project, plan)
        item = PlanItem.objects.create(plan=plan, project=project, amount_wan=_amount(project, amount_wan),
                                       kind=PlanItemKind.EMERGENCY, reason=reason,
                                       government_consent=government_consent, added_by=actor)
        audit_record(actor=actor, action="plan.emergency_insert", obj=plan, source_ip=source_ip,
                     details={"project": project.pk, "reason": reason, "consent": government_consent})
        set_fact(project, "emergency", True)
        _move_to_planned(project, actor, "plan.emergency_insert", f"{reason}（{government_consent}）", source_ip,
                         [])
    return item
