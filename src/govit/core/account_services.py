"""Account services that keep one administrator from becoming another (三员分立 end to end).

- `password_reset`: the system administrator gives an account a one-time password (shown once); the
  holder must change it at the next sign-in; tokens and sessions die with the old password.
- `account_unlock`: the security administrator lifts a django-axes lockout.
- `role_grant_request` / `role_grant_confirm`: an administrator role is only offered to an account
  whose holder has set their own password and second factor, and is granted only when the holder
  confirms it with a code from that factor.
Each writes its audit entry, refusals included.
"""

from __future__ import annotations

import secrets
import string
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from govit.core.models import (
    ADMIN_ROLES,
    AuditOutcome,
    Jurisdiction,
    Role,
    RoleAssignment,
    RoleGrantRequest,
    RoleGrantStatus,
    Unit,
    User,
)
from govit.core.services import RoleAssignmentRefused, audit_record

GRANT_CONFIRM_HOURS = 72


def _scope_ids(actor: User, role: str) -> list[int]:
    return list(RoleAssignment.objects.filter(user=actor, role=role).values_list("jurisdiction_id", flat=True))


def _in_scope(actor: User, user: User, role: str) -> bool:
    """`user` holds a role in one of the jurisdictions where `actor` holds `role` (or holds none yet)."""
    ids = _scope_ids(actor, role)
    if not ids:
        return False
    held = RoleAssignment.objects.filter(user=user)
    return not held.exists() or held.filter(jurisdiction_id__in=ids).exists()


def one_time_password() -> str:
    """16 characters from four classes (meets every password policy), no look-alike characters."""
    alphabet = [c for c in string.ascii_letters + string.digits if c not in "0O1lI"]
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14)) + secrets.choice("@#%+=") + \
            secrets.choice("23456789")
        if any(c.islower() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


def password_reset(*, user: User, actor: User | None, source_ip: str | None = None) -> str:
    """A system administrator of the user's jurisdiction sets a one-time password; returns it (shown once).

    Refused for oneself, outside the jurisdiction, and for an administrator account that has no
    second factor (there the one-time password alone would hand over the account).
    """
    from govit.core.otp import confirmed_device

    reason = None
    if actor is not None:
        if not _scope_ids(actor, Role.SYSTEM_ADMIN):
            reason = "只有系统管理员可以重置密码。"
        elif actor.pk == user.pk:
            reason = "不能重置自己的密码，请在“我的账号”页修改。"
        elif not _in_scope(actor, user, Role.SYSTEM_ADMIN):
            reason = "该用户不属于您管理的行政区域。"
    held_admin = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) & ADMIN_ROLES
    if reason is None and held_admin and confirmed_device(user) is None:
        reason = "该管理员账号尚未绑定动态口令，不能重置其密码（否则一次性密码即可接管该账号）。请先由本人绑定。"
    if reason:
        audit_record(actor=actor, action="user.password_reset", obj=user, outcome=AuditOutcome.DENIED,
                     source_ip=source_ip, details={"user": user.get_username(), "reason": reason},
                     actor_name=None if actor else "命令行")
        raise RoleAssignmentRefused(reason)
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save()
        audit_record(actor=actor, action="user.password_reset", obj=user, source_ip=source_ip,
                     details={"user": user.get_username()}, actor_name=None if actor else "命令行")
    return password


def locked_usernames() -> set[str]:
    """Usernames django-axes currently locks out."""
    from axes.models import AccessAttempt
    from django.conf import settings

    limit = int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
    since = timezone.now() - settings.AXES_COOLOFF_TIME if getattr(settings, "AXES_COOLOFF_TIME", None) else None
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=limit)
    if since is not None:
        attempts = attempts.filter(attempt_time__gte=since)
    return set(attempts.exclude(username__isnull=True).values_list("username", flat=True))


def account_unlock(*, user: User, actor: User | None, source_ip: str | None = None) -> int:
    """The security administrator of the user's jurisdiction lifts the lockout; returns attempts removed."""
    from axes.utils import reset

    reason = None
    if actor is not None:
        if not _scope_ids(actor, Role.SECURITY_ADMIN):
            reason = "只有安全管理员可以解锁账号。"
        elif actor.pk == user.pk:
            reason = "不能解锁自己的账号。"
        elif not _in_scope(actor, user, Role.SECURITY_ADMIN):
            reason = "该用户不属于您管理的行政区域。"
    if reason:
        audit_record(actor=actor, action="user.unlock", obj=user, outcome=AuditOutcome.DENIED, source_ip=source_ip,
                     details={"user": user.get_username(), "reason": reason})
        raise RoleAssignmentRefused(reason)
    with transaction.atomic():
        removed = reset(username=user.get_username())
        audit_record(actor=actor, action="user.unlock", obj=user, source_ip=source_ip,
                     details={"user": user.get_username(), "attempts_removed": removed},
                     actor_name=None if actor else "命令行")
    return removed


