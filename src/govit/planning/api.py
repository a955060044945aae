"""Annual-plan API at /api/v1/plans: compile, submit, approve, mid-year adjustment, emergency insertion."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from govit.core import paging
from govit.core.api_paging import api_page, choice_filter, page_schema, sort_description, year_filter
from govit.core.models import Jurisdiction
from govit.core.schemas import Schema
from govit.core.selectors import jurisdictions_visible_to
from govit.planning import services
from govit.planning.models import AnnualPlan, PlanStatus
from govit.planning.selectors import plans_visible_to
from govit.projects.api import ERRORS, ErrorOut, _ip, _user, domain_errors
from govit.projects.errors import NotFound, PermissionDenied
from govit.projects.selectors import projects_visible_to

router = Router(tags=["plans"])


class PlanNotFound(NotFound):
    pass


class PlanItemOut(Schema):
    id: int
    project_id: int
    project_name: str
    project_state: str
    amount_wan: Decimal
    kind: str
    reason: str
    government_consent: str


class PlanOut(Schema):
    id: int
    jurisdiction_id: int
    jurisdiction: str
    year: int
    status: str
    adjustments_used: int
    approved_at: datetime | None
    return_comment: str = ""
    returned_at: datetime | None = None
    items: list[PlanItemOut]


class PlanIn(Schema):
    jurisdiction_id: int
    year: int


class ItemIn(Schema):
    project_id: int
    amount_wan: float | None = Field(default=None, description="计划金额（万元），默认项目总投资")


class AdjustIn(ItemIn):
    reason: str


class EmergencyIn(ItemIn):
    reason: str
    government_consent: str = Field(description="政府同意的文件或会议纪要")


def plan_out(plan: AnnualPlan) -> dict[str, Any]:
    return {
        "id": plan.pk, "jurisdiction_id": plan.jurisdiction_id, "jurisdiction": plan.jurisdiction.name,
        "year": plan.year, "status": plan.status, "adjustments_used": plan.adjustments_used,
        "approved_at": plan.approved_at, "return_comment": plan.return_comment, "returned_at": plan.returned_at,
        "items": [
            {"id": i.pk, "project_id": i.project_id, "project_name": i.project.name,
             "project_state": i.project.state, "amount_wan": i.amount_wan, "kind": i.kind, "reason": i.reason,
             "government_consent": i.government_consent}
            for i in plan.items.select_related("project")
        ],
    }


def _plans(request: HttpRequest) -> Any:
    # The same rule as the web pages: the lead office compiles the plan, leadership approves it.
    return plans_visible_to(_user(request))


def _plan(request: HttpRequest, plan_id: int) -> AnnualPlan:
    plan = _plans(request).filter(pk=plan_id).first()
    if plan is None:
        raise PlanNotFound("未找到该年度计划，或您无权查看。")
    return plan


def _visible_project(request: HttpRequest, project_id: int) -> Any:
    return projects_visible_to(_user(request)).get(pk=project_id)


PLAN_SORT = paging.Sort({"year": ("年度（最新在前）", ["-year", "jurisdiction__code", "pk"]),
                         "jurisdiction": ("行政区域", ["jurisdiction__code", "-year", "pk"])}, "year")


@router.get("", response={200: page_schema(PlanOut, "PlanPageOut"), 400: ErrorOut}, summary="年度计划列表（分页）",
            description=sort_description(PLAN_SORT) + " year、jurisdiction_id、status 筛选。")
def plan_list(request: HttpRequest, year: str | None = None, jurisdiction_id: int | None = None,
              status: str | None = None, sort: str | None = None, limit: str | None = None,
              offset: str | None = None) -> Any:
    plans = _plans(request).select_related("jurisdiction")
    wanted_year = year_filter(year)
    if wanted_year is not None:
        plans = plans.filter(year=wanted_year)
    if jurisdiction_id is not None:
        plans = plans.filter(jurisdiction_id=jurisdiction_id)
    if choice_filter(status, PlanStatus.values, "status"):
        plans = plans.filter(status=status)
    return api_page(request, plans, limit=limit, offset=offset, sort=PLAN_SORT, sort_key=sort, shape=plan_out)


@router.post("", response={201: PlanOut, **ERRORS}, summary="新建年度计划（牵头部门）")
@domain_errors
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    jurisdiction = jurisdictions_visible_to(_user(request)).filter(pk=payload.jurisdiction_id).first()
    if jurisdiction is None:
        raise PermissionDenied("只能为本行政区域编制年度计划。")
    assert isinstance(jurisdiction, Jurisdiction)
    plan = services.plan_create(jurisdiction=jurisdiction, year=payload.year, actor=_user(request),
                                source_ip=_ip(request))
    return Status(201, plan_out(plan))


@router.get("/{int:plan_id}", response={200: PlanOut, 404: ErrorOut}, summary="年度计划详情")
@domain_errors
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return plan_out(_plan(request, plan_id))


@router.post("/{int:plan_id}/items", response={200: PlanOut, **ERRORS}, summary="从储备库列入项目")
@domain_errors
def plan_add(request: HttpRequest, plan_id: int, payload: ItemIn) -> Any:
    plan = _plan(request, plan_id)
    services.plan_item_add(plan=plan, project=_visible_project(request, payload.project_id), actor=_user(request),
                           amount_wan=payload.amount_wan, source_ip=_ip(request))
    return plan_out(plan)


@router.post("/{int:plan_id}/submit", response={200: PlanOut, **ERRORS}, summary="报请领导审定")
@domain_errors
def plan_submit(request: HttpRequest, plan_id: int) -> Any:
    return plan_out(services.plan_submit(plan=_plan(request, plan_id), actor=_user(request), source_ip=_ip(request)))


@router.post("/{int:plan_id}/approve", response={200: PlanOut, **ERRORS}, summary="领导审定年度计划")
@domain_errors
def plan_approve(request: HttpRequest, plan_id: int) -> Any:
    return plan_out(services.plan_approve(plan=_plan(request, plan_id), actor=_user(request), source_ip=_ip(request)))


class ReturnIn(Schema):
    comment: str = Field(description="退回意见")


@router.post("/{int:plan_id}/return", response={200: PlanOut, **ERRORS}, summary="领导退回年度计划（附意见）")
@domain_errors
def plan_return(request: HttpRequest, plan_id: int, payload: ReturnIn) -> Any:
    return plan_out(services.plan_return(plan=_plan(request, plan_id), actor=_user(request), comment=payload.comment,
                                         source_ip=_ip(request)))


@router.post("/{int:plan_id}/adjust", response={200: PlanOut, **ERRORS}, summary="年中调整（调入）")
@domain_errors
def plan_adjust(request: HttpRequest, plan_id: int, payload: AdjustIn) -> Any:
    plan = _plan(request, plan_id)
    services.plan_adjust(plan=plan, project=_visible_project(request, payload.project_id), actor=_user(request),
                         reason=payload.reason, amount_wan=payload.amount_wan, source_ip=_ip(request))
    return plan_out(plan)


@router.post("/{int:plan_id}/emergency", response={200: PlanOut, **ERRORS}, summary="紧急插入（经政府同意）")
@domain_errors
def plan_emergency(request: HttpRequest, plan_id: int, payload: EmergencyIn) -> Any:
    plan = _plan(request, plan_id)
    services.plan_emergency_insert(plan=plan, project=_visible_project(request, payload.project_id),
                                   actor=_user(request), reason=payload.reason,
                                   government_consent=payload.government_consent, amount_wan=payload.amount_wan,
                                   source_ip=_ip(request))
    return plan_out(plan)
