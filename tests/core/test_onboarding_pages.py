"""The system administrator's units-and-accounts page: own jurisdiction only, pack unit kinds, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, Unit, User
from govit.core.onboarding import OnboardingError, jurisdiction_import, unit_save
from govit.core.services import RoleAssignmentRefused, role_assign

FIFTH_PACKS = Path(__file__).parent.parent / "fixtures" / "packs"


@pytest.fixture
def zone(db, monkeypatch) -> Jurisdiction:
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", str(FIFTH_PACKS))
    jurisdiction_import({"code": "320699", "name": "示例新区", "level": "district", "packs": ["xinqu-2025"],
                         "units": [{"name": "新区数据管理局", "kind": "lead_office"}],
                         "users": [{"username": "xq_admin", "name": "管理员", "unit": "新区数据管理局"},
                                   {"username": "xq_new", "name": "新人", "unit": "新区数据管理局"}]})
    jurisdiction = Jurisdiction.objects.get(code="320699")
    admin = User.objects.get(username="xq_admin")
    # An administrator role goes to an account whose holder set their own password and second factor
    # and confirmed the grant (govit.core.account_services); the fixture stands in for both steps.
    admin.set_password("Own#Chosen2027y")
    admin.must_change_password = False
    admin.save()
    from govit.core.otp import ensure_demo_totp_device

    ensure_demo_totp_device(admin)
    role_assign(user=admin, role=Role.SYSTEM_ADMIN, jurisdiction=jurisdiction, actor=None, holder_confirmed=True)
    return jurisdiction


def _admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="xq_admin"))
    return client


def test_admin_adds_a_unit_of_a_kind_the_pack_declares(zone):
    client = _admin_client()
    page = client.get(reverse("accounts:units")).content.decode()
    assert "开发区管理委员会" in page  # xinqu-2025 第二条's unit kind is offered
    response = client.post(reverse("accounts:units"), {"form": "unit", "jurisdiction": "320699",
                                                       "name": "示例经济开发区管理委员会",
                                                       "kind": "development_zone_committee"})
    assert response.status_code == 302
    unit = Unit.objects.get(name="示例经济开发区管理委员会")
    assert unit.kind == "development_zone_committee" and unit.kind_label == "开发区管理委员会"
    entry = AuditEntry.objects.filter(action="unit.create", object_id=str(unit.pk)).get()
    assert entry.actor.username == "xq_admin"
    assert "区属国有资产运营公司" not in client.get(reverse("accounts:units")).content.decode().split("本辖区单位")[1]


def test_a_kind_no_pack_declares_is_refused_naming_it(zone):
    with pytest.raises(OnboardingError) as raised:
        unit_save(jurisdiction=zone, name="某开发区", kind="development_zone", actor=None)
    assert "development_zone" in str(raised.value) and "development_zone_committee" in str(raised.value)


def test_admin_of_another_jurisdiction_is_refused_and_audited(zone):
    other = Jurisdiction.objects.create(code="320698", name="别区", level="district", pack_ids=["xinqu-2025"])
    outsider = User.objects.create(username="other_admin")
    RoleAssignment.objects.create(user=outsider, role=Role.SYSTEM_ADMIN, jurisdiction=other)
    with pytest.raises(RoleAssignmentRefused):
        unit_save(jurisdiction=zone, name="越权单位", kind="finance", actor=outsider)
    assert not Unit.objects.filter(name="越权单位").exists()
    assert AuditEntry.objects.filter(action="unit.create", outcome="denied").exists()
    client = Client()
    client.force_login(outsider)
    assert "xq_new" not in client.get(reverse("accounts:units")).content.decode()


def test_initial_password_must_be_changed_at_first_sign_in(zone):
    from govit.core.middleware import password_expired

    newcomer = User.objects.get(username="xq_new")
    assert not newcomer.has_usable_password()  # imported: no password until the administrator issues one
    response = _admin_client().post(reverse("accounts:user-initial-password", args=[newcomer.pk]))
    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.has_usable_password() and password_expired(newcomer)
    assert AuditEntry.objects.filter(action="user.initial_password", object_id=str(newcomer.pk)).exists()
