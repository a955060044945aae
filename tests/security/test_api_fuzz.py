"""Schemathesis over /api/v1/openapi.json, through the WSGI app in-process, as a signed-in lead office
user: no operation may answer 5xx, whatever the input, and every answer is one the operation documents —
its status, its content type and its body's schema (bounded: a few examples per operation)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from govit.core.models import User

MAX_EXAMPLES = 10


@contextmanager
def kept_test_connection() -> Iterator[None]:
    """Around one WSGI call, as Django's test client does: the handler's request signals would close the
    test transaction's connection (PostgreSQL; SQLite's in-memory test database ignores close())."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(demo_data: None, tmp_path: Any, settings: Any) -> Any:
    from govit.wsgi import application

    settings.MEDIA_ROOT = tmp_path
    # django-ninja emits OpenAPI 3.1; schemathesis 3.x fully supports 3.0 and reads this one as such.
    with kept_test_connection():
        return schemathesis.from_wsgi("/api/v1/openapi.json", application, force_schema_version="30")


@pytest.fixture
def session_cookies(demo_data: None) -> dict[str, str]:
    client = Client()
    client.force_login(User.objects.get(username="tz_lead_office"))
    client.get("/home/")  # sets the CSRF cookie
    session = client.cookies["sessionid"].value
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return {"sessionid": session, "csrftoken": csrf}


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, session_cookies: dict[str, str]) -> None:
    case.cookies = {**(case.cookies or {}), **session_cookies}
    headers = {"X-CSRFToken": session_cookies["csrftoken"], "Referer": "http://localhost/"}
    with kept_test_connection():
        response = case.call_wsgi(headers=headers)
    case.validate_response(response, checks=(not_a_server_error, status_code_conformance, content_type_conformance,
                                             response_schema_conformance))
    if case.path == "/api/v1/me":
        assert response.status_code == 200, "the fuzzer must run signed in, or it only sees 401"
