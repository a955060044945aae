"""Project API at /api/v1/projects: CRUD of facts, every lifecycle transition, materials, timeline,
reports, changes, O&M, evaluations and the 申报表 DOCX. Handlers are thin: they call the services.

Status codes: 404 when the project is outside the caller's scope, 403 when the caller's role may
not act, 409 when the pack or the state refuses, 400 on bad input — each in the one error shape
(`{"code", "detail", "field", "citations", "missing"}`, govit.core.api_errors).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Body, Field, File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from govit.core import api_errors, paging
from govit.core.api_paging import api_page, choice_filter, page_schema, sort_description, year_filter
from govit.core.db_router import replica_reads
from govit.core.models import User
from govit.core.schemas import Schema
from govit.policy.facts import Change as ChangeFacts
from govit.policy.facts import ProjectFacts
from govit.projects import services
from govit.projects.documents import application_form_response, material_response
from govit.projects.models import (
    AcceptanceExtension,
    ChangeRequest,
    Evaluation,
    Material,
    MaterialCode,
    OperationRecord,
    ProgressReport,
    Project,
    ProjectEvent,
    ProjectState,
)
from govit.projects.profile import PROFILE_KEYS, project_update_profile
from govit.projects.selectors import (
    LIST_DEFERRED,
    PROJECT_SORT,
    filter_projects,
    inbox_items,
    lead_office_inbox_rows,
    portfolio_cells,
    project_evaluation,
    project_for,
    project_next_steps,
    projects_visible_to,
    timeline,
)
from govit.regulations.api import CitationOut as PackCitationOut
from govit.regulations.api import DeadlineDueOut, EvaluationOut

router = Router(tags=["projects"])


# --- errors ----------------------------------------------------------------------------------
# One shape for every error (govit.core.api_errors.ErrorOut): code, detail, field, citations, missing.

ErrorOut = api_errors.ErrorOut
RefusalOut = api_errors.ErrorOut
CitationOut = api_errors.ErrorCitation

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def domain_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Kept for the routers that decorate with it: refusals and missing objects now reach the API's own
    exception handlers (govit.core.api_errors), which answer them in the one error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return view(request, *args, **kwargs)

    # ninja resolves string annotations in the wrapper's module; hand it the resolved types.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _project(request: HttpRequest, project_id: int) -> Project:
    return project_for(_user(request), project_id)


# --- schemas ---------------------------------------------------------------------------------


class NamedOut(Schema):
    id: int
    name: str


class YearAmountIn(Schema):
    year: int
    planned_wan: float = 0


class YearAmountOut(Schema):
    year: int
    planned_wan: Decimal
    approved_wan: Decimal
    spent_wan: Decimal


PROJECT_CODE_PATTERN = r"^[0-9A-Za-z\-]*$"


def facts_given(facts: ProjectFacts | ChangeFacts | None) -> dict[str, Any] | None:
    """The facts a client sent, as the services take them (absent ones left out)."""
    return None if facts is None else facts.model_dump(mode="json", exclude_unset=True)


AmountGiven = Decimal | str | None  # 万元; a number or its text, checked by the 申报表 service


class FundingIn(Schema):
    """One row of 资金构成 (万元 by source)."""

    model_config = ConfigDict(extra="allow")  # an unknown source is refused by the service, naming it
    fiscal: AmountGiven = Field(default=None, description="其中申请财政拨款")
    self_raised: AmountGiven = Field(default=None, description="单位自筹")
    national: AmountGiven = Field(default=None, description="国家下拨")
    other: AmountGiven = Field(default=None, description="其它")


class FundingRowsIn(Schema):
    model_config = ConfigDict(extra="allow")
    prior: FundingIn | None = Field(default=None, description="历年已安排资金")
    this_year: FundingIn | None = Field(default=None, description="本年度申请资金")


class ProfileIn(Schema):
    """申报表（通州 附件1）fields; those given replace the stored ones."""

    model_config = ConfigDict(extra="allow")  # an unknown field is refused by the service, naming it
    leader_name: str | None = Field(default=None, description="项目负责人")
    leader_phone: str | None = Field(default=None, description="联系电话")
    nature: str | None = Field(default=None, description="项目性质（new 新建 / continued 续建 …，或其中文）")
    urgency: str | None = Field(default=None, description="紧急程度")
    plan_year: int | str | None = Field(default=None, description="资金需求年度")
    start_month: str | None = Field(default=None, description="启动年月（YYYY-MM）")
    completion_month: str | None = Field(default=None, description="计划完成年月（YYYY-MM）")
    planning_prepared: bool | str | None = Field(default=None, description="前期准备：规划编制（是/否）")
    planning_reviewed: bool | str | None = Field(default=None, description="前期准备：规划通过专家论证（是/否）")
    funding: FundingRowsIn | None = Field(default=None, description="资金构成")
    form_filler: str | None = Field(default=None, description="填表人")
    filler_phone: str | None = Field(default=None, description="填表人联系电话")
    filler_email: str | None = Field(default=None, description="电子信箱")


class FundingOut(Schema):
    fiscal: str | None = None
    self_raised: str | None = None
    national: str | None = None
    other: str | None = None


class FundingRowsOut(Schema):
    prior: FundingOut | None = None
    this_year: FundingOut | None = None


class ProfileOut(Schema):
    leader_name: str | None = None
    leader_phone: str | None = None
    nature: str | None = None
    urgency: str | None = None
    plan_year: int | None = None
    start_month: str | None = None
    completion_month: str | None = None
    planning_prepared: bool | None = None
    planning_reviewed: bool | None = None
    funding: FundingRowsOut | None = None
    form_filler: str | None = None
    filler_phone: str | None = None
    filler_email: str | None = None


def profile_given(profile: ProfileIn | None) -> dict[str, Any] | None:
    """The fields the client sent (unknown ones included, for the service to refuse by name)."""
    return profile.model_dump(exclude_unset=True) if profile is not None else None


class ProjectIn(Schema):
    name: str = Field(description="项目名称")
    project_code: str = Field(default="", max_length=64, pattern=PROJECT_CODE_PATTERN,
                              description="项目代码（投资项目在线审批监管平台赋予，通州 第十四条）；尚未取得时留空")
    facts: ProjectFacts = Field(default_factory=ProjectFacts,
                                description="政策契约的 project 事实（dates 等由系统维护）")
    pack_id: str | None = Field(default=None, description="政策包；默认本行政区域启用的政策包")
    year_amounts: list[YearAmountIn] = []
    content: str = Field(default="", description="建设内容")
    functions: list[str] = Field(default=[], description="主要功能（功能模块，每项一个）")
    data_items: list[str] = Field(default=[], description="数据资源：拟采集或使用的信息项（信息资源目录）")
    profile: ProfileIn | None = Field(default=None, description="申报表（通州 附件1）字段（给出的字段替换）")


class ProjectPatch(Schema):
    name: str | None = None
    project_code: str | None = Field(default=None, max_length=64, pattern=PROJECT_CODE_PATTERN,
                                     description="项目代码（通州 第十四条；给出时替换）")
    facts: ProjectFacts | None = Field(default=None, description="合并到现有事实（按顶层字段覆盖）")
    year_amounts: list[YearAmountIn] = []
    content: str | None = Field(default=None, description="建设内容（给出时替换）")
    functions: list[str] | None = Field(default=None, description="主要功能（给出时整体替换）")
    data_items: list[str] | None = Field(default=None, description="数据资源：信息项（给出时整体替换）")
    profile: ProfileIn | None = Field(default=None, description="申报表（通州 附件1）字段（给出的字段替换）")


class ProjectOut(Schema):
    id: int
    name: str
    state: str
    state_label: str
    awaiting: str
    pack_id: str
    pack_digest_at_creation: str
    jurisdiction: NamedOut
    unit: NamedOut
    project_code: str = Field(description="项目代码（投资项目在线审批监管平台赋予，通州 第十四条）；未取得时为空")
    facts: ProjectFacts = Field(description="政策契约的 project 事实")
    approved_estimate_wan: Decimal | None = Field(default=None,
                                                  description="批复概算（系统在批复时记录，调整比例的分母）")
    content: str
    functions: list[str]
    data_items: list[str]
    profile: ProfileOut = Field(description="申报表（通州 附件1）字段")
    year_amounts: list[YearAmountOut]
    created_at: datetime
    updated_at: datetime


def stored_facts_out(pack_id: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The stored facts as the typed response can carry them: text sanitised, and a fact outside
    today's bounds (an old row, or one written by SQL) left out, as the evaluation leaves it out."""
    from govit import bounds
    from govit.projects.evaluations import within_bounds

    data = within_bounds({"pack": pack_id, "project": bounds.sanitise(dict(facts or {})), "unit": {}})
    return data.get("project", {})


