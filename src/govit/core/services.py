"""Core write services. Every business write goes through a service that records an audit entry."""

from __future__ import annotations

import ipaddress
import json
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from govit.bounds import storable
from govit.core import checkpoints, crypto
from govit.core.audit import canonical_payload
from govit.core.models import (
    ADMIN_ROLES,
    ApiToken,
    AuditChainHead,
    AuditEntry,
    AuditOutcome,
    Jurisdiction,
    Role,
    RoleAssignment,
    RoleLedgerAction,
    Unit,
    User,
)

API_TOKEN_PREFIX = "gvt_"  # noqa: S105 (a public marker, not a secret)  # nosec B105


def _normalise_ip(source_ip: str | None) -> str | None:
    if not source_ip:
        return None
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # The same text form the database field stores, so the hashed value round-trips.
        return clean_ipv6_address(str(address))
    return str(address)


def _jsonable(details: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the database will return.
    return storable(json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder, ensure_ascii=False)))


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    source_ip: str | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str | None = None,
    jurisdiction: Jurisdiction | str | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain inside the caller's transaction.

    The entry is tagged with the jurisdiction it concerns (`jurisdiction`, else the object's, else the
    actor's when they act in exactly one), which decides which audit administrator reads it.

    `action` is a dotted English verb such as "auth.login" or "project.submit". The chain head row
    is locked (SELECT ... FOR UPDATE) so concurrent writers append one after another.
    """
    if outcome not in AuditOutcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}; use one of {AuditOutcome.values}.")
    real_actor = actor if isinstance(actor, User) and actor.pk else None
    name = actor_name if actor_name is not None else (real_actor.get_username() if real_actor else "")
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    object_repr = storable(str(obj)[:255]) if obj is not None else ""
    clean_details = _jsonable(details)
    clean_ip = _normalise_ip(source_ip)
    jurisdiction_code = _jurisdiction_code(jurisdiction, obj, real_actor)

    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "timestamp": timezone.now(),
            "actor_id": real_actor.pk if real_actor else None,
            "actor_name": storable(name[:150]),
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "outcome": outcome,
            "source_ip": clean_ip,
            "details": clean_details,
            "prev_hash": head.last_hash,
            "jurisdiction_code": jurisdiction_code or None,
        }
        entry_hash = crypto.hmac_sm3(crypto.audit_key(), canonical_payload(**fields))
        entry = AuditEntry.objects.create(**fields, entry_hash=entry_hash)
        AuditChainHead.objects.filter(pk=1).update(
            last_seq=entry.seq, last_hash=entry_hash,
            mac=checkpoints.head_mac(checkpoints.AUDIT_CHAIN, entry.seq, entry_hash))
        checkpoints.schedule()
    return entry


_JURISDICTION_CODES: dict[int, str] = {}


def _code_of_jurisdiction_id(pk: int | None) -> str:
    if not pk:
        return ""
    if pk not in _JURISDICTION_CODES:
        code = Jurisdiction.objects.filter(pk=pk).values_list("code", flat=True).first()
        if code is None:
            return ""
        _JURISDICTION_CODES[pk] = code
    return _JURISDICTION_CODES[pk]


def _jurisdiction_code(explicit: Jurisdiction | str | None, obj: models.Model | None, actor: User | None) -> str:
    if isinstance(explicit, Jurisdiction):
        return explicit.code
    if isinstance(explicit, str):
        return explicit[:12]
    if isinstance(obj, Jurisdiction):
        return obj.code
    if obj is not None:
        for path in ("jurisdiction_id", "unit", "project", "subscription", "draw", "user"):
            value = getattr(obj, path, None)
            if path == "jurisdiction_id" and value:
                return _code_of_jurisdiction_id(value)
            if isinstance(value, models.Model) and getattr(value, "jurisdiction_id", None):
                return _code_of_jurisdiction_id(value.jurisdiction_id)
        if isinstance(obj, User):
            return _single_jurisdiction(obj)
    return _single_jurisdiction(actor) if actor is not None else ""


def _single_jurisdiction(user: User) -> str:
    ids = set(RoleAssignment.objects.filter(user=user).values_list("jurisdiction_id", flat=True)[:5])
    return _code_of_jurisdiction_id(ids.pop()) if len(ids) == 1 else ""


class RoleAssignmentRefused(PermissionError):
    """A role grant or revocation that the rules refuse; the message is Chinese and shown to users."""


def _check_role_actor(*, actor: User | None, user: User, jurisdiction: Jurisdiction, verb: str) -> None:
    """三员分立: only a security administrator of the jurisdiction grants or revokes roles.

    `actor=None` is the system itself (the `govit roles` command run by an operator on the server,
    demo data, migrations); it is audited under its own name.
    """
    if actor is None:
        return
    if not RoleAssignment.objects.filter(user=actor, role=Role.SECURITY_ADMIN, jurisdiction=jurisdiction).exists():
        raise RoleAssignmentRefused(f"只有本行政区域的安全管理员可以{verb}角色。")
    if actor.pk == user.pk:
        raise RoleAssignmentRefused(f"安全管理员不能为自己{verb}角色。")


def _check_exclusive(*, user: User, role: str, jurisdiction: Jurisdiction) -> None:
    """三员分立: an administrator role is never combined with any other role of the same user."""
    others = set(
        RoleAssignment.objects.filter(user=user).exclude(role=role, jurisdiction=jurisdiction).values_list(
            "role", flat=True
        )
    )
    others.discard(role)  # the same role in another jurisdiction is not a combination
    held_admin = others & ADMIN_ROLES
    if role in ADMIN_ROLES and others:
        labels = "、".join(Role(r).label for r in sorted(others))
        raise RoleAssignmentRefused(
            f"三员分立：{Role(role).label}不能与其他角色兼任，该用户已担任{labels}。请使用单独的账号。"
        )
    if role not in ADMIN_ROLES and held_admin:
        labels = "、".join(Role(r).label for r in sorted(held_admin))
        raise RoleAssignmentRefused(
            f"三员分立：该用户是{labels}，不能再担任{Role(role).label}。请使用单独的账号。"
        )


def role_assign(
    *,
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    unit: Unit | None = None,
    actor: User | None,
    source_ip: str | None = None,
    actor_name: str | None = None,
    holder_confirmed: bool = False,
) -> RoleAssignment:
    """Grant `role` in `jurisdiction` (on behalf of `unit`) to `user`; idempotent.

    An administrator role is only granted with `holder_confirmed` (the holder confirmed the offer
    with their second factor: govit.core.account_services.role_grant_confirm; or demo data), and only
    to an account whose holder set their own password and second factor.

    Refuses (RoleAssignmentRefused, audited as denied) unless `actor` is a security administrator
    of the jurisdiction (or the system, actor=None), and when the grant would combine an
    administrator role with any other role. Every change is appended to the role ledger.
    """
    from govit.core import role_ledger

    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    if unit is not None and unit.jurisdiction_id != jurisdiction.pk:
        raise ValueError("The unit must belong to the jurisdiction of the role assignment.")
    details = {"user": user.get_username(), "role": role, "jurisdiction": jurisdiction.code,
               "unit": unit.name if unit else None}
    system_name = actor_name or "系统"
    try:
        _check_role_actor(actor=actor, user=user, jurisdiction=jurisdiction, verb="授予")
        _check_exclusive(user=user, role=role, jurisdiction=jurisdiction)
        if role in ADMIN_ROLES:
            from govit.core.account_services import admin_grant_preconditions

            if not holder_confirmed:
                raise RoleAssignmentRefused(
                    f"{Role(role).label}须经被授权人本人用动态口令确认：已改为发起授权，待本人确认。")
            why = admin_grant_preconditions(user)
            if why:
                raise RoleAssignmentRefused(why)
    except RoleAssignmentRefused as exc:
        audit_record(actor=actor, action="role.assign", outcome=AuditOutcome.DENIED, source_ip=source_ip,
                     details={**details, "reason": str(exc)}, actor_name=None if actor else system_name)
        raise
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.update_or_create(
            user=user, role=role, jurisdiction=jurisdiction, defaults={"unit": unit}
        )
        changed = created or role_ledger.ledger_state(assignment.pk) != role_ledger.state_of(assignment)
        if changed:
            role_ledger.append(
                action=RoleLedgerAction.GRANT,
                assignment=assignment,
                actor_name=actor.get_username() if actor else system_name,
            )
            audit_record(
                actor=actor,
                action="role.assign",
                obj=assignment,
                source_ip=source_ip,
                details={**details, "created": created},
                actor_name=None if actor else system_name,
            )
    return assignment


def role_revoke(
    *,
    assignment: RoleAssignment,
    actor: User | None,
    source_ip: str | None = None,
    actor_name: str | None = None,
) -> None:
    """Revoke one role assignment (security administrator of its jurisdiction, or the system)."""
    from govit.core import role_ledger

    details = {"user": assignment.user.get_username(), "role": assignment.role,
               "jurisdiction": assignment.jurisdiction.code}
    system_name = actor_name or "系统"
    try:
        _check_role_actor(actor=actor, user=assignment.user, jurisdiction=assignment.jurisdiction, verb="撤销")
    except RoleAssignmentRefused as exc:
        audit_record(actor=actor, action="role.revoke", outcome=AuditOutcome.DENIED, source_ip=source_ip,
                     details={**details, "reason": str(exc)}, actor_name=None if actor else system_name)
        raise
    with transaction.atomic():
        role_ledger.append(
            action=RoleLedgerAction.REVOKE,
            assignment=assignment,
            actor_name=actor.get_username() if actor else system_name,
        )
        audit_record(actor=actor, action="role.revoke", obj=assignment, source_ip=source_ip, details=details,
                     actor_name=None if actor else system_name)
        assignment.delete()


class TokenRefused(PermissionError):
    """A token that may not be issued; the message is Chinese and shown to users."""


def api_token_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "GOVIT_API_TOKEN_DAYS", 90))


def api_token_max_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "GOVIT_API_TOKEN_MAX_DAYS", 365))


def api_token_create(
    *,
    user: User,
    name: str,
    actor: User | None,
    expires_at: datetime | None = None,
    days: int | None = None,
    scope: str = "read",
    second_factor_verified: bool = False,
    source_ip: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token for `user`. Returns the row and the raw token (shown once, never stored).

    Tokens are credentials: only the owner (actor is the user) or the operator (actor=None, `govit
    tokens issue`) issues them; they expire (default GOVIT_API_TOKEN_DAYS, at most
    GOVIT_API_TOKEN_MAX_DAYS); a user who must present a second factor gets one only with
    `second_factor_verified` (a session that passed it, or a code checked by the command); and
    never while the password is expired or still the one-time initial password.
    """
    from datetime import timedelta

    from govit.core.middleware import password_expired
    from govit.core.models import TokenScope
    from govit.core.otp import confirmed_device, otp_mandatory_for, otp_skipped

    def refuse(message: str) -> None:
        audit_record(actor=actor, action="api_token.create", obj=user, outcome=AuditOutcome.DENIED,
                     source_ip=source_ip, details={"user": user.get_username(), "reason": message},
                     actor_name=None if actor else "命令行")
        raise TokenRefused(message)

    name = (name or "").strip()[:100] or "接口令牌"
    if scope not in TokenScope.values:
        raise ValueError(f"Unknown token scope {scope!r}.")
    if actor is not None and actor.pk != user.pk:
        refuse("接口令牌只能由本人签发（或由运维人员在服务器上用 govit tokens issue 签发）。")
    if not user.is_active:
        refuse("该账号已停用，不能签发令牌。")
    if getattr(user, "must_change_password", False) or password_expired(user):
        refuse("该账号的密码已过期或仍是初始密码，须先由本人修改密码，才能签发令牌。")
    needs_otp = not otp_skipped() and (otp_mandatory_for(user) or confirmed_device(user) is not None)
    if needs_otp and not second_factor_verified:
        refuse("该账号须使用动态口令：只能在已通过动态口令验证的会话中签发令牌。")
    now = timezone.now()
    if expires_at is None:
        span = days if days is not None else api_token_days()
        if not 1 <= span <= api_token_max_days():
            raise ValueError(f"令牌有效期应为 1–{api_token_max_days()} 天。")
        expires_at = now + timedelta(days=span)
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[: len(API_TOKEN_PREFIX) + 6],
            digest=crypto.sm3_hex(raw),
            expires_at=expires_at,
            scope=scope,
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            source_ip=source_ip,
            details={"user": user.get_username(), "name": name, "scope": scope,
                     "expires_at": expires_at.isoformat()},
            actor_name=None if actor else "命令行",
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User | None, source_ip: str | None = None,
                     reason: str = "") -> ApiToken:
    """Revoke a bearer token; later requests with it are refused."""
    if actor is not None and actor.pk != token.user_id:
        raise TokenRefused("只能吊销自己的令牌。")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, source_ip=source_ip,
                     details={"reason": reason} if reason else None, actor_name=None if actor else "命令行")
    return token


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every live token of `user` (password changed, account disabled), audited."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        audit_record(actor=None, actor_name="系统", action="api_token.revoke_all", obj=user,
                     details={"tokens": ids, "reason": reason})
    return len(ids)


