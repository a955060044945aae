"""Notification and notice writes. Services call `notify` inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from govit.core.models import Jurisdiction, Role, User
from govit.core.services import audit_record
from govit.notifications.models import Notice, NoticeStatus, Notification
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals


def notify(*, users: Iterable[User], project: object | None, text: str,
           notice: Notice | None = None) -> list[Notification]:
    """Queue one notification per distinct user (the supervision work adds email/webhook digests).

    三员分立: system, security and audit administrators never receive business notifications, whoever
    the caller meant to reach (they can not open the pages those notifications point to either).
    """
    from govit.core.models import ADMIN_ROLES, RoleAssignment

    candidates = [u for u in users if u is not None]
    administrators = set(RoleAssignment.objects.filter(user__in=[u.pk for u in candidates], role__in=ADMIN_ROLES)
                         .values_list("user_id", flat=True)) if candidates else set()
    seen: set[int] = set(administrators)
    rows = []
    for user in candidates:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, project=project, notice=notice, text=text[:500]))
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    if notification.user_id == user.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, source_ip: str | None = None) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    with transaction.atomic():
        count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            audit_record(actor=user, action="notification.read_all", source_ip=source_ip, details={"count": count})
    return count


# --- 通知公告 ---------------------------------------------------------------------------------------


def _require_lead_office(actor: User, jurisdiction: Jurisdiction) -> None:
    from govit.core.selectors import role_assignments_of

    if not role_assignments_of(actor).filter(role=Role.LEAD_OFFICE, jurisdiction=jurisdiction).exists():
        raise PermissionDenied(f"只有{jurisdiction.name}的领导小组办公室（牵头部门）可以发布或撤回本辖区的通知公告。")


def notice_recipients(jurisdiction: Jurisdiction) -> list[User]:
    """Who a notice reaches: every active account of a 项目建设单位 (申报单位) of the jurisdiction."""
    from govit.projects.selectors import users_with_role

    return users_with_role(Role.APPLICANT, jurisdiction_id=jurisdiction.pk)


@audit_refusals
def notice_publish(*, jurisdiction: Jurisdiction, actor: User, title: str, body: str, basis: str = "",
                   due_date: date | None = None, source_ip: str | None = None) -> Notice:
    """Publish a 通知公告 to the units of `jurisdiction` and notify each unit's accounts."""
    _require_lead_office(actor, jurisdiction)
    title, body, basis = title.strip(), body.strip(), basis.strip()
    if not title:
        raise InvalidInput("请填写通知标题。", field="title")
    if len(title) > 100:
        raise InvalidInput("通知标题不能超过 100 个字。", field="title")
    if not body:
        raise InvalidInput("请填写通知正文。", field="body")
    if len(body) > 5000:
        raise InvalidInput("通知正文不能超过 5000 个字。", field="body")
    if due_date is not None and due_date < timezone.localdate():
        raise InvalidInput("截止日期不能早于今天。", field="due_date")
    with transaction.atomic():
        notice = Notice.objects.create(jurisdiction=jurisdiction, title=title, body=body, basis=basis[:100],
                                       due_date=due_date, published_by=actor, published_at=timezone.now())
        due = f"，请于 {due_date.isoformat()} 前办理" if due_date else ""
        delivered = notify(users=notice_recipients(jurisdiction), project=None, notice=notice,
                           text=f"【通知公告】{title}{due}")
        audit_record(actor=actor, action="notice.publish", obj=notice, source_ip=source_ip,
                     details={"jurisdiction": jurisdiction.code, "basis": basis, "recipients": len(delivered),
                              "due_date": due_date.isoformat() if due_date else None})
    return notice


@audit_refusals
def notice_withdraw(*, notice: Notice, actor: User, source_ip: str | None = None) -> Notice:
    """Take a notice down: units no longer see it. It is kept, and `notice_restore` publishes it again."""
    _require_lead_office(actor, notice.jurisdiction)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != NoticeStatus.PUBLISHED:
            raise TransitionRefused("该通知已撤回。", code="wrong_state")
        notice.status, notice.withdrawn_at = NoticeStatus.WITHDRAWN, timezone.now()
        notice.save(update_fields=["status", "withdrawn_at"])
        audit_record(actor=actor, action="notice.withdraw", obj=notice, source_ip=source_ip)
    return notice


@audit_refusals
def notice_restore(*, notice: Notice, actor: User, source_ip: str | None = None) -> Notice:
    """Undo a withdrawal: the notice is published again as it was (its deliveries keep their read state)."""
    _require_lead_office(actor, notice.jurisdiction)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != NoticeStatus.WITHDRAWN:
            raise TransitionRefused("该通知未撤回，无需恢复。", code="wrong_state")
        notice.status, notice.withdrawn_at = NoticeStatus.PUBLISHED, None
        notice.save(update_fields=["status", "withdrawn_at"])
        audit_record(actor=actor, action="notice.restore", obj=notice, source_ip=source_ip)
    return notice


def notice_mark_read(*, notice: Notice, user: User) -> int:
    """Opening a notice reads its delivery to `user` (the unread badge drops)."""
    return Notification.objects.filter(user=user, notice=notice, read_at__isnull=True).update(read_at=timezone.now())
