"""Idle timeout and absolute session lifetime, with a notice on the login page (time travel by patching)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import User

pytestmark = pytest.mark.usefixtures("demo_data")


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("web:home")).status_code == 200
    return client


def _at(seconds_from_now: float):
    return mock.patch("govit.core.middleware.time.time", return_value=time.time() + seconds_from_now)


def test_idle_session_ends_with_a_notice(settings) -> None:
    settings.GOVIT_SESSION_IDLE_SECONDS = 15 * 60
    client = _signed_in("kdl_expert")
    with _at(14 * 60):
        assert client.get(reverse("web:home")).status_code == 200  # activity renews the idle clock
    with _at(28 * 60):
        assert client.get(reverse("web:home")).status_code == 200
    with _at(28 * 60 + 15 * 60 + 5):
        response = client.get(reverse("web:home"))
        assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
        page = client.get(response.url).content.decode()
    assert "由于长时间未操作，您已自动退出登录" in page


def test_absolute_lifetime_ends_an_active_session(settings) -> None:
    settings.GOVIT_SESSION_IDLE_SECONDS = 15 * 60
    settings.GOVIT_SESSION_ABSOLUTE_SECONDS = 3600
    client = _signed_in("kdl_leadership")
    for minute in (10, 20, 30, 40, 50, 59):
        with _at(minute * 60):
            assert client.get(reverse("web:home")).status_code == 200
    with _at(61 * 60):
        response = client.get(reverse("web:home"))
        assert response.status_code == 302
        assert "登录已超过最长有效时间" in client.get(response.url).content.decode()


def test_api_session_also_times_out(settings) -> None:
    settings.GOVIT_SESSION_IDLE_SECONDS = 60
    client = _signed_in("bz_expert")
    assert client.get("/api/v1/me").status_code == 200
    with _at(120):
        assert client.get("/api/v1/me").status_code == 401


def test_defaults() -> None:
    from django.conf import settings

    assert settings.GOVIT_SESSION_IDLE_SECONDS == 15 * 60
    assert settings.GOVIT_SESSION_ABSOLUTE_SECONDS == 8 * 3600
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_a_page_view_does_not_write_the_session_until_the_touch_interval(settings) -> None:
    """The idle clock is renewed at most once a minute: page views in between commit nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from govit.core.middleware import touch_interval

    settings.GOVIT_SESSION_IDLE_SECONDS = 15 * 60
    assert touch_interval(15 * 60) == 60 and touch_interval(60) == 6
    client = _signed_in("kdl_expert")
    with _at(5), CaptureQueriesContext(connection) as quiet:
        assert client.get(reverse("web:home")).status_code == 200
    assert not [q for q in quiet.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    with _at(61), CaptureQueriesContext(connection) as touched:
        assert client.get(reverse("web:home")).status_code == 200
    assert [q for q in touched.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    # 14 minutes after the touch at 61 s: still signed in (the idle clock moved then).
    with _at(61 + 14 * 60):
        assert client.get(reverse("web:home")).status_code == 200
