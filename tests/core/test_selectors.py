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
