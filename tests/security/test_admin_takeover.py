"""No administrator can become another (等保 2.0 8.1.4.2 c) 管理用户最小权限、权限分离;
8.1.4.1 a)/d) 身份鉴别; GB/T 39786 8.4 访问控制信息完整性).

The attack: the system administrator opens an account, sets its initial password, has the security
administrator make it the audit administrator, signs in first and enrols the TOTP — and so holds two
of the three administrator roles. Each test performs one step of it and sees it fail.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govit.core import otp
from govit.core.account_services import password_reset, role_grant_confirm, role_grant_request
from govit.core.models import AuditEntry, Jurisdiction, Role, RoleAssignment, RoleGrantRequest, User
from govit.core.role_ledger import verify_ledger
from govit.core.services import RoleAssignmentRefused, role_assign, user_create
from govit.notifications.models import Notification
from govit.notifications.services import notify

from .conftest import password_login

pytestmark = pytest.mark.usefixtures("demo_data")
INITIAL = "Initial#Pass2026x"
OWN = "Own#Chosen2027y"


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _tz() -> Jurisdiction:
    return Jurisdiction.objects.get(code="320612")


def _new_account(name: str = "zhang_audit") -> User:
    return user_create(username=name, full_name="张审计", password=INITIAL, actor=_user("tz_system_admin"))


def _own_password_and_device(user: User) -> Any:
    user.set_password(OWN)
    user.must_change_password = False
    user.save()
    device = otp.start_enrolment(user)
    device.confirmed = True
    device.save()
    return device


def test_an_initial_password_only_opens_the_password_change_page() -> None:
    created = _new_account()
    assert created.must_change_password
    client = Client()
    assert password_login(client, "zhang_audit", INITIAL).status_code == 302
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and home.url == reverse("accounts:password-change")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    changed = client.post(reverse("accounts:password-change"),
                          {"old_password": INITIAL, "new_password1": OWN, "new_password2": OWN})
    assert changed.status_code == 302
    assert not _user("zhang_audit").must_change_password
    assert client.get("/api/v1/me").status_code == 200


def test_an_administrator_role_is_refused_while_the_initial_password_is_in_use() -> None:
    created = _new_account()
    with pytest.raises(RoleAssignmentRefused, match="初始密码"):
        role_grant_request(user=created, role=Role.AUDIT_ADMIN, jurisdiction=_tz(), unit=None,
                           actor=_user("tz_security_admin"))
    assert AuditEntry.objects.filter(action="role.grant_request", outcome="denied").exists()


def test_an_administrator_role_is_refused_without_the_holders_own_second_factor() -> None:
    created = _new_account()
    created.set_password(OWN)
    created.must_change_password = False
    created.save()
    with pytest.raises(RoleAssignmentRefused, match="动态口令"):
        role_grant_request(user=created, role=Role.AUDIT_ADMIN, jurisdiction=_tz(), unit=None,
                           actor=_user("tz_security_admin"))


def test_the_grant_takes_effect_only_when_the_holder_confirms_with_their_code() -> None:
    created = _new_account()
    device = _own_password_and_device(created)
    security = _user("tz_security_admin")
    # The security administrator can not grant the role outright …
    with pytest.raises(RoleAssignmentRefused, match="本人用动态口令确认"):
        role_assign(user=created, role=Role.AUDIT_ADMIN, jurisdiction=_tz(), actor=security)
    # … the roles page turns it into an offer.
    page = Client()
    page.force_login(security)
    response = page.post(reverse("accounts:roles"), {"username": "zhang_audit", "role": Role.AUDIT_ADMIN})
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=created, role=Role.AUDIT_ADMIN).exists()
    offer = RoleGrantRequest.objects.get(user=created, role=Role.AUDIT_ADMIN, status="pending")
    # Somebody else (the system administrator who knows the initial password) can not confirm it.
    with pytest.raises(RoleAssignmentRefused, match="本人"):
        role_grant_confirm(offer=offer, user=_user("tz_system_admin"), token=otp.current_code(device))
    other = Client()
    other.force_login(_user("tz_system_admin"))
    assert other.post(reverse("accounts:grants"), {"offer": offer.pk, "token": "123456"}).status_code == 404
    # A wrong code does nothing.
    holder = Client()
    holder.force_login(created)
    wrong = holder.post(reverse("accounts:grants"), {"offer": offer.pk, "token": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    assert not RoleAssignment.objects.filter(user=created, role=Role.AUDIT_ADMIN).exists()
    device.refresh_from_db()
    device.throttle_reset()  # the failure throttles the next attempt for a moment (django-otp)
    ok = holder.post(reverse("accounts:grants"), {"offer": offer.pk, "token": otp.current_code(device)})
    assert ok.status_code == 302
    assert RoleAssignment.objects.filter(user=created, role=Role.AUDIT_ADMIN).exists()
    assert verify_ledger().ok
    assert AuditEntry.objects.filter(action="role.grant_confirm", outcome="success").exists()


def test_the_command_line_grant_of_an_administrator_role_is_also_only_an_offer(capsys: Any) -> None:
    from django.core.management import call_command

    created = _new_account()
    _own_password_and_device(created)
    call_command("roles", "grant", "zhang_audit", Role.SECURITY_ADMIN, "320612")
    assert "本人" in capsys.readouterr().out
    assert not RoleAssignment.objects.filter(user=created).exists()
    assert RoleGrantRequest.objects.filter(user=created, status="pending").exists()


def test_a_password_reset_gives_a_one_time_password_and_keeps_the_second_factor() -> None:
    sysadmin = _user("tz_system_admin")
    client = Client()
    client.force_login(sysadmin)
    target = _user("tz_applicant")
    confirm = client.get(reverse("accounts:user-password-reset", args=[target.pk]))
    assert confirm.status_code == 200 and "确认重置密码" in confirm.content.decode()
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()  # GET changes nothing
    shown = client.post(reverse("accounts:user-password-reset", args=[target.pk]))
    password = shown.content.decode().split('class="token-once">')[1].split("<")[0]
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(password)
    assert AuditEntry.objects.filter(action="user.password_reset", outcome="success").exists()
    signed_in = Client()
    password_login(signed_in, "tz_applicant", password)
    assert signed_in.get(reverse("web:home")).url == reverse("accounts:password-change")


def test_a_password_reset_can_not_hand_over_an_administrator_without_a_second_factor() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    victim = _user("tz_audit_admin")
    TOTPDevice.objects.filter(user=victim).delete()
    with pytest.raises(RoleAssignmentRefused, match="动态口令"):
        password_reset(user=victim, actor=_user("tz_system_admin"))
    with pytest.raises(RoleAssignmentRefused):
        password_reset(user=_user("bz_applicant"), actor=_user("tz_system_admin"))  # other jurisdiction
    with pytest.raises(RoleAssignmentRefused):
        password_reset(user=_user("tz_applicant"), actor=_user("tz_security_admin"))  # not the system admin


def test_the_security_admin_unlocks_a_locked_account_after_a_confirm_step(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    AccessAttempt.objects.create(username="tz_applicant", ip_address="10.0.0.9", user_agent="x",
                                 failures_since_start=7, attempt_time=timezone.now(), get_data="", post_data="")
    target = _user("tz_applicant")
    sysadmin = Client()
    sysadmin.force_login(_user("tz_system_admin"))
    assert sysadmin.post(reverse("accounts:user-unlock", args=[target.pk])).status_code == 403
    foreign = Client()
    foreign.force_login(_user("bz_security_admin"))
    assert foreign.post(reverse("accounts:user-unlock", args=[target.pk])).status_code == 404
    assert AccessAttempt.objects.filter(username="tz_applicant").exists()
    security = Client()
    security.force_login(_user("tz_security_admin"))
    assert "tz_applicant" in security.get(reverse("accounts:roles")).content.decode()
    assert "确认解锁" in security.get(reverse("accounts:user-unlock", args=[target.pk])).content.decode()
    security.post(reverse("accounts:user-unlock", args=[target.pk]))
    assert not AccessAttempt.objects.filter(username="tz_applicant").exists()
    assert AuditEntry.objects.filter(action="user.unlock", outcome="success").exists()


def test_administrators_receive_no_business_notifications() -> None:
    admins = [_user(f"tz_{r}") for r in ("system_admin", "security_admin", "audit_admin")]
    rows = notify(users=[*admins, _user("tz_applicant")], project=None, text="【单位限制】测试")
    assert [n.user.username for n in rows] == ["tz_applicant"]
    assert not Notification.objects.filter(user__in=admins).exists()


def test_the_django_admin_is_not_served_under_production_settings() -> None:
    code = ("import django; django.setup(); from django.urls import resolve, Resolver404\n"
            "try:\n    resolve('/admin/'); print('served')\nexcept Resolver404:\n    print('absent')")
    env = {"DJANGO_SETTINGS_MODULE": "govit.settings.production", "SECRET_KEY": "x" * 60,
           "DATABASE_URL": "sqlite:///:memory:", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.stdout.strip() == "absent", out.stderr[-2000:]


def test_the_django_admin_requires_the_second_factor_and_audits_every_write() -> None:
    boss = User.objects.create_superuser("emergency", password=OWN)
    client = Client()
    client.force_login(boss)
    # Signed in with the password only: the admin treats the user as not staff.
    assert client.get("/admin/").status_code == 302
    assert client.post("/admin/core/jurisdiction/add/", {"code": "999999", "name": "伪造区",
                                                         "level": "district", "pack_ids": "[]"}).status_code == 302
    assert not Jurisdiction.objects.filter(code="999999").exists()
    assert AuditEntry.objects.filter(action="admin.write", outcome="denied").exists()
    device = otp.start_enrolment(boss)
    device.confirmed = True
    device.save()
    client.post(reverse("accounts:otp-verify"), {"token": otp.current_code(device)})
    assert client.get("/admin/").status_code == 200
    client.post("/admin/core/jurisdiction/add/", {"code": "999999", "name": "应急新增区", "level": "district",
                                                  "pack_ids": "[]"})
    assert Jurisdiction.objects.filter(code="999999").exists()
    entry = AuditEntry.objects.filter(action="admin.write", outcome="success").latest("seq")
    assert entry.actor == boss and entry.details["changes"][0]["object_id"]


def test_the_audit_admin_reads_only_their_own_jurisdictions_entries() -> None:
    from govit.core.services import audit_record

    audit_record(actor=_user("bz_applicant"), action="project.update", details={"marker": "bazhong-only"})
    audit_record(actor=_user("tz_applicant"), action="project.update", details={"marker": "tongzhou-only"})
    bazhong = AuditEntry.objects.filter(details__marker="bazhong-only").get()
    assert bazhong.jurisdiction_code == "511900"
    client = Client()
    client.force_login(_user("tz_audit_admin"))
    page = client.get(reverse("accounts:audit"), {"q": "applicant"}).content.decode()
    assert "tz_applicant" in page and "bz_applicant" not in page
    export = client.get(reverse("accounts:audit-export", args=["csv"])).content.decode("utf-8")
    assert "tongzhou-only" in export and "bazhong-only" not in export
    # The tag is covered by the entry's HMAC: re-tagging by SQL breaks the chain.
    from govit.core.audit import entry_hash_of

    assert entry_hash_of(bazhong) == bazhong.entry_hash
    bazhong.jurisdiction_code = "320612"
    assert entry_hash_of(bazhong) != bazhong.entry_hash
