"""三员分立: exclusive administrator roles, only the security administrator grants roles, only the audit
administrator reads the audit log, and none of the three reaches projects, plans or experts."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, Unit, User
from govit.core.role_ledger import verify_ledger
from govit.core.services import RoleAssignmentRefused, api_token_create, role_assign, role_revoke

pytestmark = pytest.mark.usefixtures("demo_data")
ADMINS = ("system_admin", "security_admin", "audit_admin")


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _client(name: str) -> Client:
    client = Client()
    client.force_login(_user(name))
    return client


def test_admin_role_cannot_be_combined_with_another_role() -> None:
    tz = Jurisdiction.objects.get(code="320612")
    security = _user("tz_security_admin")
    with pytest.raises(RoleAssignmentRefused, match="三员分立"):
        role_assign(user=_user("tz_applicant"), role=Role.AUDIT_ADMIN, jurisdiction=tz, actor=security)
    with pytest.raises(RoleAssignmentRefused, match="三员分立"):
        role_assign(user=_user("tz_system_admin"), role=Role.LEADERSHIP, jurisdiction=tz, actor=security)
    with pytest.raises(RoleAssignmentRefused, match="三员分立"):
        role_assign(user=_user("tz_system_admin"), role=Role.AUDIT_ADMIN, jurisdiction=tz, actor=None)
    assert AuditEntry.objects.filter(action="role.assign", outcome="denied").count() == 3
    # The same administrator role in a second jurisdiction is not a combination.
    kdl = Jurisdiction.objects.get(code="150203")
    fresh = User.objects.create(username="regional_sysadmin")
    from govit.core.otp import ensure_demo_totp_device

    ensure_demo_totp_device(fresh)  # an administrator role needs the holder's own second factor
    role_assign(user=fresh, role=Role.SYSTEM_ADMIN, jurisdiction=tz, actor=None, holder_confirmed=True)
    role_assign(user=fresh, role=Role.SYSTEM_ADMIN, jurisdiction=kdl, actor=None, holder_confirmed=True)


@pytest.mark.parametrize("actor", ["tz_system_admin", "tz_audit_admin", "tz_lead_office", "bz_security_admin"])
def test_only_the_jurisdictions_security_admin_grants_roles(actor: str) -> None:
    tz = Jurisdiction.objects.get(code="320612")
    newcomer = User.objects.create(username="newcomer")
    with pytest.raises(RoleAssignmentRefused, match="只有本行政区域的安全管理员"):
        role_assign(user=newcomer, role=Role.APPLICANT, jurisdiction=tz, actor=_user(actor))
    assignment = RoleAssignment.objects.get(user__username="tz_applicant")
    with pytest.raises(RoleAssignmentRefused):
        role_revoke(assignment=assignment, actor=_user(actor))
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_security_admin_grants_and_revokes_on_the_web_page() -> None:
    client = _client("tz_security_admin")
    User.objects.create(username="tz_new_applicant", full_name="新申报员")
    unit = Unit.objects.get(jurisdiction__code="320612", name="区民政局")
    page = client.get(reverse("accounts:roles"))
    assert page.status_code == 200 and "本辖区角色授权" in page.content.decode()
    response = client.post(reverse("accounts:roles"), {"username": "tz_new_applicant", "role": "applicant",
                                                       "unit": unit.pk})
    assert response.status_code == 302
    granted = RoleAssignment.objects.get(user__username="tz_new_applicant")
    refused = client.post(reverse("accounts:roles"), {"username": "tz_audit_admin", "role": "applicant",
                                                      "unit": unit.pk})
    assert "三员分立" in refused.content.decode()
    other_unit = Unit.objects.get(jurisdiction__code="511900", name="市教育局")
    outside = client.post(reverse("accounts:roles"), {"username": "tz_new_applicant", "role": "applicant",
                                                      "unit": other_unit.pk})
    assert outside.status_code == 200 and not RoleAssignment.objects.filter(unit=other_unit,
                                                                            user__username="tz_new_applicant")
    assert client.post(reverse("accounts:role-revoke", args=[granted.pk]), {"confirmed": "1"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=granted.pk).exists()
    foreign = RoleAssignment.objects.get(user__username="bz_applicant")
    assert client.post(reverse("accounts:role-revoke", args=[foreign.pk])).status_code == 404
    assert verify_ledger().ok


@pytest.mark.parametrize("name", ["tz_system_admin", "tz_audit_admin", "tz_lead_office", "tz_applicant"])
def test_role_page_is_for_security_admins_only(name: str) -> None:
    assert _client(name).get(reverse("accounts:roles")).status_code == 403


def test_system_admin_manages_accounts_but_not_roles() -> None:
    client = _client("kdl_system_admin")
    response = client.post(reverse("accounts:users"),
                           {"username": "kdl_new_user", "full_name": "新用户", "password": "Kx#2027-newuser"})
    assert response.status_code == 302
    user = User.objects.get(username="kdl_new_user")
    assert not RoleAssignment.objects.filter(user=user).exists()
    weak = client.post(reverse("accounts:users"), {"username": "kdl_weak", "full_name": "弱", "password": "abc"})
    assert "至少需要 8 个字符" in weak.content.decode()
    target = _user("kdl_applicant")
    disable = {"active": "0", "confirmed": "1"}
    assert client.post(reverse("accounts:user-active", args=[target.pk]), disable).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    foreign = _user("bz_applicant")
    assert client.post(reverse("accounts:user-active", args=[foreign.pk]), disable).status_code == 404
    assert client.get(reverse("accounts:roles")).status_code == 403


@pytest.mark.parametrize("name", ["tz_system_admin", "tz_security_admin", "tz_lead_office", "tz_leadership"])
def test_only_the_audit_admin_reads_the_audit_log(name: str) -> None:
    client = _client(name)
    for url in (reverse("accounts:audit"), reverse("accounts:audit-export", args=["csv"])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("accounts:audit-verify")).status_code == 403


def test_audit_admin_filters_exports_and_verifies() -> None:
    client = _client("tz_audit_admin")
    page = client.get(reverse("accounts:audit"), {"action": "role.assign", "outcome": "success"})
    assert page.status_code == 200 and "角色授权" in page.content.decode()
    bad = client.get(reverse("accounts:audit"), {"since": "31/01/2026"})
    assert "日期格式应为" in bad.content.decode()
    exported = client.get(reverse("accounts:audit-export", args=["csv"]), {"action": "role.assign"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "序号" and len(rows) > 1 and all(r[4] == "role.assign" for r in rows[1:])
    xlsx = client.get(reverse("accounts:audit-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "序号" and sheet.max_row > 1
    assert AuditEntry.objects.filter(action="audit.export", actor__username="tz_audit_admin").count() == 2
    verified = client.post(reverse("accounts:audit-verify"), follow=True).content.decode()
    assert "审计日志校验通过" in verified and "角色授权台账校验通过" in verified


def test_export_neutralises_spreadsheet_formulas() -> None:
    from govit.core.services import audit_record

    audit_record(actor=None, actor_name="=HYPERLINK(\"http://evil\")", action="test.formula")
    exported = _client("kdl_audit_admin").get(reverse("accounts:audit-export", args=["csv"]), {"action": "test."})
    assert "'=HYPERLINK" in exported.content.decode("utf-8-sig")


def test_audit_log_cannot_be_changed_through_the_application() -> None:
    from govit.core.models import AuditEntryImmutableError

    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(AuditEntryImmutableError):
        entry.save()
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.all().delete()
    from django.contrib import admin

    assert AuditEntry not in admin.site._registry or not admin.site._registry[AuditEntry].has_delete_permission(
        None
    )


BUSINESS_WEB = ["/experts/", "/experts/draws/", "/projects/", "/plans/", "/reviews/"]
BUSINESS_API = ["/api/v1/projects", "/api/v1/plans", "/api/v1/experts", "/api/v1/opinion-tasks",
                "/api/v1/supervision/dashboard"]


@pytest.mark.parametrize("role", ADMINS)
def test_administrators_reach_no_business_page_or_api(role: str) -> None:
    client = _client(f"bz_{role}")
    for url in BUSINESS_WEB:
        assert client.get(url).status_code == 403, url
    for url in BUSINESS_API:
        assert client.get(url).status_code == 403, url
    assert client.post("/api/v1/projects", "{}", content_type="application/json").status_code == 403
    assert client.get("/api/v1/me").status_code == 200
    assert client.get(reverse("web:home")).status_code == 200
    # A bearer token does not get around it either.
    _, raw = api_token_create(user=_user(f"bz_{role}"), name="test", actor=None, scope="write")
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_client.get("/api/v1/projects").status_code == 403
    assert token_client.get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="access.denied", actor__username=f"bz_{role}").exists()
