"""Opinion-task API at /api/v1/opinion-tasks: a member unit's tasks, and signing an opinion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from govit.projects.api import ERRORS, ErrorOut, _ip, _user, domain_errors
from govit.projects.errors import DomainError
from govit.reviews.models import OpinionTask
from govit.reviews.selectors import opinion_tasks_for
from govit.reviews.services import opinion_submit

router = Router(tags=["审查意见"])


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


class TaskNotFound(DomainError):
    status = 404


@router.get("", response=list[TaskOut], summary="我的审查意见任务")
def task_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    qs = opinion_tasks_for(_user(request))
    if status:
        qs = qs.filter(status=status)
    return [task_out(t) for t in qs]


@router.post("/{int:task_id}/opinion", response={200: TaskOut, **ERRORS, 404: ErrorOut}, summary="出具审查意见")
@domain_errors
def task_opinion(request: HttpRequest, task_id: int, payload: OpinionIn) -> Any:
    task = opinion_tasks_for(_user(request)).filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound("未找到该审查任务，或它不属于您的单位。")
    task = opinion_submit(task=task, actor=_user(request), opinion=payload.opinion, comments=payload.comments,
                          source_ip=_ip(request))
    return task_out(task)
