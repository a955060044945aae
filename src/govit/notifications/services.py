"""Notification writes. Services call `notify` inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from govit.core.models import User
from govit.notifications.models import Notification


def notify(*, users: Iterable[User], project: object | None, text: str) -> list[Notification]:
    """Queue one notification per distinct user (the supervision work adds email/webhook digests)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, project=project, text=text[:500]))
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    if notification.user_id == user.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
