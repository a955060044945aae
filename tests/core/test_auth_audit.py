"""Sign-in, sign-out and failed sign-in are audited; repeated failures lock the account (axes)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from govit.core.audit import verify_chain
from govit.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("demo_data")


def _login(client, username: str, password: str):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_login_and_logout_are_audited(client, demo_password: str) -> None:
    response = _login(client, "bz_applicant", demo_password)
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="auth.login").latest("seq")
    assert entry.actor.username == "bz_applicant" and entry.outcome == "success"
    assert entry.source_ip == "127.0.0.1"
    client.post(reverse("web:logout"))
    assert AuditEntry.objects.filter(action="auth.logout", actor__username="bz_applicant").exists()
    assert verify_chain().ok


def test_failed_login_is_audited_without_the_password(client) -> None:
    response = _login(client, "bz_applicant", "wrong-password")
    assert response.status_code == 200
    assert "请联系本单位系统管理员" in response.content.decode()
    entry = AuditEntry.objects.filter(action="auth.login_failed").latest("seq")
    assert entry.actor is None and entry.actor_name == "bz_applicant" and entry.outcome == "failure"
    assert "wrong-password" not in str(entry.details)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_five_failures_lock_the_account(client, demo_password: str) -> None:
    for _ in range(5):
        _login(client, "tz_expert", "wrong-password")
    response = _login(client, "tz_expert", demo_password)
    assert response.status_code == 429
    assert "已临时锁定" in response.content.decode()
    last = AuditEntry.objects.filter(action="auth.login_failed").latest("seq")
    assert last.outcome == "denied"
    # Another account is unaffected.
    assert _login(client, "tz_applicant", demo_password).status_code == 302
