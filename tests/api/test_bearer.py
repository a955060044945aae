"""System-to-system calls: a bearer token alone (no cookie, no CSRF token) can write; a browser session
still needs its CSRF token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govit.core.models import User

pytestmark = pytest.mark.usefixtures("world")


def test_a_bearer_post_needs_no_csrf_token(token_api: Any) -> None:
    client = token_api("tz_applicant").client
    response = client.post("/api/v1/projects", json.dumps({"name": "令牌新建的项目"}), content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_session_post_without_its_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="tz_applicant"))
    response = client.post("/api/v1/projects", json.dumps({"name": "x"}), content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
