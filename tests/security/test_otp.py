"""TOTP second factor: mandatory for the three administrators and the lead office, optional for others."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from govit.core import otp
from govit.core.demo import demo_logins
from govit.core.models import AuditEntry, User
from govit.core.services import RoleAssignmentRefused

from .conftest import enter_demo_code, password_login

pytestmark = pytest.mark.usefixtures("demo_data", "otp_on")
MANDATORY = ("system_admin", "security_admin", "audit_admin", "lead_office")


def test_mandatory_role_must_enter_the_code_before_anything(client, demo_password) -> None:
    response = password_login(client, "tz_lead_office", demo_password)
    assert response.status_code == 302
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:otp-verify"))
    assert client.get("/api/v1/me").status_code == 403
    page = client.get(home.url).content.decode()
    assert "动态口令" in page
    wrong = client.post(reverse("accounts:otp-verify"), {"token": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="otp.verify", outcome="failure").exists()
    # Brute force of the code is throttled: right after a failure even the right code is refused.
    assert "尝试次数过多" in enter_demo_code(client, "tz_lead_office").content.decode()
    TOTPDevice.objects.filter(user__username="tz_lead_office").update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    assert enter_demo_code(client, "tz_lead_office").status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="otp.verify", outcome="success", actor__username="tz_lead_office").exists()


def test_malformed_code_gets_a_chinese_message(client, demo_password) -> None:
    password_login(client, "bz_audit_admin", demo_password)
    page = client.post(reverse("accounts:otp-verify"), {"token": "12ab"}).content.decode()
    assert "动态口令为 6 位数字。" in page


@pytest.mark.parametrize("login", demo_logins(), ids=lambda d: d.username)
def test_every_demo_login_reaches_home_with_otp_enforced(login) -> None:
    client = Client()
    assert password_login(client, login.username, login.password).status_code == 302
    response = client.get(reverse("web:home"))
    if login.role in MANDATORY:
        assert response.status_code == 302 and reverse("accounts:otp-verify") in response.url
        assert enter_demo_code(client, login.username).status_code == 302
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert login.role_label in response.content.decode()


def test_optional_user_can_enrol_and_is_then_asked(client, demo_password) -> None:
    password_login(client, "kdl_applicant", demo_password)
    assert client.get(reverse("web:home")).status_code == 200  # optional: not asked
    page = client.get(reverse("accounts:otp-setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page  # QR code inline, no external service
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{TOTP(key).token():06d}"
    assert client.post(reverse("accounts:otp-setup"), {"token": code}).status_code == 302
    assert TOTPDevice.objects.filter(user__username="kdl_applicant", confirmed=True).count() == 1
    client.post(reverse("web:logout"))
    password_login(client, "kdl_applicant", demo_password)
    assert client.get(reverse("web:home")).status_code == 302  # now the code is asked


def test_mandatory_user_without_device_is_sent_to_enrolment(client, demo_password) -> None:
    TOTPDevice.objects.filter(user__username="cj_security_admin").delete()
    password_login(client, "cj_security_admin", demo_password)
    verify = client.get(reverse("web:home"))
    setup = client.get(verify.url)
    assert setup.status_code == 302 and setup.url.startswith(reverse("accounts:otp-setup"))
    assert "必须使用动态口令" in client.get(setup.url).content.decode()


def test_security_admin_resets_a_lost_device_and_it_is_audited() -> None:
    target = User.objects.get(username="tz_lead_office")
    with pytest.raises(RoleAssignmentRefused):
        otp.otp_reset(user=target, actor=User.objects.get(username="tz_system_admin"))
    with pytest.raises(RoleAssignmentRefused):  # another jurisdiction's security admin
        otp.otp_reset(user=target, actor=User.objects.get(username="bz_security_admin"))
    assert otp.otp_reset(user=target, actor=User.objects.get(username="tz_security_admin")) == 1
    assert not TOTPDevice.objects.filter(user=target).exists()
    entry = AuditEntry.objects.filter(action="otp.reset").latest("seq")
    assert entry.outcome == "success" and entry.actor.username == "tz_security_admin"
    assert AuditEntry.objects.filter(action="otp.reset", outcome="denied").count() == 2


def test_reset_from_the_web_page(settings) -> None:
    settings.GOVIT_DEMO_SKIP_OTP = True
    client = Client()
    client.force_login(User.objects.get(username="kdl_security_admin"))
    target = User.objects.get(username="kdl_lead_office")
    response = client.post(reverse("accounts:user-otp-reset", args=[target.pk]), {"confirmed": "1"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()


def test_demo_code_command_only_for_demo_devices(capsys) -> None:
    call_command("otp", "code", "tz_audit_admin")
    assert re.fullmatch(r"\d{6}\s*", capsys.readouterr().out)
    user = User.objects.get(username="tz_applicant")
    TOTPDevice.objects.create(user=user, name="real", confirmed=True)
    with pytest.raises(Exception, match="公开演示密钥"):
        call_command("otp", "code", "tz_applicant")


def test_production_refuses_the_otp_skip() -> None:
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 60, "GOVIT_DEMO_SKIP_OTP": "1",
           "DJANGO_SETTINGS_MODULE": "govit.settings.production"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=60, check=False,
    )
    assert result.returncode != 0 and "GOVIT_DEMO_SKIP_OTP" in result.stderr