# --- administrator roles: offered, then confirmed by the holder -------------------------------------


def admin_grant_preconditions(user: User) -> str | None:
    """Why `user` can not (yet) hold an administrator role, or None."""
    from govit.core.otp import confirmed_device

    if not user.is_active:
        return "该账号已停用。"
    if user.must_change_password or not user.has_usable_password():
        return "该账号仍在使用他人设置的初始密码：须由本人登录并修改密码后，才能授予管理员角色。"
    if confirmed_device(user) is None:
        return "该账号尚未由本人绑定动态口令：须先绑定，才能授予管理员角色。"
    return None


def role_grant_request(*, user: User, role: str, jurisdiction: Jurisdiction, unit: Unit | None, actor: User | None,
                       source_ip: str | None = None, actor_name: str | None = None) -> RoleGrantRequest:
    """Offer an administrator role (the security administrator, or the operator with actor=None)."""
    from govit.core.services import _check_exclusive, _check_role_actor

    details = {"user": user.get_username(), "role": role, "jurisdiction": jurisdiction.code}
    try:
        if role not in ADMIN_ROLES:
            raise ValueError("Only administrator roles need the holder's confirmation.")
        _check_role_actor(actor=actor, user=user, jurisdiction=jurisdiction, verb="授予")
        _check_exclusive(user=user, role=role, jurisdiction=jurisdiction)
        why = admin_grant_preconditions(user)
        if why:
            raise RoleAssignmentRefused(why)
    except RoleAssignmentRefused as exc:
        audit_record(actor=actor, action="role.grant_request", obj=user, outcome=AuditOutcome.DENIED,
                     source_ip=source_ip, details={**details, "reason": str(exc)},
                     actor_name=None if actor else (actor_name or "命令行"))
        raise
    with transaction.atomic():
        RoleGrantRequest.objects.filter(user=user, role=role, jurisdiction=jurisdiction,
                                        status=RoleGrantStatus.PENDING).update(status=RoleGrantStatus.CANCELLED)
        offer = RoleGrantRequest.objects.create(
            user=user, role=role, jurisdiction=jurisdiction, unit=unit, requested_by=actor,
            requested_by_name=actor.get_username() if actor else (actor_name or "命令行"),
            expires_at=timezone.now() + timedelta(hours=GRANT_CONFIRM_HOURS))
        audit_record(actor=actor, action="role.grant_request", obj=offer, source_ip=source_ip, details=details,
                     actor_name=None if actor else (actor_name or "命令行"))
    return offer


def pending_grants(user: User) -> list[RoleGrantRequest]:
    return list(RoleGrantRequest.objects.filter(user=user, status=RoleGrantStatus.PENDING,
                                                expires_at__gt=timezone.now()).select_related("jurisdiction", "unit"))


def role_grant_confirm(*, offer: RoleGrantRequest, user: User, token: str,
                       source_ip: str | None = None) -> RoleAssignment:
    """The holder confirms with a current code of their own TOTP device; the role is then granted."""
    from govit.core.otp import confirmed_device
    from govit.core.services import role_assign

    def refuse(reason: str, outcome: str = AuditOutcome.DENIED) -> None:
        audit_record(actor=user, action="role.grant_confirm", obj=offer, outcome=outcome, source_ip=source_ip,
                     details={"role": offer.role, "reason": reason})
        raise RoleAssignmentRefused(reason)

    if offer.user_id != user.pk:
        refuse("只有被授权人本人可以确认。")
    if offer.status != RoleGrantStatus.PENDING or offer.expires_at <= timezone.now():
        refuse("该授权已确认、已撤回或已过确认期限，请联系安全管理员重新发起。")
    why = admin_grant_preconditions(user)
    if why:
        refuse(why)
    device = confirmed_device(user)
    allowed = device is not None and device.verify_is_allowed()[0]
    if not (allowed and device.verify_token((token or "").strip())):
        refuse("动态口令不正确或已使用，请等待口令刷新后重新输入。" if allowed else "尝试次数过多，请稍后再试。",
               AuditOutcome.FAILURE)
    with transaction.atomic():
        assignment = role_assign(user=user, role=offer.role, jurisdiction=offer.jurisdiction, unit=offer.unit,
                                 actor=offer.requested_by, source_ip=source_ip, holder_confirmed=True,
                                 actor_name=None if offer.requested_by else offer.requested_by_name)
        offer.status = RoleGrantStatus.CONFIRMED
        offer.decided_at = timezone.now()
        offer.save(update_fields=["status", "decided_at"])
        audit_record(actor=user, action="role.grant_confirm", obj=offer, source_ip=source_ip,
                     details={"role": offer.role, "jurisdiction": offer.jurisdiction.code})
    return assignment
