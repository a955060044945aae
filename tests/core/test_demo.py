"""`govit demo`: idempotent demo data with the real unit names, and the loader registry."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from govit.core import demo
from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, Unit, UnitKind, User

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_prints_the_logins() -> None:
    # Runs every registered loader (other apps' too): all of them must be idempotent.
    out = io.StringIO()
    call_command("demo", stdout=out)
    counts = (
        Jurisdiction.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("demo", stdout=io.StringIO())
    assert counts == (
        Jurisdiction.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )
    usernames = {d.username for d in demo.demo_logins()}
    assert len(usernames) == 4 * len(Role.values)
    assert User.objects.filter(username__in=usernames).count() == len(usernames)
    text = out.getvalue()
    assert "Govit@2026demo" in text and "tz_applicant" in text and "审计管理员" in text


def test_jurisdictions_carry_their_policy_packs() -> None:
    demo.load_core_demo(stdout=io.StringIO())
    packs = dict(Jurisdiction.objects.values_list("name", "pack_ids"))
    assert packs == {
        "包头市昆都仑区": ["kundulun-2024"],
        "四川省巴中市": ["bazhong-2022"],
        "南通市通州区": ["tongzhou-2023"],
        "新疆昌吉回族自治州": ["changji-2025"],
    }


@pytest.mark.parametrize(
    "code,name,kind",
    [
        ("150203", "区行政审批政务服务与数据管理局", UnitKind.LEAD_OFFICE),
        ("150203", "区委国安办", UnitKind.NATIONAL_SECURITY),
        ("511900", "市政务服务和大数据管理局", UnitKind.LEAD_OFFICE),
        ("511900", "市经济和信息化局", UnitKind.ECONOMY_IT),
        ("320612", "区区域社会治理现代化指挥中心", UnitKind.LEAD_OFFICE),
        ("320612", "区档案局", UnitKind.ARCHIVES),
        ("320612", "区国家保密局", UnitKind.SECRECY_CRYPTO),
        ("652300", "州数字化发展局", UnitKind.LEAD_OFFICE),
        ("652300", "州党委机要保密局", UnitKind.SECRECY_CRYPTO),
    ],
)
def test_units_use_the_names_in_the_regulations(code: str, name: str, kind: str) -> None:
    demo.load_core_demo(stdout=io.StringIO())
    assert Unit.objects.get(jurisdiction__code=code, name=name).kind == kind


def test_every_jurisdiction_has_construction_departments_and_a_township() -> None:
    demo.load_core_demo(stdout=io.StringIO())
    for jurisdiction in Jurisdiction.objects.all():
        kinds = list(jurisdiction.units.values_list("kind", flat=True))
        assert kinds.count(UnitKind.CONSTRUCTION_DEPARTMENT) >= 2
        assert kinds.count(UnitKind.TOWNSHIP) == 1
        assert kinds.count(UnitKind.LEAD_OFFICE) == 1


def test_every_demo_login_authenticates(rf) -> None:
    demo.load_core_demo(stdout=io.StringIO())
    for login in demo.demo_logins():
        user = authenticate(rf.post("/login/"), username=login.username, password=login.password)
        assert user is not None, login.username
        assert set(user.role_assignments.values_list("role", flat=True)) == {login.role}


def test_registered_loaders_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the core loader plus the two below: other apps' loaders are not under test here.
    monkeypatch.setattr(demo, "_LOADERS", {})
    demo.register_demo_loader(demo.load_core_demo, order=0)
    calls: list[str] = []

    def late(*, stdout) -> None:
        calls.append("late")

    def early(*, stdout) -> None:
        calls.append("early")

    demo.register_demo_loader(late, order=200)
    demo.register_demo_loader(early, order=50)
    demo.register_demo_loader(early, order=50)  # registering twice runs once
    demo.run_demo_loaders(stdout=io.StringIO())
    assert calls == ["early", "late"]
    assert Jurisdiction.objects.count() == 4  # the core loader (order 0) ran too