def project_out(project: Project) -> dict[str, Any]:
    return {
        "id": project.pk,
        "name": project.name,
        "state": project.state,
        "state_label": ProjectState(project.state).label,
        "awaiting": project.awaiting,
        "pack_id": project.pack_id,
        "pack_digest_at_creation": project.pack_digest_at_creation,
        "jurisdiction": {"id": project.jurisdiction_id, "name": project.jurisdiction.name},
        "unit": {"id": project.unit_id, "name": project.unit.name},
        "project_code": project.project_code,
        "facts": stored_facts_out(project.pack_id, project.facts),
        "approved_estimate_wan": project.approved_estimate_wan,
        "content": project.content,
        "functions": list(project.functions or []),
        "data_items": list(project.data_items or []),
        "profile": {key: getattr(project, key) for key in PROFILE_KEYS},
        "year_amounts": list(project.year_amounts.all()),
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


class ProjectListOut(Schema):
    id: int
    name: str
    state: str
    state_label: str
    pack_id: str
    jurisdiction: str
    unit: str
    project_code: str = ""
    total_investment_wan: float | None
    next_due: date | None = Field(default=None, description="本单位最近的未完成时限")
    next_due_code: str = ""
    overdue_count: int = Field(default=0, description="逾期未完成的义务数（督办扫描记录）")
    updated_at: datetime | None = None


class ProjectPageOut(Schema):
    count: int = Field(description="符合条件的项目总数")
    next: str | None = Field(description="下一页地址；最后一页为 null")
    items: list[ProjectListOut]


class EventFindingOut(Schema):
    rule: str
    severity: Literal["block", "warn", "info", "missing", "conflict"]
    citation: PackCitationOut
    message: str


class EventEvaluationOut(Schema):
    """What a timeline event keeps of the evaluation it was decided on (empty when none was)."""

    verdict: Literal["eligible", "blocked", "incomplete"] | None = None
    as_of: date | None = None
    findings: list[EventFindingOut] = []


class EventDetailsOut(Schema):
    """The event's particulars; which keys appear depends on `kind` (others may be added)."""

    model_config = ConfigDict(extra="allow")
    change_request: int | None = Field(default=None, description="调整申请编号（change.*）")
    extension: int | None = Field(default=None, description="延期验收申请编号（acceptance_extension.*）")
    document_no: str | None = Field(default=None, description="批复文号")
    doc_code: str | None = Field(default=None, description="材料代码（material.upload）")
    period: str | None = Field(default=None, description="报告或运维期间")
    route: str | None = Field(default=None, description="审查路径")
    fields: list[str] | None = Field(default=None, description="修改的字段（update）")


class EventOut(Schema):
    id: int
    kind: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    reason: str
    citations: list[PackCitationOut]
    pack_id: str
    pack_digest: str
    evaluation: EventEvaluationOut
    details: EventDetailsOut


def event_out(event: ProjectEvent) -> dict[str, Any]:
    return {
        "id": event.pk, "kind": event.kind, "from_state": event.from_state, "to_state": event.to_state,
        "actor": event.actor.display_name if event.actor else None, "at": event.at, "reason": event.reason,
        "citations": event.citations, "pack_id": event.pack_id, "pack_digest": event.pack_digest,
        "evaluation": event.evaluation, "details": event.details,
    }


class MaterialOut(Schema):
    id: int
    doc_code: str
    doc_label: str
    original_name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    sm3: str
    uploaded_at: datetime


def material_out(m: Material) -> dict[str, Any]:
    return {"id": m.pk, "doc_code": m.doc_code, "doc_label": m.get_doc_code_display(),
            "original_name": m.original_name, "kind": m.kind, "content_type": m.content_type, "size": m.size,
            "sha256": m.sha256, "sm3": m.sm3, "uploaded_at": m.uploaded_at}


class NextStepOut(Schema):
    action: str = Field(description="下一步的事项，如 submit、approval_decide、opinion_submit")
    label: str
    role: str = Field(description="办理的角色")
    by: list[str] | None = Field(default=None, description="政策包规定的办理机关（单位）")
    basis: list[PackCitationOut] | None = Field(default=None, description="规定由谁办理的条款")
    unit: str | None = Field(default=None, description="办理单位名称")
    missing: list[str] | None = Field(default=None, description="尚缺的材料代码")
    citations: list[PackCitationOut] | None = None
    due: date | None = None


class NextStepsOut(Schema):
    state: str
    state_label: str
    verdict: Literal["eligible", "blocked", "incomplete"]
    steps: list[NextStepOut]
    deadlines: list[DeadlineDueOut]


class InboxItemOut(Schema):
    kind: str
    project_id: int
    project_name: str
    state: str
    text: str
    since: datetime


class InboxPageOut(Schema):
    count: int = Field(description="待办总数")
    next: str | None = Field(description="下一页地址；最后一页为 null")
    items: list[InboxItemOut]


class PortfolioStateOut(Schema):
    state: str
    label: str
    count: int
    total_investment_wan: float


class PortfolioOut(Schema):
    projects: int
    total_investment_wan: float
    by_state: list[PortfolioStateOut]


class CitationIn(Schema):
    article: int
    item: int | None = None


class NoteIn(Schema):
    reason: str = ""


class ReviewDecisionIn(Schema):
    decision: Literal["return", "reject", "accept"]
    reason: str = ""
    citation: CitationIn | None = None


class ApprovalDecisionIn(Schema):
    decision: Literal["approve", "return", "reject"]
    reason: str = ""
    document_no: str = Field(default="", description="批复文号")
    citation: CitationIn | None = None
    approved_on: date | None = None


class RouteIn(Schema):
    due_days: int | None = Field(default=None, ge=1, le=90, description="办理期限（天），默认 14 天")


class DateIn(Schema):
    on: date | None = Field(default=None, description="发生日期，默认今天")


class CompletionIn(Schema):
    completed_on: date | None = None
    trial_started_on: date | None = None


class PassFailIn(Schema):
    decision: Literal["pass", "fail"]
    reason: str = ""
    on: date | None = None


class EvaluationIn(Schema):
    summary: str
    goals_met: bool | None = None
    score: float | None = None
    late_reason: str = Field(default="", description="自评价期已过时的逾期说明")


class EvaluationRecordOut(Schema):
    id: int
    kind: str
    summary: str
    goals_met: bool | None
    score: Decimal | None
    submitted_at: datetime


class ReasonCitationIn(Schema):
    reason: str
    citation: CitationIn


class ReportIn(Schema):
    kind: Literal["quarterly", "yearly"]
    period: str = Field(description="2026Q1（季度）或 2026（年度）")
    procedures: str = Field(default="", description="手续办理")
    tendering: str = Field(default="", description="招投标")
    start_completion: str = Field(default="", description="开竣工")
    implementation: str = Field(default="", description="实施情况")
    year_investment_wan: float = Field(default=0, description="当年完成投资")
    total_investment_wan: float = Field(default=0, description="累计完成投资")
    funds_used_wan: float = Field(default=0, description="资金使用")
    performance: str = ""


class ReportOut(Schema):
    id: int
    kind: str
    period: str
    procedures: str
    tendering: str
    start_completion: str
    implementation: str
    year_investment_wan: Decimal
    total_investment_wan: Decimal
    funds_used_wan: Decimal
    performance: str
    submitted_at: datetime


class ChangeIn(Schema):
    change: ChangeFacts = Field(description="政策契约的 change 事实：increase_wan、decrease_wan、basis …")
    description: str


class ChangeOut(Schema):
    id: int
    change: ChangeFacts
    description: str
    ratio: float | None = Field(description="政策包计算的调整比例（累计计算的政策包含此前各次调整）")
    estimate_wan: Decimal | None = Field(default=None, description="比较基数：系统记录的批复概算")
    document_no: str = ""
    route: str
    citations: list[PackCitationOut]
    status: str
    decision_comment: str
    requested_at: datetime
    decided_at: datetime | None


class ChangeDecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: str = ""


class OperationIn(Schema):
    period: str
    content: str
    cost_wan: float = 0
    incidents: str = ""


class OperationOut(Schema):
    id: int
    period: str
    content: str
    cost_wan: Decimal
    incidents: str
    recorded_at: datetime


# --- collection ------------------------------------------------------------------------------


def paging_error(exc: paging.PagingError) -> JsonResponse:
    return JsonResponse({"detail": exc.message, "code": exc.code, "field": exc.field}, status=400,
                        json_dumps_params={"ensure_ascii": False})


# Per-project lists: newest first by default, or oldest first.
def _by_time(field: str) -> paging.Sort:
    return paging.Sort({"new": ("最新在前", [f"-{field}", "-pk"]), "old": ("最早在前", [field, "pk"])}, "new")


NEWEST, OLDEST = "最新在前", "最早在前"
MATERIAL_SORT = paging.Sort({"new": (NEWEST, ["-uploaded_at", "-pk"]), "old": (OLDEST, ["uploaded_at", "pk"]),
                             "doc_code": ("材料代码", ["doc_code", "-uploaded_at", "-pk"])}, "doc_code")
EVENT_SORT = paging.Sort({"old": (OLDEST, ["at", "pk"]), "new": (NEWEST, ["-at", "-pk"])}, "old")
REPORT_SORT = paging.Sort({"period": ("期间（最新在前）", ["-period", "-pk"]),
                           "new": (NEWEST, ["-submitted_at", "-pk"]), "old": (OLDEST, ["submitted_at", "pk"])},
                          "period")
CHANGE_SORT = _by_time("requested_at")
OPERATION_SORT = paging.Sort({"period": ("期间（最新在前）", ["-period", "-pk"]),
                              "new": (NEWEST, ["-recorded_at", "-pk"]), "old": (OLDEST, ["recorded_at", "pk"])},
                             "period")
EVALUATION_SORT = paging.Sort({"old": (OLDEST, ["submitted_at", "pk"]), "new": (NEWEST, ["-submitted_at", "-pk"])},
                              "old")
EXTENSION_SORT = _by_time("requested_at")


@router.get("/inbox", response={200: InboxPageOut, 400: ErrorOut}, summary="牵头部门待办（分页）")
def inbox(request: HttpRequest, limit: str | None = None, offset: str | None = None) -> Any:
    try:
        size, start = paging.limit_offset(limit, offset)
    except paging.PagingError as exc:
        return paging_error(exc)
    with replica_reads():
        page = paging.page_of(lead_office_inbox_rows(_user(request)), limit=size, offset=start)
        page.items = inbox_items(page.items)
    return paging.envelope(request, page, lambda item: {
        "kind": item["kind"], "project_id": item["project"].pk, "project_name": item["project"].name,
        "state": item["project"].state, "text": item["text"], "since": item["since"]})


@router.get("/portfolio", response=PortfolioOut, summary="项目总览（领导）")
def portfolio(request: HttpRequest) -> dict[str, Any]:
    by_state: dict[str, dict[str, Any]] = {}
    total, count = 0.0, 0
    for state, _, n, amount in portfolio_cells(projects_visible_to(_user(request))):
        total += amount
        count += n
        row = by_state.setdefault(state, {"state": state, "label": ProjectState(state).label,
                                          "count": 0, "total_investment_wan": 0.0})
        row["count"] += n
        row["total_investment_wan"] += amount
    for row in by_state.values():
        row["total_investment_wan"] = round(row["total_investment_wan"], 2)
    order = list(ProjectState.values)
    return {"projects": count, "total_investment_wan": round(total, 2),
            "by_state": sorted(by_state.values(), key=lambda r: order.index(r["state"]))}


def project_list_out(p: Project) -> dict[str, Any]:
    amount = p.investment_wan if p.status_as_of else p.facts.get("total_investment_wan")
    return {"id": p.pk, "name": p.name, "state": p.state, "state_label": ProjectState(p.state).label,
            "pack_id": p.pack_id, "jurisdiction": p.jurisdiction.name, "unit": p.unit.name,
            "project_code": p.project_code,
            "total_investment_wan": float(amount) if amount is not None else None, "next_due": p.next_due,
            "next_due_code": p.next_due_code, "overdue_count": p.overdue_count, "updated_at": p.updated_at}


@router.get("", response={200: ProjectPageOut, 400: ErrorOut}, summary="我可见的项目（分页）")
def project_list(request: HttpRequest, state: str | None = None, q: str | None = None, overdue: bool = False,
                 jurisdiction_id: int | None = None, unit_id: int | None = None, year: str | None = None,
                 pack_id: str | None = None, sort: str | None = None, limit: str | None = None,
                 offset: str | None = None) -> Any:
    """`sort`: new（默认，最新创建）、stage、due、amount、updated、name；`overdue=true` 只列已逾期的项目；
    `state`（阶段）、`jurisdiction_id`、`unit_id`、`year`（计划/资金需求年度）、`pack_id` 筛选。"""
    try:
        plan_year = year_filter(year)
        size, start = paging.limit_offset(limit, offset)
        order = PROJECT_SORT.resolve(sort, strict=True)
        if state and state not in ProjectState.values:
            raise paging.PagingError("state", f"参数 state 不是有效的项目状态：“{state[:30]}”。")
    except paging.PagingError as exc:
        return paging_error(exc)
    with replica_reads():
        qs = filter_projects(projects_visible_to(_user(request)), query=(q or "").strip()[:50], overdue=overdue)
        if state:
            qs = qs.filter(state=state)
        if jurisdiction_id is not None:
            qs = qs.filter(jurisdiction_id=jurisdiction_id)
        if unit_id is not None:
            qs = qs.filter(unit_id=unit_id)
        if plan_year is not None:
            qs = qs.filter(plan_year=plan_year)
        if pack_id:
            qs = qs.filter(pack_id=pack_id[:40])
        page = paging.page_of(qs.order_by(*PROJECT_SORT.order_by(order)).defer(*LIST_DEFERRED), limit=size,
                              offset=start)
        return paging.envelope(request, page, project_list_out)


@router.post("", response={201: ProjectOut, **ERRORS}, summary="新建项目（建设单位）")
@domain_errors
def project_create(request: HttpRequest, payload: ProjectIn) -> Any:
    from django.db import transaction

    with transaction.atomic():  # a bad 申报表 field leaves no half-made project
        project = services.project_create(
            actor=_user(request), name=payload.name, facts=facts_given(payload.facts), pack_id=payload.pack_id,
            project_code=payload.project_code,
            year_amounts=[y.model_dump() for y in payload.year_amounts], source_ip=_ip(request),
            content=payload.content, functions=payload.functions, data_items=payload.data_items,
        )
        if payload.profile:
            project = project_update_profile(project=project, actor=_user(request),
                                             profile=profile_given(payload.profile), source_ip=_ip(request))
    return Status(201, project_out(project))


@router.get("/{int:project_id}", response={200: ProjectOut, 404: ErrorOut}, summary="项目详情")
@domain_errors
def project_detail(request: HttpRequest, project_id: int) -> Any:
    return project_out(_project(request, project_id))


@router.patch("/{int:project_id}", response={200: ProjectOut, **ERRORS}, summary="修改项目信息（草稿或退回时）")
@domain_errors
def project_patch(request: HttpRequest, project_id: int, payload: ProjectPatch) -> Any:
    project = services.project_update_facts(
        project=_project(request, project_id), actor=_user(request), facts=facts_given(payload.facts),
        name=payload.name, project_code=payload.project_code,
        year_amounts=[y.model_dump() for y in payload.year_amounts], source_ip=_ip(request),
        content=payload.content, functions=payload.functions, data_items=payload.data_items,
    )
    if payload.profile:
        project = project_update_profile(project=project, actor=_user(request),
                                         profile=profile_given(payload.profile), source_ip=_ip(request))
    return project_out(project)


@router.delete("/{int:project_id}", response={204: None, **ERRORS}, summary="删除草稿（建设单位）")
@domain_errors
def project_delete(request: HttpRequest, project_id: int) -> Any:
    services.project_delete(project=_project(request, project_id), actor=_user(request), source_ip=_ip(request))
    return Status(204, None)


@router.post("/{int:project_id}/evaluate", response={200: EvaluationOut, 404: ErrorOut}, summary="按政策包评估本项目",
             by_alias=True, exclude_unset=True)
@domain_errors
def project_evaluate(request: HttpRequest, project_id: int) -> Any:
    return project_evaluation(_project(request, project_id))


@router.get("/{int:project_id}/next-steps", response={200: NextStepsOut, 404: ErrorOut}, summary="下一步",
            by_alias=True, exclude_unset=True)
@domain_errors
def next_steps(request: HttpRequest, project_id: int) -> Any:
    return project_next_steps(_project(request, project_id), _user(request))


@router.get("/{int:project_id}/timeline", response={200: page_schema(EventOut, "EventPageOut"), 404: ErrorOut},
            summary="项目时间线（分页）",
            description=sort_description(EVENT_SORT) + " kind：只列某类事件（如 submit）。")
@domain_errors
def project_timeline(request: HttpRequest, project_id: int, kind: str | None = None, sort: str | None = None,
                     limit: str | None = None, offset: str | None = None) -> Any:
    events = timeline(_project(request, project_id))
    if kind:
        events = events.filter(kind=kind[:50])
    return api_page(request, events, limit=limit, offset=offset, sort=EVENT_SORT, sort_key=sort, shape=event_out)


# --- transitions -----------------------------------------------------------------------------


def _transition_endpoint(name: str, summary: str, schema: type[Schema] | None,
                         call: Callable[[Project, User, Any, str | None], Any]) -> None:
    """Register POST /projects/{id}/transitions/{name} with its own payload schema."""

    if schema is None:
        def view(request: HttpRequest, project_id: int) -> Any:
            project = _project(request, project_id)
            call(project, _user(request), None, _ip(request))
            return project_out(project)
    elif all(not f.is_required() for f in schema.model_fields.values()):
        # Every field has a default: a client may send no body at all.
        def view(request: HttpRequest, project_id: int, payload: Any = None) -> Any:
            project = _project(request, project_id)
            call(project, _user(request), payload if payload is not None else schema(), _ip(request))
            return project_out(project)

        view.__annotations__ = {"request": HttpRequest, "project_id": int, "payload": Body[schema | None],
                                "return": Any}
    else:
        def view(request: HttpRequest, project_id: int, payload: Any) -> Any:
            project = _project(request, project_id)
            call(project, _user(request), payload, _ip(request))
            return project_out(project)

        # Annotations are strings under `from __future__ import annotations`; ninja needs the class.
        view.__annotations__ = {"request": HttpRequest, "project_id": int, "payload": schema, "return": Any}

    view.__name__ = f"transition_{name.replace('-', '_')}"
    router.post(f"/{{int:project_id}}/transitions/{name}", response={200: ProjectOut, **ERRORS},
                summary=summary)(domain_errors(view))


def _cite(payload: Any) -> dict[str, Any] | None:
    return payload.citation.model_dump() if getattr(payload, "citation", None) else None


def _review_route(project: Project, actor: User, payload: Any, ip: str | None) -> Any:
    from govit.reviews.services import review_route

    return review_route(project=project, actor=actor, due_days=payload.due_days, source_ip=ip)


_TRANSITIONS: list[tuple[str, str, type[Schema] | None, Callable[[Project, User, Any, str | None], Any]]] = [
    ("submit", "提交申报（建设单位）", None,
     lambda p, u, d, ip: services.project_submit(project=p, actor=u, source_ip=ip)),
    ("withdraw", "撤回尚未受理的申报（建设单位）", NoteIn,
     lambda p, u, d, ip: services.project_withdraw(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("preliminary-review-start", "受理并开始初审（牵头部门）", None,
     lambda p, u, d, ip: services.preliminary_review_start(project=p, actor=u, source_ip=ip)),
    ("preliminary-review-decide", "初审结论：退回 / 不予立项 / 入库（牵头部门）", ReviewDecisionIn,
     lambda p, u, d, ip: services.preliminary_review_decide(project=p, actor=u, decision=d.decision,
                                                            reason=d.reason, citation=_cite(d), source_ip=ip)),
    ("review-route", "组织审查：按政策包派发审查意见任务（牵头部门）", RouteIn, _review_route),
    ("approval-decide", "审批决定：批复 / 退回 / 不予立项（政策包规定的审批部门，如通州区行政审批局、巴中市发改委）",
     ApprovalDecisionIn,
     lambda p, u, d, ip: services.approval_decide(project=p, actor=u, decision=d.decision, reason=d.reason,
                                                  document_no=d.document_no, citation=_cite(d),
                                                  approved_on=d.approved_on, source_ip=ip)),
    ("approval-exempt", "免于审批（牵头部门）", NoteIn,
     lambda p, u, d, ip: services.approval_exempt(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("filing", "备案（牵头部门）", NoteIn,
     lambda p, u, d, ip: services.filing_record(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("procurement-start", "启动采购（建设单位）", DateIn,
     lambda p, u, d, ip: services.procurement_start(project=p, actor=u, started_on=d.on, source_ip=ip)),
    ("construction-start", "开工建设（建设单位；须监理的项目先上传监理合同）", DateIn,
     lambda p, u, d, ip: services.construction_start(project=p, actor=u, started_on=d.on, source_ip=ip)),
    ("completion", "报告建成、进入试运行（建设单位）", CompletionIn,
     lambda p, u, d, ip: services.completion_report(project=p, actor=u, completed_on=d.completed_on,
                                                    trial_started_on=d.trial_started_on, source_ip=ip)),
    ("pre-acceptance-request", "申请预验收（建设单位）", None,
     lambda p, u, d, ip: services.pre_acceptance_request(project=p, actor=u, source_ip=ip)),
    ("pre-acceptance-decide", "预验收结论（牵头部门）", PassFailIn,
     lambda p, u, d, ip: services.pre_acceptance_decide(project=p, actor=u, decision=d.decision,
                                                        reason=d.reason, source_ip=ip)),
    ("acceptance-request", "申请竣工验收（建设单位）", DateIn,
     lambda p, u, d, ip: services.acceptance_request(project=p, actor=u, requested_on=d.on, source_ip=ip)),
    ("acceptance-decide", "竣工验收结论（政策包规定的验收部门）", PassFailIn,
     lambda p, u, d, ip: services.acceptance_decide(project=p, actor=u, decision=d.decision, reason=d.reason,
                                                    accepted_on=d.on, source_ip=ip)),
    ("go-live", "投入运行（建设单位）", DateIn,
     lambda p, u, d, ip: services.go_live_record(project=p, actor=u, go_live_on=d.on, source_ip=ip)),
    ("self-evaluation", "提交自评价（建设单位）", EvaluationIn,
     lambda p, u, d, ip: services.self_evaluation_submit(project=p, actor=u, summary=d.summary,
                                                         goals_met=d.goals_met, score=d.score,
                                                         late_reason=d.late_reason, source_ip=ip)),
    ("post-evaluation", "录入后评价（牵头部门）", EvaluationIn,
     lambda p, u, d, ip: services.post_evaluation_record(project=p, actor=u, summary=d.summary,
                                                         goals_met=d.goals_met, score=d.score, source_ip=ip)),
    ("suspend", "暂停项目（牵头部门，注明理由和条款）", ReasonCitationIn,
     lambda p, u, d, ip: services.project_suspend(project=p, actor=u, reason=d.reason, citation=_cite(d),
                                                  source_ip=ip)),
    ("resume", "恢复项目（牵头部门）", NoteIn,
     lambda p, u, d, ip: services.project_resume(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("terminate", "终止项目（牵头部门，注明理由和条款）", ReasonCitationIn,
     lambda p, u, d, ip: services.project_terminate(project=p, actor=u, reason=d.reason, citation=_cite(d),
                                                    source_ip=ip)),
]
TRANSITION_NAMES = [name for name, *_ in _TRANSITIONS]
for _name, _summary, _schema, _call in _TRANSITIONS:
    _transition_endpoint(_name, _summary, _schema, _call)


# --- materials -------------------------------------------------------------------------------


@router.get("/{int:project_id}/materials", response={200: page_schema(MaterialOut, "MaterialPageOut"), **ERRORS},
            summary="项目材料（分页）", description=sort_description(MATERIAL_SORT) + " doc_code：只列某种材料。")
@domain_errors
def material_list(request: HttpRequest, project_id: int, doc_code: str | None = None, sort: str | None = None,
                  limit: str | None = None, offset: str | None = None) -> Any:
    materials = _project(request, project_id).materials.all()
    if choice_filter(doc_code, MaterialCode.values, "doc_code"):
        materials = materials.filter(doc_code=doc_code)
    return api_page(request, materials, limit=limit, offset=offset, sort=MATERIAL_SORT, sort_key=sort,
                    shape=material_out)


@router.post("/{int:project_id}/materials", response={201: MaterialOut, **ERRORS}, summary="上传材料")
@domain_errors
def material_upload(request: HttpRequest, project_id: int, doc_code: Form[MaterialCode],
                    file: File[UploadedFile]) -> Any:
    project = _project(request, project_id)
    material = services.material_upload(project=project, actor=_user(request), doc_code=doc_code,
                                        filename=file.name or "", data=file.read(), source_ip=_ip(request))
    return Status(201, material_out(material))


@router.get("/{int:project_id}/materials/{int:material_id}/download", response={200: None, 404: ErrorOut},
            summary="下载材料")
@domain_errors
def material_download(request: HttpRequest, project_id: int, material_id: int) -> Any:
    return material_response(_project(request, project_id).materials.get(pk=material_id), request)


@router.get("/{int:project_id}/application-form.docx", response={200: None, 404: ErrorOut},
            summary="导出申报表（DOCX）")
@domain_errors
def application_form(request: HttpRequest, project_id: int) -> Any:
    return application_form_response(_project(request, project_id), request)


# --- reports, changes, O&M, evaluations ------------------------------------------------------


@router.get("/{int:project_id}/reports", response={200: page_schema(ReportOut, "ReportPageOut"), **ERRORS},
            summary="进展与绩效报告（分页）",
            description=sort_description(REPORT_SORT) + " kind：quarterly 或 yearly。")
@domain_errors
def report_list(request: HttpRequest, project_id: int, kind: str | None = None, sort: str | None = None,
                limit: str | None = None, offset: str | None = None) -> Any:
    reports = ProgressReport.objects.filter(project=_project(request, project_id))
    if choice_filter(kind, ["quarterly", "yearly"], "kind"):
        reports = reports.filter(kind=kind)
    return api_page(request, reports, limit=limit, offset=offset, sort=REPORT_SORT, sort_key=sort)


@router.post("/{int:project_id}/reports", response={201: ReportOut, **ERRORS}, summary="报送进展/绩效报告")
@domain_errors
def report_submit(request: HttpRequest, project_id: int, payload: ReportIn) -> Any:
    report = services.progress_report_submit(project=_project(request, project_id), actor=_user(request),
                                             source_ip=_ip(request), **payload.model_dump())
    return Status(201, report)


def change_out(c: ChangeRequest) -> dict[str, Any]:
    return {"id": c.pk, "change": c.change, "description": c.description, "ratio": c.ratio,
            "estimate_wan": c.estimate_wan, "document_no": c.document_no, "route": c.route,
            "citations": c.citations, "status": c.status, "decision_comment": c.decision_comment,
            "requested_at": c.requested_at, "decided_at": c.decided_at}


@router.get("/{int:project_id}/changes", response={200: page_schema(ChangeOut, "ChangePageOut"), **ERRORS},
            summary="调整申请（分页）", description=sort_description(CHANGE_SORT) + " status：只列某状态的申请。")
@domain_errors
def change_list(request: HttpRequest, project_id: int, status: str | None = None, sort: str | None = None,
                limit: str | None = None, offset: str | None = None) -> Any:
    changes = _project(request, project_id).changes.all()
    if choice_filter(status, [v for v, _ in ChangeRequest._meta.get_field("status").choices], "status"):
        changes = changes.filter(status=status)
    return api_page(request, changes, limit=limit, offset=offset, sort=CHANGE_SORT, sort_key=sort, shape=change_out)


@router.post("/{int:project_id}/changes", response={201: ChangeOut, **ERRORS}, summary="提出调整申请")
@domain_errors
def change_create(request: HttpRequest, project_id: int, payload: ChangeIn) -> Any:
    change = services.change_request_create(project=_project(request, project_id), actor=_user(request),
                                            change=facts_given(payload.change), description=payload.description,
                                            source_ip=_ip(request))
    return Status(201, change_out(change))


@router.post("/{int:project_id}/changes/{int:change_id}/decide", response={200: ChangeOut, **ERRORS},
             summary="审核调整申请（牵头部门）")
@domain_errors
def change_decide(request: HttpRequest, project_id: int, change_id: int, payload: ChangeDecisionIn) -> Any:
    change = _project(request, project_id).changes.get(pk=change_id)
    change = services.change_request_decide(change_request=change, actor=_user(request), decision=payload.decision,
                                            comment=payload.comment, source_ip=_ip(request))
    return change_out(change)


@router.get("/{int:project_id}/operations", response={200: page_schema(OperationOut, "OperationPageOut"), **ERRORS},
            summary="运维记录（分页）", description=sort_description(OPERATION_SORT))
@domain_errors
def operation_list(request: HttpRequest, project_id: int, sort: str | None = None, limit: str | None = None,
                   offset: str | None = None) -> Any:
    records = OperationRecord.objects.filter(project=_project(request, project_id))
    return api_page(request, records, limit=limit, offset=offset, sort=OPERATION_SORT, sort_key=sort)


@router.post("/{int:project_id}/operations", response={201: OperationOut, **ERRORS}, summary="记录运维情况")
@domain_errors
def operation_create(request: HttpRequest, project_id: int, payload: OperationIn) -> Any:
    record = services.operation_record_create(project=_project(request, project_id), actor=_user(request),
                                              source_ip=_ip(request), **payload.model_dump())
    return Status(201, record)


@router.get("/{int:project_id}/evaluations",
            response={200: page_schema(EvaluationRecordOut, "EvaluationRecordPageOut"), **ERRORS},
            summary="自评价与后评价（分页）", description=sort_description(EVALUATION_SORT) + " kind：self 或 post。")
@domain_errors
def evaluation_list(request: HttpRequest, project_id: int, kind: str | None = None, sort: str | None = None,
                    limit: str | None = None, offset: str | None = None) -> Any:
    records = Evaluation.objects.filter(project=_project(request, project_id))
    if choice_filter(kind, ["self", "post"], "kind"):
        records = records.filter(kind=kind)
    return api_page(request, records, limit=limit, offset=offset, sort=EVALUATION_SORT, sort_key=sort)



# --- supervision service, acceptance extensions ----------------------------------------------


@router.post("/{int:project_id}/supervision-request", response={200: ProjectOut, **ERRORS},
             summary="申请统一监理服务（建设单位；通州 第二十五条 100万元及以下）")
@domain_errors
def supervision_request(request: HttpRequest, project_id: int, payload: Body[NoteIn | None] = None) -> Any:
    project = _project(request, project_id)
    services.supervision_service_request(project=project, actor=_user(request),
                                         note=payload.reason if payload else "", source_ip=_ip(request))
    return project_out(project)


class ExtensionIn(Schema):
    reason: str = Field(description="不能按期申请验收的原因")
    requested_until: date = Field(description="申请延期至（须晚于原期限）")


class ExtensionOut(Schema):
    id: int
    reason: str
    requested_until: date
    deadline: date
    status: str
    status_label: str
    decision_comment: str
    citations: list[PackCitationOut]
    requested_at: datetime
    decided_at: datetime | None


def extension_out(e: AcceptanceExtension) -> dict[str, Any]:
    return {"id": e.pk, "reason": e.reason, "requested_until": e.requested_until, "deadline": e.deadline,
            "status": e.status, "status_label": e.get_status_display(), "decision_comment": e.decision_comment,
            "citations": e.citations, "requested_at": e.requested_at, "decided_at": e.decided_at}


@router.get("/{int:project_id}/acceptance-extensions",
            response={200: page_schema(ExtensionOut, "ExtensionPageOut"), **ERRORS},
            summary="延期验收申请（分页）", description=sort_description(EXTENSION_SORT))
@domain_errors
def extension_list(request: HttpRequest, project_id: int, sort: str | None = None, limit: str | None = None,
                   offset: str | None = None) -> Any:
    extensions = _project(request, project_id).acceptance_extensions.all()
    return api_page(request, extensions, limit=limit, offset=offset, sort=EXTENSION_SORT, sort_key=sort,
                    shape=extension_out)


@router.post("/{int:project_id}/acceptance-extensions", response={201: ExtensionOut, **ERRORS},
             summary="提出延期验收申请（建设单位；通州 第三十条）")
@domain_errors
def extension_create(request: HttpRequest, project_id: int, payload: ExtensionIn) -> Any:
    extension = services.acceptance_extension_request(
        project=_project(request, project_id), actor=_user(request), reason=payload.reason,
        requested_until=payload.requested_until, source_ip=_ip(request))
    return Status(201, extension_out(extension))


@router.post("/{int:project_id}/acceptance-extensions/{int:extension_id}/decide",
             response={200: ExtensionOut, **ERRORS}, summary="审核延期验收申请（领导小组办公室）")
@domain_errors
def extension_decide(request: HttpRequest, project_id: int, extension_id: int, payload: ChangeDecisionIn) -> Any:
    extension = _project(request, project_id).acceptance_extensions.get(pk=extension_id)
    extension = services.acceptance_extension_decide(extension=extension, actor=_user(request),
                                                     decision=payload.decision, comment=payload.comment,
                                                     source_ip=_ip(request))
    return extension_out(extension)
