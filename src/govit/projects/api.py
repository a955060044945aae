"""Project API at /api/v1/projects: CRUD of facts, every lifecycle transition, materials, timeline,
reports, changes, O&M, evaluations and the 申报表 DOCX. Handlers are thin: they call the services.

Status codes: 404 when the project is outside the caller's scope, 403 when the caller's role may
not act, 409 when the pack or the state refuses (`{"detail", "citations", "missing"}`), 400 on bad input.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from govit.core.models import User
from govit.projects import services
from govit.projects.documents import application_form_response, material_response
from govit.projects.errors import DomainError
from govit.projects.models import (
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
from govit.projects.selectors import (
    lead_office_inbox,
    project_evaluation,
    project_for,
    project_next_steps,
    projects_visible_to,
    timeline,
)
from govit.regulations.api import EvaluationOut

router = Router(tags=["项目"])


# --- errors ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class CitationOut(Schema):
    pack: str | None = None
    article: int
    item: int | None = None
    annex: int | None = None


class RefusalOut(Schema):
    detail: str = Field(description="中文说明，指明依据条款和下一步")
    citations: list[CitationOut] = Field(description="所依据的条款")
    missing: list[str] = Field(description="缺少的事项，例如材料代码")


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: RefusalOut}


def domain_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain refusals into 400/403/409 responses and out-of-scope lookups into 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            body = exc.as_dict() if hasattr(exc, "as_dict") else {"detail": exc.message}
            return JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False})
        except (Project.DoesNotExist, Material.DoesNotExist, ChangeRequest.DoesNotExist):
            return JsonResponse({"detail": "未找到该项目，或您无权查看。"}, status=404,
                                json_dumps_params={"ensure_ascii": False})

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


class ProjectIn(Schema):
    name: str = Field(description="项目名称")
    facts: dict[str, Any] = Field(default={}, description="政策契约的 project 事实（dates 等由系统维护）")
    pack_id: str | None = Field(default=None, description="政策包；默认本行政区域启用的政策包")
    year_amounts: list[YearAmountIn] = []


class ProjectPatch(Schema):
    name: str | None = None
    facts: dict[str, Any] | None = Field(default=None, description="合并到现有事实（按顶层字段覆盖）")
    year_amounts: list[YearAmountIn] = []


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
    facts: dict[str, Any]
    year_amounts: list[YearAmountOut]
    created_at: datetime
    updated_at: datetime


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
        "facts": project.facts,
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
    total_investment_wan: float | None


class EventOut(Schema):
    id: int
    kind: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime
    reason: str
    citations: list[dict[str, Any]]
    pack_id: str
    pack_digest: str
    evaluation: dict[str, Any]
    details: dict[str, Any]


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


class NextStepsOut(Schema):
    state: str
    state_label: str
    verdict: str
    steps: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]


class InboxItemOut(Schema):
    kind: str
    project_id: int
    project_name: str
    state: str
    text: str
    since: datetime


class PortfolioOut(Schema):
    projects: int
    total_investment_wan: float
    by_state: list[dict[str, Any]]


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
    change: dict[str, Any] = Field(description="政策契约的 change 事实：increase_wan、decrease_wan、basis …")
    description: str


class ChangeOut(Schema):
    id: int
    change: dict[str, Any]
    description: str
    ratio: float | None
    route: str
    citations: list[dict[str, Any]]
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


@router.get("/inbox", response=list[InboxItemOut], summary="牵头部门待办")
def inbox(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"kind": item["kind"], "project_id": item["project"].pk, "project_name": item["project"].name,
         "state": item["project"].state, "text": item["text"], "since": item["since"]}
        for item in lead_office_inbox(_user(request))
    ]


@router.get("/portfolio", response=PortfolioOut, summary="项目总览（领导）")
def portfolio(request: HttpRequest) -> dict[str, Any]:
    visible = list(projects_visible_to(_user(request)).values("state", "facts"))
    by_state: dict[str, dict[str, Any]] = {}
    total = 0.0
    for p in visible:
        amount = float(p["facts"].get("total_investment_wan") or 0)
        total += amount
        row = by_state.setdefault(p["state"], {"state": p["state"], "label": ProjectState(p["state"]).label,
                                               "count": 0, "total_investment_wan": 0.0})
        row["count"] += 1
        row["total_investment_wan"] += amount
    order = list(ProjectState.values)
    return {"projects": len(visible), "total_investment_wan": round(total, 2),
            "by_state": sorted(by_state.values(), key=lambda r: order.index(r["state"]))}


@router.get("", response=list[ProjectListOut], summary="我可见的项目")
def project_list(request: HttpRequest, state: str | None = None) -> list[dict[str, Any]]:
    qs = projects_visible_to(_user(request))
    if state:
        qs = qs.filter(state=state)
    return [
        {"id": p.pk, "name": p.name, "state": p.state, "state_label": ProjectState(p.state).label,
         "pack_id": p.pack_id, "jurisdiction": p.jurisdiction.name, "unit": p.unit.name,
         "total_investment_wan": p.facts.get("total_investment_wan")}
        for p in qs
    ]


@router.post("", response={201: ProjectOut, **ERRORS}, summary="新建项目（建设单位）")
@domain_errors
def project_create(request: HttpRequest, payload: ProjectIn) -> Any:
    project = services.project_create(
        actor=_user(request), name=payload.name, facts=payload.facts, pack_id=payload.pack_id,
        year_amounts=[y.model_dump() for y in payload.year_amounts], source_ip=_ip(request),
    )
    return Status(201, project_out(project))


@router.get("/{int:project_id}", response={200: ProjectOut, 404: ErrorOut}, summary="项目详情")
@domain_errors
def project_detail(request: HttpRequest, project_id: int) -> Any:
    return project_out(_project(request, project_id))


@router.patch("/{int:project_id}", response={200: ProjectOut, **ERRORS}, summary="修改项目信息（草稿或退回时）")
@domain_errors
def project_patch(request: HttpRequest, project_id: int, payload: ProjectPatch) -> Any:
    project = services.project_update_facts(
        project=_project(request, project_id), actor=_user(request), facts=payload.facts, name=payload.name,
        year_amounts=[y.model_dump() for y in payload.year_amounts], source_ip=_ip(request),
    )
    return project_out(project)


@router.post("/{int:project_id}/evaluate", response={200: EvaluationOut, 404: ErrorOut}, summary="按政策包评估本项目")
@domain_errors
def project_evaluate(request: HttpRequest, project_id: int) -> Any:
    return project_evaluation(_project(request, project_id))


@router.get("/{int:project_id}/next-steps", response={200: NextStepsOut, 404: ErrorOut}, summary="下一步")
@domain_errors
def next_steps(request: HttpRequest, project_id: int) -> Any:
    return project_next_steps(_project(request, project_id), _user(request))


@router.get("/{int:project_id}/timeline", response={200: list[EventOut], 404: ErrorOut}, summary="项目时间线")
@domain_errors
def project_timeline(request: HttpRequest, project_id: int) -> Any:
    return [event_out(e) for e in timeline(_project(request, project_id))]


# --- transitions -----------------------------------------------------------------------------


def _transition_endpoint(name: str, summary: str, schema: type[Schema] | None,
                         call: Callable[[Project, User, Any, str | None], Any]) -> None:
    """Register POST /projects/{id}/transitions/{name} with its own payload schema."""

    if schema is None:
        def view(request: HttpRequest, project_id: int) -> Any:
            project = _project(request, project_id)
            call(project, _user(request), None, _ip(request))
            return project_out(project)
    else:
        def view(request: HttpRequest, project_id: int, payload: Any) -> Any:
            project = _project(request, project_id)
            call(project, _user(request), payload, _ip(request))
            return project_out(project)

        # Annotations are strings under `from __future__ import annotations`; ninja needs the class.
        view.__annotations__ = {"request": HttpRequest, "project_id": int, "payload": schema, "return": Any}

    view.__name__ = f"transition_{name.replace('-', '_')}"
    router.post(f"/{{int:project_id}}/transitions/{name}", response={200: ProjectOut, **ERRORS},
                summary=summary, operation_id=f"project_transition_{name.replace('-', '_')}")(domain_errors(view))


def _cite(payload: Any) -> dict[str, Any] | None:
    return payload.citation.model_dump() if getattr(payload, "citation", None) else None


def _review_route(project: Project, actor: User, payload: Any, ip: str | None) -> Any:
    from govit.reviews.services import review_route

    return review_route(project=project, actor=actor, due_days=payload.due_days, source_ip=ip)


_TRANSITIONS: list[tuple[str, str, type[Schema] | None, Callable[[Project, User, Any, str | None], Any]]] = [
    ("submit", "提交申报（建设单位）", None,
     lambda p, u, d, ip: services.project_submit(project=p, actor=u, source_ip=ip)),
    ("preliminary-review-start", "受理并开始初审（牵头部门）", None,
     lambda p, u, d, ip: services.preliminary_review_start(project=p, actor=u, source_ip=ip)),
    ("preliminary-review-decide", "初审结论：退回 / 不予立项 / 入库（牵头部门）", ReviewDecisionIn,
     lambda p, u, d, ip: services.preliminary_review_decide(project=p, actor=u, decision=d.decision,
                                                            reason=d.reason, citation=_cite(d), source_ip=ip)),
    ("review-route", "组织审查：按政策包派发审查意见任务（牵头部门）", RouteIn, _review_route),
    ("approval-decide", "审批决定：批复 / 退回 / 不予立项（牵头部门）", ApprovalDecisionIn,
     lambda p, u, d, ip: services.approval_decide(project=p, actor=u, decision=d.decision, reason=d.reason,
                                                  document_no=d.document_no, citation=_cite(d),
                                                  approved_on=d.approved_on, source_ip=ip)),
    ("approval-exempt", "免于审批（牵头部门）", NoteIn,
     lambda p, u, d, ip: services.approval_exempt(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("filing", "备案（牵头部门）", NoteIn,
     lambda p, u, d, ip: services.filing_record(project=p, actor=u, reason=d.reason, source_ip=ip)),
    ("procurement-start", "启动采购（建设单位）", DateIn,
     lambda p, u, d, ip: services.procurement_start(project=p, actor=u, started_on=d.on, source_ip=ip)),
    ("construction-start", "开工建设（建设单位）", None,
     lambda p, u, d, ip: services.construction_start(project=p, actor=u, source_ip=ip)),
    ("completion", "报告建成、进入试运行（建设单位）", CompletionIn,
     lambda p, u, d, ip: services.completion_report(project=p, actor=u, completed_on=d.completed_on,
                                                    trial_started_on=d.trial_started_on, source_ip=ip)),
    ("pre-acceptance-request", "申请预验收（建设单位）", None,
     lambda p, u, d, ip: services.pre_acceptance_request(project=p, actor=u, source_ip=ip)),
    ("pre-acceptance-decide", "预验收结论（牵头部门）", PassFailIn,
     lambda p, u, d, ip: services.pre_acceptance_decide(project=p, actor=u, decision=d.decision,
                                                        reason=d.reason, source_ip=ip)),
    ("acceptance-request", "申请竣工验收（建设单位）", None,
     lambda p, u, d, ip: services.acceptance_request(project=p, actor=u, source_ip=ip)),
    ("acceptance-decide", "竣工验收结论（牵头部门）", PassFailIn,
     lambda p, u, d, ip: services.acceptance_decide(project=p, actor=u, decision=d.decision, reason=d.reason,
                                                    accepted_on=d.on, source_ip=ip)),
    ("go-live", "投入运行（建设单位）", DateIn,
     lambda p, u, d, ip: services.go_live_record(project=p, actor=u, go_live_on=d.on, source_ip=ip)),
    ("self-evaluation", "提交自评价（建设单位）", EvaluationIn,
     lambda p, u, d, ip: services.self_evaluation_submit(project=p, actor=u, summary=d.summary,
                                                         goals_met=d.goals_met, score=d.score, source_ip=ip)),
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


@router.get("/{int:project_id}/materials", response={200: list[MaterialOut], 404: ErrorOut}, summary="项目材料")
@domain_errors
def material_list(request: HttpRequest, project_id: int) -> Any:
    return [material_out(m) for m in _project(request, project_id).materials.all()]


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
    return material_response(_project(request, project_id).materials.get(pk=material_id))


@router.get("/{int:project_id}/application-form.docx", response={200: None, 404: ErrorOut},
            summary="导出申报表（DOCX）")
@domain_errors
def application_form(request: HttpRequest, project_id: int) -> Any:
    return application_form_response(_project(request, project_id))


# --- reports, changes, O&M, evaluations ------------------------------------------------------


@router.get("/{int:project_id}/reports", response={200: list[ReportOut], 404: ErrorOut}, summary="进展与绩效报告")
@domain_errors
def report_list(request: HttpRequest, project_id: int) -> Any:
    return list(ProgressReport.objects.filter(project=_project(request, project_id)))


@router.post("/{int:project_id}/reports", response={201: ReportOut, **ERRORS}, summary="报送进展/绩效报告")
@domain_errors
def report_submit(request: HttpRequest, project_id: int, payload: ReportIn) -> Any:
    report = services.progress_report_submit(project=_project(request, project_id), actor=_user(request),
                                             source_ip=_ip(request), **payload.model_dump())
    return Status(201, report)


def change_out(c: ChangeRequest) -> dict[str, Any]:
    return {"id": c.pk, "change": c.change, "description": c.description, "ratio": c.ratio, "route": c.route,
            "citations": c.citations, "status": c.status, "decision_comment": c.decision_comment,
            "requested_at": c.requested_at, "decided_at": c.decided_at}


@router.get("/{int:project_id}/changes", response={200: list[ChangeOut], 404: ErrorOut}, summary="调整申请")
@domain_errors
def change_list(request: HttpRequest, project_id: int) -> Any:
    return [change_out(c) for c in _project(request, project_id).changes.all()]


@router.post("/{int:project_id}/changes", response={201: ChangeOut, **ERRORS}, summary="提出调整申请")
@domain_errors
def change_create(request: HttpRequest, project_id: int, payload: ChangeIn) -> Any:
    change = services.change_request_create(project=_project(request, project_id), actor=_user(request),
                                            change=payload.change, description=payload.description,
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


@router.get("/{int:project_id}/operations", response={200: list[OperationOut], 404: ErrorOut}, summary="运维记录")
@domain_errors
def operation_list(request: HttpRequest, project_id: int) -> Any:
    return list(OperationRecord.objects.filter(project=_project(request, project_id)))


@router.post("/{int:project_id}/operations", response={201: OperationOut, **ERRORS}, summary="记录运维情况")
@domain_errors
def operation_create(request: HttpRequest, project_id: int, payload: OperationIn) -> Any:
    record = services.operation_record_create(project=_project(request, project_id), actor=_user(request),
                                              source_ip=_ip(request), **payload.model_dump())
    return Status(201, record)


@router.get("/{int:project_id}/evaluations", response={200: list[EvaluationRecordOut], 404: ErrorOut},
            summary="自评价与后评价")
@domain_errors
def evaluation_list(request: HttpRequest, project_id: int) -> Any:
    return list(Evaluation.objects.filter(project=_project(request, project_id)))

