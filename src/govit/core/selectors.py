"""Core read selectors: a user's roles and scope, and what a user may see.

Scoping rule: a user sees units and users of the jurisdictions where they hold a role, nothing else.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, Unit, User

AnyUser = User | AnonymousUser


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


def user_roles(user: AnyUser | None) -> set[str]:
    """Role codes (see `Role`) the user holds in any jurisdiction."""
    return set(role_assignments_of(user).values_list("role", flat=True))


def user_has_role(user: AnyUser | None, role: str, *, jurisdiction: Jurisdiction | None = None) -> bool:
    qs = role_assignments_of(user).filter(role=role)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction)
    return qs.exists()


def user_jurisdiction_ids(user: AnyUser | None) -> set[int]:
    """Ids of the jurisdictions where the user holds any role."""
    return set(role_assignments_of(user).values_list("jurisdiction_id", flat=True))


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
