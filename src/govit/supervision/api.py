"""Supervision API at /api/v1/supervision: obligations, my reminders, rectification orders, unit
sanctions, health ratings and the dashboard figures. Handlers are thin: they call the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from govit.core.selectors import units_visible_to
from govit.projects.api import ERRORS, ErrorOut, _ip, _project, _user, domain_errors
from govit.supervision import services
from govit.supervision.models import Obligation, RectificationOrder
from govit.supervision.selectors import (
    can_supervise,
    dashboard_data,
    latest_ratings,
    obligations_visible_to,
    rectifications_visible_to,
    reminders_of,
    sanctions_visible_to,
    supervised_projects,
)

router = Router(tags=["监督管理"])


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
    citation: dict[str, Any]
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
    citation: dict[str, Any]
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
    citation: dict[str, Any]
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


@router.get("/projects/{int:project_id}/obligations", response={200: list[ObligationOut], **ERRORS},
            summary="项目的义务（时限）")
@domain_errors
def obligation_list(request: HttpRequest, project_id: int) -> Any:
    return list(Obligation.objects.filter(project=_project(request, project_id)))


@router.get("/obligations", response=list[ObligationOut], summary="可见项目的义务，可按状态筛选")
def obligations_all(request: HttpRequest, status: str | None = None) -> Any:
    qs = obligations_visible_to(_user(request))
    return list(qs.filter(status=status) if status else qs[:1000])


@router.get("/reminders", response=list[ReminderOut], summary="我的督办提醒")
def reminder_list(request: HttpRequest) -> Any:
    return list(reminders_of(_user(request))[:200])


@router.get("/rectifications", response=list[RectificationOut], summary="整改通知")
def rectification_list(request: HttpRequest) -> Any:
    return list(rectifications_visible_to(_user(request)).prefetch_related("history"))


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
        return Status(404, {"detail": "未找到该整改通知。"})
    services.rectification_evidence_add(order=order, actor=_user(request), filename=file.name or "",
                                        data=file.read(), note=note, source_ip=_ip(request))
    return Status(201, order)


@router.post("/rectifications/{int:order_id}/close", response={200: RectificationOut, **ERRORS},
             summary="整改销号")
@domain_errors
def rectification_close(request: HttpRequest, order_id: int, payload: NoteIn) -> Any:
    order = _order(request, order_id)
    if order is None:
        return Status(404, {"detail": "未找到该整改通知。"})
    return services.rectification_close(order=order, actor=_user(request), note=payload.note,
                                        source_ip=_ip(request))


@router.get("/sanctions", response=list[SanctionOut], summary="单位限制（本单位或本辖区）")
def sanction_list(request: HttpRequest, active: bool = True) -> Any:
    qs = sanctions_visible_to(_user(request))
    return list(qs.filter(lifted_at__isnull=True) if active else qs)


@router.post("/sanctions", response={201: SanctionOut, **ERRORS}, summary="登记单位限制")
@domain_errors
def sanction_create(request: HttpRequest, payload: SanctionIn) -> Any:
    unit = units_visible_to(_user(request)).filter(pk=payload.unit_id).first()
    if unit is None:
        return Status(404, {"detail": "未找到该单位。"})
    sanction = services.sanction_record(unit=unit, kind=payload.kind, actor=_user(request), reason=payload.reason,
                                        lifting_condition=payload.lifting_condition, source_ip=_ip(request))
    return Status(201, sanction)


@router.post("/sanctions/{int:sanction_id}/lift", response={200: SanctionOut, **ERRORS}, summary="解除单位限制")
@domain_errors
def sanction_lift(request: HttpRequest, sanction_id: int, payload: NoteIn) -> Any:
    sanction = sanctions_visible_to(_user(request)).filter(pk=sanction_id).first()
    if sanction is None:
        return Status(404, {"detail": "未找到该单位限制。"})
    return services.sanction_lift(sanction=sanction, actor=_user(request), note=payload.note,
                                  source_ip=_ip(request))


@router.get("/ratings", response=list[RatingOut], summary="项目健康评级（最新）")
def rating_list(request: HttpRequest) -> Any:
    from govit.projects.selectors import projects_visible_to

    return list(latest_ratings(projects_visible_to(_user(request))).values())


@router.get("/dashboard", response={200: dict[str, Any], 403: ErrorOut}, summary="监督管理看板数据")
def dashboard(request: HttpRequest, jurisdiction: int | None = None) -> Any:
    user = _user(request)
    if not can_supervise(user):
        return Status(403, {"detail": "只有领导小组办公室和领导可以查看监督管理看板。"})
    projects = supervised_projects(user)
    if jurisdiction is not None:
        projects = projects.filter(jurisdiction_id=jurisdiction)
    return dashboard_data(projects)
