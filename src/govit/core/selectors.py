"""Core read selectors: a user's roles and scope, and what a user may see.

Scoping rule: a user sees units and users of the jurisdictions where they hold a role, nothing else.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, Unit, User

AnyUser = User | AnonymousUser
T = TypeVar("T")


def audit_generation() -> str:
    """The audit chain head (seq and hash): it moves with every audited write, rollbacks included."""
    from govit.core.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    return f"{head[0]}-{head[1][:16]}" if head else "0"


AUDITED_CACHE_TTL = 300


def audit_cached(key: str, compute: Callable[[], T], *, generation: str | None = None,
                 ttl: int = AUDITED_CACHE_TTL) -> T:
    """`compute()` cached against the audit chain head: for figures that change only through audited
    writes (every service writes one), so any write anywhere starts a new key. `ttl` bounds how long
    a change made outside the services (none should be) can stay unseen. The day is part of the key."""
    from django.core.cache import cache
    from django.utils import timezone

    generation = generation or audit_generation()
    full = f"govit:audited:{key}:{timezone.localdate().isoformat()}:{generation}"
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, ttl)
    return value


def _is_signed_in(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_assignments_of(user: AnyUser | None) -> QuerySet[RoleAssignment]:
    if not _is_signed_in(user):
        return RoleAssignment.objects.none()
    return (
        RoleAssignment.objects.filter(user=user)
        .select_related("jurisdiction", "unit")
        .order_by("jurisdiction__code", "role")
    )


# One request's role assignments by user id (see `role_memo`); None outside a request.
_memo: contextvars.ContextVar[dict[int, list[RoleAssignment]] | None] = contextvars.ContextVar(
    "govit_role_memo", default=None)


@contextmanager
def role_memo() -> Iterator[None]:
    """Within the block (one web or API request, see `RoleMemoMiddleware`), `assignments_of` reads a
    user's role assignments once; `forget_roles` (called by every service that grants or revokes a
    role) drops what was read. Outside a block every call reads the database."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget_roles() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def assignments_of(user: AnyUser | None) -> list[RoleAssignment]:
    """The user's role assignments (jurisdiction and unit loaded), ordered as `role_assignments_of`."""
    if not _is_signed_in(user):
        return []
    memo = _memo.get()
    if memo is None:
        return list(role_assignments_of(user))
    found = memo.get(user.pk)
    if found is None:
        found = memo[user.pk] = list(role_assignments_of(user))
    return found


def _role_set(roles: str | tuple[str, ...] | frozenset[str] | set[str]) -> set[str]:
    return {roles} if isinstance(roles, str) else set(roles)


def holds(user: AnyUser | None, roles: str | tuple[str, ...] | frozenset[str] | set[str], *,
          jurisdiction_id: int | None = None, unit_id: int | None = None) -> bool:
    """Whether the user holds one of `roles` (in the jurisdiction, for the unit, when given)."""
    wanted = _role_set(roles)
    return any(ra.role in wanted and (jurisdiction_id is None or ra.jurisdiction_id == jurisdiction_id)
               and (unit_id is None or ra.unit_id == unit_id) for ra in assignments_of(user))


def jurisdiction_ids_where(user: AnyUser | None, roles: str | tuple[str, ...]) -> list[int]:
    """Ids of the jurisdictions where the user holds one of `roles`, in assignment order."""
    wanted = _role_set(roles)
    return list(dict.fromkeys(ra.jurisdiction_id for ra in assignments_of(user) if ra.role in wanted))


def user_roles(user: AnyUser | None) -> set[str]:
    """Role codes (see `Role`) the user holds in any jurisdiction."""
    return {ra.role for ra in assignments_of(user)}


def user_has_role(user: AnyUser | None, role: str, *, jurisdiction: Jurisdiction | None = None) -> bool:
    return holds(user, role, jurisdiction_id=jurisdiction.pk if jurisdiction is not None else None)


def user_jurisdiction_ids(user: AnyUser | None) -> set[int]:
    """Ids of the jurisdictions where the user holds any role."""
    return {ra.jurisdiction_id for ra in assignments_of(user)}


def _jurisdiction_ids_subquery(user: AnyUser | None) -> QuerySet[RoleAssignment]:
    return role_assignments_of(user).order_by().values("jurisdiction_id")


def jurisdictions_visible_to(user: AnyUser | None) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(pk__in=_jurisdiction_ids_subquery(user)).order_by("code")


def units_visible_to(user: AnyUser | None) -> QuerySet[Unit]:
    """Units in the user's jurisdictions."""
    return (
        Unit.objects.filter(jurisdiction_id__in=_jurisdiction_ids_subquery(user))
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "kind", "name")
    )


def users_visible_to(user: AnyUser | None) -> QuerySet[User]:
    """Active users holding a role in one of the user's jurisdictions (always including the user)."""
    if not _is_signed_in(user):
        return User.objects.none()
    own_jurisdictions = RoleAssignment.objects.filter(user=user).values("jurisdiction_id")
    colleagues = RoleAssignment.objects.filter(jurisdiction_id__in=own_jurisdictions).values("user_id")
    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=colleagues), is_active=True).order_by("username")


def can_read_audit_log(user: AnyUser | None) -> bool:
    """三员分立: only the audit administrator reads the audit log."""
    return user_has_role(user, Role.AUDIT_ADMIN)


def audit_entries_visible(user: AnyUser | None) -> QuerySet[AuditEntry]:
    """The audit administrator's entries: their own jurisdictions' and the platform-wide ones (untagged:
    the command line, unknown usernames, entries written before tagging)."""
    from govit.core.models import Jurisdiction

    if not _is_signed_in(user):
        return AuditEntry.objects.none()
    codes = list(Jurisdiction.objects.filter(role_assignments__user=user, role_assignments__role=Role.AUDIT_ADMIN)
                 .values_list("code", flat=True))
    return AuditEntry.objects.filter(Q(jurisdiction_code__in=codes) | Q(jurisdiction_code__isnull=True)
                                     | Q(jurisdiction_code="")).order_by("-seq")


def audit_entries_recent(*, limit: int = 50, user: AnyUser | None = None) -> QuerySet[AuditEntry]:
    entries = audit_entries_visible(user) if user is not None else AuditEntry.objects.order_by("-seq")
    return entries.select_related("actor")[:limit]
