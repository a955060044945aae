"""Opinion-task API at /api/v1/opinion-tasks: a member unit's tasks, and signing an opinion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from govit.core import paging
from govit.core.api_paging import api_page, choice_filter, page_schema, sort_description
from govit.core.schemas import Schema
from govit.projects.api import ERRORS, ErrorOut, _ip, _user, domain_errors
from govit.projects.errors import NotFound
from govit.reviews.models import OpinionTask, TaskStatus
from govit.reviews.selectors import opinion_tasks_for
from govit.reviews.services import opinion_submit

router = Router(tags=["opinion_tasks"])


class TaskOut(Schema):
    id: int
    project_id: int
    project_name: str
    round: int
    body: str
    body_label: str
    unit: str | None
    aspect: str
    due_date: date
    status: str
    opinion: str
    comments: str
    signed_at: datetime | None


def task_out(t: OpinionTask) -> dict[str, Any]:
    return {"id": t.pk, "project_id": t.project_id, "project_name": t.project.name, "round": t.round,
            "body": t.body, "body_label": t.get_body_display(), "unit": t.unit.name if t.unit else None,
            "aspect": t.aspect, "due_date": t.due_date, "status": t.status, "opinion": t.opinion,
            "comments": t.comments, "signed_at": t.signed_at}


class OpinionIn(Schema):
    opinion: Literal["agree", "conditional", "disagree"]
    comments: str = ""


class TaskNotFound(NotFound):
    pass


TASK_SORT = paging.Sort({"due": ("办理期限（最近在前）", ["due_date", "pk"]),
                         "new": ("最新派发", ["-pk"]),
                         "project": ("项目", ["project__name", "project_id", "pk"])}, "due")


@router.get("", response={200: page_schema(TaskOut, "TaskPageOut"), 400: ErrorOut}, summary="我的审查意见任务（分页）",
            description=sort_description(TASK_SORT) + " status、project_id、jurisdiction_id 筛选；"
                        "overdue=true 只列已过期限仍未出具的任务。")
def task_list(request: HttpRequest, status: str | None = None, project_id: int | None = None,
              jurisdiction_id: int | None = None, overdue: bool = False, sort: str | None = None,
              limit: str | None = None, offset: str | None = None) -> Any:
    qs = opinion_tasks_for(_user(request))
    if choice_filter(status, TaskStatus.values, "status"):
        qs = qs.filter(status=status)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if jurisdiction_id is not None:
        qs = qs.filter(project__jurisdiction_id=jurisdiction_id)
    if overdue:
        qs = qs.filter(status=TaskStatus.OPEN, due_date__lt=timezone.localdate())
    return api_page(request, qs, limit=limit, offset=offset, sort=TASK_SORT, sort_key=sort, shape=task_out)


@router.post("/{int:task_id}/opinion", response={200: TaskOut, **ERRORS, 404: ErrorOut}, summary="出具审查意见")
@domain_errors
def task_opinion(request: HttpRequest, task_id: int, payload: OpinionIn) -> Any:
    task = opinion_tasks_for(_user(request)).filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound("未找到该审查任务，或它不属于您的单位。")
    task = opinion_submit(task=task, actor=_user(request), opinion=payload.opinion, comments=payload.comments,
                          source_ip=_ip(request))
    return task_out(task)
