"""Notification API at /api/v1/notifications: my notifications, mark one read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router

from govit.core.api_paging import api_page, by_time, page_schema, sort_description
from govit.core.schemas import Schema
from govit.notifications.models import Notification
from govit.notifications.services import notification_mark_read
from govit.projects.api import ErrorOut, _user
from govit.projects.errors import NotFound

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    project_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


NOTIFICATION_SORT = by_time("created_at")


@router.get("", response={200: page_schema(NotificationOut, "NotificationPageOut"), 400: ErrorOut},
            summary="我的通知（分页）",
            description=sort_description(NOTIFICATION_SORT) + " unread=true 只列未读；project_id 筛选。")
def notification_list(request: HttpRequest, unread: bool = False, project_id: int | None = None,
                      sort: str | None = None, limit: str | None = None, offset: str | None = None) -> Any:
    qs = Notification.objects.filter(user=_user(request))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return api_page(request, qs, limit=limit, offset=offset, sort=NOTIFICATION_SORT, sort_key=sort)


@router.post("/{int:notification_id}/read", response={200: NotificationOut, 404: ErrorOut}, summary="标记已读")
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    row = Notification.objects.filter(user=_user(request), pk=notification_id).first()
    if row is None:
        raise NotFound("未找到该通知。")
    return notification_mark_read(notification=row, user=_user(request))
