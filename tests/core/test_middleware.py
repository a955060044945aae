"""Absolute session lifetime on top of the idle timeout."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from govit.core.middleware import SESSION_STARTED_KEY
from govit.core.models import User

pytestmark = pytest.mark.usefixtures("demo_data")


def test_session_older_than_the_absolute_limit_is_ended(client, settings) -> None:
    settings.GOVIT_SESSION_ABSOLUTE_SECONDS = 3600
    client.force_login(User.objects.get(username="kdl_applicant"))
    assert client.get(reverse("web:home")).status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 3601
    session.save()
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    page = client.get(response.url).content.decode()
    assert "登录已超过最长有效时间，请重新登录。" in page
