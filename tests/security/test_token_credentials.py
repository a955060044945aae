"""Bearer tokens are real credentials (等保 2.0 8.1.4.1 a)/d) 身份鉴别, 8.1.4.2 访问控制;
GB/T 39786 8.4 身份鉴别). Each test replays a token in a way that must not work and sees it refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govit.core import otp
from govit.core.models import ApiToken, AuditEntry, User
from govit.core.services import TokenRefused, api_token_create, user_set_active

from .conftest import enter_demo_code, password_login

pytestmark = pytest.mark.usefixtures("demo_data")


def _bearer(raw: str, **extra: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", enforce_csrf_checks=True, **extra)


def _me(raw: str) -> int:
    return _bearer(raw).get("/api/v1/me").status_code


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _post_project(client: Client) -> Any:
    return client.post("/api/v1/projects", json.dumps({"name": "令牌测试项目"}), content_type="application/json")


def test_a_bearer_post_needs_no_csrf_even_beside_a_session_cookie() -> None:
    _, raw = api_token_create(user=_user("tz_applicant"), name="对接", actor=None, scope="write")
    client = _bearer(raw)
    # A stale browser session cookie travels with the request (same host): the token alone decides.
    session = Client()
    session.force_login(_user("tz_applicant"))
    client.cookies = session.cookies
    response = _post_project(client)
    assert response.status_code == 201, response.content


def test_a_read_token_can_not_write() -> None:
    _, raw = api_token_create(user=_user("tz_applicant"), name="只读对接", actor=None)
    assert _me(raw) == 200
    response = _post_project(_bearer(raw))
    assert response.status_code == 403 and response.json()["code"] == "token_read_only"


def test_tokens_expire_by_default_after_the_configured_days(settings: Any) -> None:
    settings.GOVIT_API_TOKEN_DAYS = 30
    token, raw = api_token_create(user=_user("tz_applicant"), name="对接", actor=None)
    assert abs((token.expires_at - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(raw) == 401
    with pytest.raises(ValueError, match="有效期"):
        api_token_create(user=_user("tz_applicant"), name="对接", actor=None, days=10_000)


def test_a_password_change_kills_every_token() -> None:
    owner = _user("tz_applicant")
    _, raw = api_token_create(user=owner, name="对接", actor=None)
    assert _me(raw) == 200
    owner.set_password("Another#Secret2027")
    owner.save()
    assert _me(raw) == 401
    assert AuditEntry.objects.filter(action="api_token.revoke_all", details__reason="password_changed").exists()


def test_a_password_changed_behind_the_services_back_still_kills_the_token() -> None:
    owner = _user("tz_applicant")
    token, raw = api_token_create(user=owner, name="对接", actor=None)
    # Even if the token row were not revoked (e.g. restored from a backup), it is older than the password.
    User.objects.filter(pk=owner.pk).update(password_changed_at=timezone.now())
    ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert _me(raw) == 401


def test_deactivation_kills_tokens_for_good() -> None:
    admin = _user("tz_system_admin")
    owner = _user("tz_applicant")
    _, raw = api_token_create(user=owner, name="对接", actor=None)
    user_set_active(user=owner, active=False, actor=admin)
    assert _me(raw) == 401
    user_set_active(user=owner, active=True, actor=admin)
    assert _me(raw) == 401  # re-enabling the account does not revive the old token


def test_an_expired_password_refuses_the_token(settings: Any) -> None:
    owner = _user("tz_applicant")
    _, raw = api_token_create(user=owner, name="对接", actor=None)
    settings.GOVIT_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=owner.pk).update(password_changed_at=timezone.now() - timedelta(days=200))
    ApiToken.objects.filter(user=owner).update(created_at=timezone.now() - timedelta(days=150))
    response = _bearer(raw).get("/api/v1/me")
    assert response.status_code == 403 and response.json()["code"] == "password_expired"
    with pytest.raises(TokenRefused, match="密码已过期"):
        api_token_create(user=_user("tz_applicant"), name="对接", actor=None)


def test_a_one_time_password_account_gets_no_token_and_its_tokens_are_refused() -> None:
    owner = _user("tz_applicant")
    _, raw = api_token_create(user=owner, name="对接", actor=None)
    User.objects.filter(pk=owner.pk).update(must_change_password=True)
    response = _bearer(raw).get("/api/v1/me")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    with pytest.raises(TokenRefused):
        api_token_create(user=_user("tz_applicant"), name="对接", actor=None)


def test_nobody_issues_a_token_for_someone_else() -> None:
    with pytest.raises(TokenRefused, match="本人"):
        api_token_create(user=_user("tz_lead_office"), name="冒用", actor=_user("tz_system_admin"))
    assert not ApiToken.objects.filter(user__username="tz_lead_office").exists()


@pytest.mark.usefixtures("otp_on")
def test_second_factor_roles_get_tokens_only_from_a_session_that_passed_it(demo_password: str) -> None:
    with pytest.raises(TokenRefused, match="动态口令"):
        api_token_create(user=_user("tz_lead_office"), name="对接", actor=_user("tz_lead_office"))
    client = Client()
    password_login(client, "tz_lead_office", demo_password)
    # Before the code: the page itself is closed (second-factor middleware).
    assert client.post(reverse("accounts:tokens"), {"name": "x", "scope": "read", "days": 30}).status_code == 302
    assert not ApiToken.objects.filter(user__username="tz_lead_office").exists()
    enter_demo_code(client, "tz_lead_office")
    page = client.post(reverse("accounts:tokens"), {"name": "数据平台", "scope": "write", "days": 30})
    token = ApiToken.objects.get(user__username="tz_lead_office")
    text = page.content.decode()
    raw = text.split('class="token-once">')[1].split("<")[0]
    assert raw.startswith("gvt_") and token.scope == "write"
    # Shown once: the list never shows it again.
    assert raw not in client.get(reverse("accounts:tokens")).content.decode()
    assert _me(raw) == 200


@pytest.mark.usefixtures("otp_on")
def test_cli_issue_needs_the_holders_code_for_second_factor_roles(capsys: Any) -> None:
    with pytest.raises(CommandError, match="动态口令"):
        call_command("tokens", "issue", "tz_lead_office", "--days", "30")
    device = otp.confirmed_device(_user("tz_lead_office"))
    call_command("tokens", "issue", "tz_lead_office", "--days", "30", "--scope", "write",
                 "--otp-code", otp.current_code(device), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["token"].startswith("gvt_") and out["scope"] == "write"
    assert _me(out["token"]) == 200
    call_command("tokens", "revoke", str(out["id"]))
    assert _me(out["token"]) == 401


def test_cli_bad_input_is_a_chinese_message() -> None:
    with pytest.raises(CommandError, match="--days"):
        call_command("tokens", "issue", "tz_applicant", "--days", "abc")
    with pytest.raises(CommandError, match="不存在"):
        call_command("tokens", "issue", "nobody", "--days", "3")
