"""Scoping selectors: a user sees only the units and users of their own jurisdictions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from govit.core.models import Jurisdiction, Role, RoleAssignment, Unit, User
from govit.core.selectors import (
    jurisdictions_visible_to,
    units_visible_to,
    user_has_role,
    user_jurisdiction_ids,
    user_roles,
    users_visible_to,
)

pytestmark = pytest.mark.usefixtures("demo_data")


def test_roles_and_jurisdictions_of_a_user() -> None:
    user = User.objects.get(username="tz_lead_office")
    tongzhou = Jurisdiction.objects.get(code="320612")
    assert user_roles(user) == {Role.LEAD_OFFICE}
    assert user_jurisdiction_ids(user) == {tongzhou.pk}
    assert user_has_role(user, Role.LEAD_OFFICE, jurisdiction=tongzhou)
    assert not user_has_role(user, Role.AUDIT_ADMIN)
    assert list(jurisdictions_visible_to(user)) == [tongzhou]


@pytest.mark.parametrize("prefix,code", [("kdl", "150203"), ("bz", "511900"), ("tz", "320612"), ("cj", "652300")])
def test_units_and_users_stay_inside_the_jurisdiction(prefix: str, code: str) -> None:
    user = User.objects.get(username=f"{prefix}_system_admin")
    units = list(units_visible_to(user))
    assert units and {u.jurisdiction.code for u in units} == {code}
    assert len(units) == Unit.objects.filter(jurisdiction__code=code).count()
    visible = list(users_visible_to(user))
    assert {u.username.split("_")[0] for u in visible} == {prefix}
    assert len(visible) == len(Role.values)


def test_a_user_with_two_jurisdictions_sees_both() -> None:
    user = User.objects.get(username="kdl_expert")
    RoleAssignment.objects.create(user=user, role=Role.EXPERT, jurisdiction=Jurisdiction.objects.get(code="652300"))
    assert {u.jurisdiction.code for u in units_visible_to(user)} == {"150203", "652300"}
    assert any(u.username == "cj_applicant" for u in users_visible_to(user))


def test_anonymous_inactive_and_unassigned_users_see_nothing() -> None:
    assert not units_visible_to(AnonymousUser()).exists()
    assert not users_visible_to(AnonymousUser()).exists()
    loner = User.objects.create(username="loner")
    assert not units_visible_to(loner).exists()
    assert list(users_visible_to(loner)) == [loner]
    inactive = User.objects.get(username="bz_applicant")
    inactive.is_active = False
    inactive.save()
    assert not units_visible_to(inactive).exists()
    assert inactive not in users_visible_to(User.objects.get(username="bz_lead_office"))


def test_a_request_reads_the_roles_once_and_sees_a_grant_or_revocation_at_once(django_assert_num_queries) -> None:
    """Within one request (role_memo) the role assignments are read once; granting or revoking a role
    (through the service, or any save or delete of an assignment) is seen by the rest of the request."""
    from govit.core.selectors import assignments_of, holds, role_memo
    from govit.core.services import role_assign, role_revoke

    user = User.objects.get(username="tz_lead_office")
    tongzhou = Jurisdiction.objects.get(code="320612")
    with role_memo():
        with django_assert_num_queries(1):
            assert user_roles(user) == {Role.LEAD_OFFICE}
            assert holds(user, Role.LEAD_OFFICE, jurisdiction_id=tongzhou.pk)
            assert not holds(user, Role.LEADERSHIP)
            assert user_jurisdiction_ids(user) == {tongzhou.pk}
        granted = role_assign(user=user, role=Role.LEADERSHIP, jurisdiction=tongzhou, actor=None)
        assert user_roles(user) == {Role.LEAD_OFFICE, Role.LEADERSHIP}
        role_revoke(assignment=granted, actor=None)
        assert user_roles(user) == {Role.LEAD_OFFICE}
        RoleAssignment.objects.filter(user=user).delete()  # a queryset delete signals each row too
        assert user_roles(user) == set()
    RoleAssignment.objects.create(user=user, role=Role.LEAD_OFFICE, jurisdiction=tongzhou)
    assert [ra.role for ra in assignments_of(user)] == [Role.LEAD_OFFICE]  # outside a request: the database
