"""Supervision API at /api/v1/supervision: obligations, my reminders, rectification orders, unit
sanctions, health ratings and the dashboard figures. Handlers are thin: they call the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from govit.core import paging
from govit.core.api_paging import api_page, by_time, choice_filter, page_schema, sort_description
from govit.core.schemas import Schema
from govit.core.selectors import units_visible_to
from govit.projects.api import ERRORS, ErrorOut, _ip, _project, _user, domain_errors, paging_error
from govit.projects.errors import NotFound, PermissionDenied
from govit.projects.selectors import projects_visible_to
from govit.regulations.api import CitationOut
from govit.supervision import services
from govit.supervision.models import (
    Obligation,
    ObligationStatus,
    RectificationOrder,
    RectificationStatus,
    ReminderKind,
    SanctionKind,
)
from govit.supervision.selectors import (
    can_supervise,
    dashboard_for,
    latest_ratings,
    obligations_visible_to,
    rectifications_visible_to,
    reminders_of,
    sanctions_visible_to,
)

router = Router(tags=["supervision"])


class ArticleRefOut(CitationOut):
    """The article an obligation, order or restriction rests on (empty for none)."""

    article: int | None = None  # type: ignore[assignment]


class ObligationOut(Schema):
    id: int
    project_id: int
    code: str
    period: str
    label: str
    due: date | None
    window_from: date | None
    window_until: date | None
    status: str
    citation: ArticleRefOut
    met_at: datetime | None
    met_by_event_id: int | None


class ReminderOut(Schema):
    id: int
    kind: str
    created_at: datetime
    obligation: ObligationOut


class StepOut(Schema):
    step: str
    label: str
    at: datetime
    as_of: date
    note: str


class RectificationOut(Schema):
    id: int
    project_id: int
    issuer_unit_id: int
    issued_on: date
    citation: ArticleRefOut
    problem: str
    deadline: date
    status: str
    level: int
    steps: list[dict[str, Any]]
    history: list[StepOut]
    closed_at: datetime | None
    closing_note: str

    @staticmethod
    def resolve_history(obj: RectificationOrder) -> list[Any]:
        return list(obj.history.all())


class RectificationIn(Schema):
    project_id: int
    article: int
    item: int | None = None
    problem: str
    deadline: date


class NoteIn(Schema):
    note: str


class SanctionOut(Schema):
    id: int
    unit_id: int
    kind: str
    source: str
    citation: ArticleRefOut
    citation_text: str
    consequence: str
    lifting_condition: str
    reason: str
    created_at: datetime
    lifted_at: datetime | None


class SanctionIn(Schema):
    unit_id: int
    kind: str
    reason: str
    lifting_condition: str = ""


class RatingOut(Schema):
    project_id: int
    as_of: date
    score: int
    signals: list[dict[str, Any]]


OBLIGATION_SORT = paging.Sort({"due": ("截止日期（最近在前）", ["due", "window_until", "pk"]),
                               "code": ("时限代码", ["code", "period", "pk"])}, "due")
REMINDER_SORT = by_time("created_at")
RECTIFICATION_SORT = paging.Sort({"new": ("最新在前", ["-created_at", "-pk"]),
                                  "deadline": ("整改期限（最近在前）", ["deadline", "pk"])}, "new")
SANCTION_SORT = by_time("created_at")


@router.get("/projects/{int:project_id}/obligations",
            response={200: page_schema(ObligationOut, "ProjectObligationPageOut"), **ERRORS},
            summary="项目的义务（时限，分页）", description=sort_description(OBLIGATION_SORT) + " status 筛选。")
@domain_errors
def obligation_list(request: HttpRequest, project_id: int, status: str | None = None, sort: str | None = None,
                    limit: str | None = None, offset: str | None = None) -> Any:
    rows = Obligation.objects.filter(project=_project(request, project_id))
    if choice_filter(status, ObligationStatus.values, "status"):
        rows = rows.filter(status=status)
    return api_page(request, rows, limit=limit, offset=offset, sort=OBLIGATION_SORT, sort_key=sort)


class ObligationPageOut(Schema):
    count: int
    next: str | None
    items: list[ObligationOut]


class RatingPageOut(Schema):
    count: int
    next: str | None
    items: list[RatingOut]


@router.get("/obligations", response={200: ObligationPageOut, 400: ErrorOut},
            summary="可见项目的义务（分页），可按状态筛选")
def obligations_all(request: HttpRequest, status: str | None = None, limit: str | None = None,
                    offset: str | None = None) -> Any:
    try:
        size, start = paging.limit_offset(limit, offset)
    except paging.PagingError as exc:
        return paging_error(exc)
    qs = obligations_visible_to(_user(request)).order_by("due", "window_until", "pk")
    if status:
        qs = qs.filter(status=status)
    return paging.envelope(request, paging.page_of(qs, limit=size, offset=start))


@router.get("/reminders", response={200: page_schema(ReminderOut, "ReminderPageOut"), 400: ErrorOut},
            summary="我的督办提醒（分页）", description=sort_description(REMINDER_SORT) + " kind、project_id 筛选。")
def reminder_list(request: HttpRequest, kind: str | None = None, project_id: int | None = None,
                  sort: str | None = None, limit: str | None = None, offset: str | None = None) -> Any:
    rows = reminders_of(_user(request))
    if choice_filter(kind, ReminderKind.values, "kind"):
        rows = rows.filter(kind=kind)
    if project_id is not None:
        rows = rows.filter(obligation__project_id=project_id)
    return api_page(request, rows, limit=limit, offset=offset, sort=REMINDER_SORT, sort_key=sort)


@router.get("/rectifications", response={200: page_schema(RectificationOut, "RectificationPageOut"), 400: ErrorOut},
            summary="整改通知（分页）",
            description=sort_description(RECTIFICATION_SORT) + " status、project_id、jurisdiction_id 筛选；"
                        "overdue=true 只列已过整改期限仍未销号的通知。")
def rectification_list(request: HttpRequest, status: str | None = None, project_id: int | None = None,
                       jurisdiction_id: int | None = None, overdue: bool = False, sort: str | None = None,
                       limit: str | None = None, offset: str | None = None) -> Any:
    rows = rectifications_visible_to(_user(request)).prefetch_related("history")
    if choice_filter(status, RectificationStatus.values, "status"):
        rows = rows.filter(status=status)
    if project_id is not None:
        rows = rows.filter(project_id=project_id)
    if jurisdiction_id is not None:
        rows = rows.filter(project__jurisdiction_id=jurisdiction_id)
    if overdue:
        rows = rows.filter(closed_at__isnull=True, deadline__lt=timezone.localdate())
    return api_page(request, rows, limit=limit, offset=offset, sort=RECTIFICATION_SORT, sort_key=sort)


@router.post("/rectifications", response={201: RectificationOut, **ERRORS}, summary="下达整改通知")
@domain_errors
def rectification_create(request: HttpRequest, payload: RectificationIn) -> Any:
    project = _project(request, payload.project_id)
    order = services.rectification_issue(project=project, actor=_user(request),
                                         citation={"article": payload.article, "item": payload.item},
                                         problem=payload.problem, deadline=payload.deadline, source_ip=_ip(request))
    return Status(201, order)


def _order(request: HttpRequest, order_id: int) -> RectificationOrder | None:
    return rectifications_visible_to(_user(request)).filter(pk=order_id).first()


@router.post("/rectifications/{int:order_id}/evidence", response={201: RectificationOut, **ERRORS},
             summary="上传整改佐证材料")
@domain_errors
def rectification_evidence(request: HttpRequest, order_id: int, file: File[UploadedFile],
                           note: Form[str] = "") -> Any:
    order = _order(request, order_id)
    if order is None:
        raise NotFound("未找到该整改通知。")
    services.rectification_evidence_add(order=order, actor=_user(request), filename=file.name or "",
                                        data=file.read(), note=note, source_ip=_ip(request))
    return Status(201, order)


@router.post("/rectifications/{int:order_id}/close", response={200: RectificationOut, **ERRORS},
             summary="整改销号")
@domain_errors
def rectification_close(request: HttpRequest, order_id: int, payload: NoteIn) -> Any:
    order = _order(request, order_id)
    if order is None:
        raise NotFound("未找到该整改通知。")
    return services.rectification_close(order=order, actor=_user(request), note=payload.note,
                                        source_ip=_ip(request))


@router.get("/sanctions", response={200: page_schema(SanctionOut, "SanctionPageOut"), 400: ErrorOut},
            summary="单位限制（本单位或本辖区，分页）",
            description=sort_description(SANCTION_SORT) + \
                        " active=false 连同已解除的；unit_id、jurisdiction_id、kind 筛选。")
def sanction_list(request: HttpRequest, active: bool = True, unit_id: int | None = None,
                  jurisdiction_id: int | None = None, kind: str | None = None, sort: str | None = None,
                  limit: str | None = None, offset: str | None = None) -> Any:
    qs = sanctions_visible_to(_user(request))
    if active:
        qs = qs.filter(lifted_at__isnull=True)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if jurisdiction_id is not None:
        qs = qs.filter(unit__jurisdiction_id=jurisdiction_id)
    if choice_filter(kind, SanctionKind.values, "kind"):
        qs = qs.filter(kind=kind)
    return api_page(request, qs, limit=limit, offset=offset, sort=SANCTION_SORT, sort_key=sort)


@router.post("/sanctions", response={201: SanctionOut, **ERRORS}, summary="登记单位限制")
@domain_errors
def sanction_create(request: HttpRequest, payload: SanctionIn) -> Any:
    unit = units_visible_to(_user(request)).filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFound("未找到该单位。")
    sanction = services.sanction_record(unit=unit, kind=payload.kind, actor=_user(request), reason=payload.reason,
                                        lifting_condition=payload.lifting_condition, source_ip=_ip(request))
    return Status(201, sanction)


@router.post("/sanctions/{int:sanction_id}/lift", response={200: SanctionOut, **ERRORS}, summary="解除单位限制")
@domain_errors
def sanction_lift(request: HttpRequest, sanction_id: int, payload: NoteIn) -> Any:
    sanction = sanctions_visible_to(_user(request)).filter(pk=sanction_id).first()
    if sanction is None:
        raise NotFound("未找到该单位限制。")
    return services.sanction_lift(sanction=sanction, actor=_user(request), note=payload.note,
                                  source_ip=_ip(request))


@router.get("/ratings", response={200: RatingPageOut, 400: ErrorOut}, summary="项目健康评级（最新，分页）")
def rating_list(request: HttpRequest, limit: str | None = None, offset: str | None = None) -> Any:
    try:
        size, start = paging.limit_offset(limit, offset)
    except paging.PagingError as exc:
        return paging_error(exc)
    rated = projects_visible_to(_user(request)).filter(health_score__isnull=False).order_by("health_score", "pk")
    page = paging.page_of(rated.values_list("pk", flat=True), limit=size, offset=start)
    latest = latest_ratings(list(page.items))
    page.items = [latest[pk] for pk in page.items if pk in latest]
    return paging.envelope(request, page)


@router.get("/dashboard", response={200: dict[str, Any], 403: ErrorOut}, summary="监督管理看板数据")
def dashboard(request: HttpRequest, jurisdiction: int | None = None) -> Any:
    user = _user(request)
    if not can_supervise(user):
        raise PermissionDenied("只有领导小组办公室和领导可以查看监督管理看板。")
    return dashboard_for(user, jurisdiction)
