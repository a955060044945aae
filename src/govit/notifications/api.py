"""Notification API at /api/v1/notifications: my notifications, mark one read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from govit.notifications.models import Notification
from govit.notifications.services import notification_mark_read
from govit.projects.api import ErrorOut, _user

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    project_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


@router.get("", response=list[NotificationOut], summary="我的通知")
def notification_list(request: HttpRequest, unread: bool = False) -> Any:
    qs = Notification.objects.filter(user=_user(request))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return list(qs[:200])


@router.post("/{int:notification_id}/read", response={200: NotificationOut, 404: ErrorOut}, summary="标记已读")
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    row = Notification.objects.filter(user=_user(request), pk=notification_id).first()
    if row is None:
        return Status(404, {"detail": "未找到该通知。"})
    return notification_mark_read(notification=row, user=_user(request))
