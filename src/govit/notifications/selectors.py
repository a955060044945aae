"""Notification and notice reads: a user's unread count, their notifications, the notices they see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from govit.core.models import Role
from govit.core.selectors import AnyUser, jurisdiction_ids_where, user_jurisdiction_ids
from govit.notifications.models import Notice, NoticeStatus, Notification


def notifications_of(user: AnyUser | None) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).select_related("project", "notice")


def unread_count(user: AnyUser | None) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


def lead_office_jurisdiction_ids(user: AnyUser | None) -> list[int]:
    return jurisdiction_ids_where(user, Role.LEAD_OFFICE)


def notices_visible_to(user: AnyUser | None) -> QuerySet[Notice]:
    """Published notices of the user's jurisdictions; the lead office also sees the ones it withdrew."""
    jurisdiction_ids = user_jurisdiction_ids(user)
    managed = lead_office_jurisdiction_ids(user)
    return (Notice.objects.filter(Q(jurisdiction_id__in=jurisdiction_ids, status=NoticeStatus.PUBLISHED)
                                  | Q(jurisdiction_id__in=managed))
            .select_related("jurisdiction", "published_by"))


def unread_notice_count(user: AnyUser | None) -> int:
    """Published notices delivered to the user and not yet opened (the 通知公告 menu badge)."""
    return notifications_of(user).filter(read_at__isnull=True, notice__status=NoticeStatus.PUBLISHED).count()