def _require_system_admin(*, actor: User | None, user: User | None = None) -> None:
    if actor is None:
        return
    admin_of = RoleAssignment.objects.filter(user=actor, role=Role.SYSTEM_ADMIN).values("jurisdiction_id")
    if not admin_of.exists():
        raise RoleAssignmentRefused("只有系统管理员可以管理用户账号。")
    if user is not None:
        if user.pk == actor.pk:
            raise RoleAssignmentRefused("不能停用或启用自己的账号。")
        roles = RoleAssignment.objects.filter(user=user)
        if roles.exists() and not roles.filter(jurisdiction_id__in=admin_of).exists():
            raise RoleAssignmentRefused("该用户不属于您管理的行政区域。")


def user_create(
    *, username: str, full_name: str, password: str, actor: User | None, source_ip: str | None = None
) -> User:
    """A system administrator opens an account (no role: the security administrator grants roles)."""
    from django.contrib.auth.password_validation import validate_password

    _require_system_admin(actor=actor)
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ValueError("用户名为空或已存在。")
    user = User(username=username, full_name=full_name.strip()[:50])
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True  # an initial password is one-time: the holder sets their own
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, source_ip=source_ip,
                     details={"username": username}, actor_name=None if actor else "命令行")
    return user


def user_set_active(*, user: User, active: bool, actor: User | None, source_ip: str | None = None) -> User:
    """Disable or re-enable an account (system administrator of the user's jurisdiction)."""
    try:
        _require_system_admin(actor=actor, user=user)
    except RoleAssignmentRefused as exc:
        audit_record(actor=actor, action="user.set_active", obj=user, outcome=AuditOutcome.DENIED,
                     source_ip=source_ip, details={"active": active, "reason": str(exc)})
        raise
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="user.set_active", obj=user, source_ip=source_ip,
                     details={"active": active}, actor_name=None if actor else "命令行")
    return user
