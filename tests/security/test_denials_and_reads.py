"""Denials and reads are audited (等保 2.0 8.1.4.3 安全审计 a–b); the source address is right behind
a proxy; lockout counts per (username, address) (8.1.4.1 b 登录失败处理)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from govit.core.models import AuditEntry, User
from govit.core.net import client_ip
from tests.projects.conftest import Api, drive_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo_data: None, settings: Any, tmp_path: Any) -> None:
    from govit.projects.demo import ensure_reviewer_accounts

    settings.MEDIA_ROOT = tmp_path
    ensure_reviewer_accounts()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _signed_in(username: str, ip: str = "203.0.113.7") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(User.objects.get(username=username))
    return client


def test_another_jurisdictions_project_is_a_recorded_denial(world: None) -> None:
    project = drive_to("tongzhou-2023", "draft")
    intruder = _signed_in("kdl_lead_office")
    assert intruder.get(f"/projects/{project.pk}/").status_code == 404
    assert intruder.get(f"/api/v1/projects/{project.pk}").status_code == 404
    denials = AuditEntry.objects.filter(action="access.denied", actor=User.objects.get(username="kdl_lead_office"))
    assert denials.count() == 2
    entry = denials.latest("seq")
    assert entry.outcome == "denied" and entry.source_ip == "203.0.113.7"
    assert entry.details["objects"] == {"project_id": str(project.pk)}


def test_another_jurisdictions_expert_and_draw_are_recorded(world: None) -> None:
    intruder = _signed_in("kdl_lead_office")
    assert intruder.get("/api/v1/experts/999999").status_code == 404
    assert intruder.get("/experts/draws/999999/").status_code == 404
    paths = list(AuditEntry.objects.filter(action="access.denied").values_list("details__path", flat=True))
    assert "/api/v1/experts/999999" in paths and "/experts/draws/999999/" in paths


@override_settings(GOVIT_DENIAL_AUDIT_LIMIT=3, GOVIT_DENIAL_AUDIT_WINDOW=600)
def test_denials_are_throttled_per_user(world: None) -> None:
    scanner = _signed_in("kdl_lead_office")
    for pk in range(900000, 900010):
        assert scanner.get(f"/api/v1/projects/{pk}").status_code == 404
    mine = AuditEntry.objects.filter(action="access.denied")
    assert mine.count() == 3
    assert "suppressed_after" in mine.latest("seq").details
    # Another user's quota is their own.
    assert _signed_in("bz_lead_office").get("/api/v1/projects/900001").status_code == 404
    assert mine.count() == 4


def test_material_and_application_form_downloads_are_recorded(world: None) -> None:
    project = drive_to("tongzhou-2023", "draft")
    applicant = Api("tz_applicant")
    material = applicant.upload(project.pk, "proposal")
    applicant.client.defaults["REMOTE_ADDR"] = "198.51.100.4"
    assert applicant.client.get(f"/api/v1/projects/{project.pk}/materials/{material['id']}/download"
                                ).status_code == 200
    assert applicant.client.get(f"/projects/{project.pk}/application-form.docx").status_code == 200
    reads = AuditEntry.objects.filter(action__in=("material.download", "project.application_form_download"))
    assert {"material.download", "project.application_form_download"} <= set(reads.values_list("action", flat=True))
    assert set(reads.values_list("source_ip", flat=True)) == {"198.51.100.4"}


# --- the source address behind a proxy ------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(settings: Any) -> None:
    settings.GOVIT_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.9", "10.0.0.1")) == "203.0.113.9"


def test_rightmost_untrusted_hop_is_the_client(settings: Any) -> None:
    settings.GOVIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The attacker sends "X-Forwarded-For: 1.2.3.4"; the proxy appends the real peer address.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 203.0.113.50")) == "203.0.113.50"
    # Two trusted proxy hops in a row are skipped.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 203.0.113.50, 10.1.1.1")) == "203.0.113.50"
    # A request that does not come from a trusted proxy: its header is not believed.
    assert client_ip(_request("203.0.113.77", "1.2.3.4")) == "203.0.113.77"
    # Garbage in the chain stops the walk at the proxy.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, not-an-ip")) == "10.0.0.2"


# --- lockout per (username, address) ---------------------------------------------------------


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("web:login"), {"username": username, "password": password})


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, GOVIT_DEMO_SKIP_OTP=True)
def test_an_attacker_can_not_lock_the_administrator_out(demo_data: None, demo_password: str) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(6):
        _login(attacker, "tz_security_admin", "wrong-password")
    # Locked for the attacker's address, even with the right password …
    assert _login(attacker, "tz_security_admin", demo_password).status_code == 429
    # … while the administrator signs in from their own desk.
    assert _login(Client(REMOTE_ADDR="192.0.2.10"), "tz_security_admin", demo_password).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, GOVIT_LOGIN_IP_FAILURE_LIMIT=8,
                   GOVIT_DEMO_SKIP_OTP=True)
def test_one_address_spraying_many_usernames_is_locked(demo_data: None, demo_password: str) -> None:
    sprayer = Client(REMOTE_ADDR="203.0.113.99")
    for name in ("tz_applicant", "tz_expert", "tz_lead_office", "tz_leadership"):
        for _ in range(2):
            _login(sprayer, name, "wrong-password")
    # Eight failures from this address over four names: the address is locked, whatever the name.
    assert _login(sprayer, "tz_system_admin", demo_password).status_code == 429
    assert _login(Client(REMOTE_ADDR="192.0.2.11"), "tz_applicant", demo_password).status_code == 302
