"""/api/v1: OpenAPI, /me, scoped units and users, session and bearer-token auth."""

from __future__ import annotations

import pytest
from django.test import Client

from govit.core.models import Role, Unit, User
from govit.core.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.usefixtures("demo_data")


def _client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_openapi_schema_is_published(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "govit API" and schema["info"]["version"] == "1"
    assert {"/api/v1/me", "/api/v1/units", "/api/v1/users"} <= set(schema["paths"])
    assert client.get("/api/v1/docs").status_code == 200


def test_anonymous_calls_are_refused(client) -> None:
    for path in ("/api/v1/me", "/api/v1/units", "/api/v1/users"):
        assert client.get(path).status_code == 401


def test_me_describes_the_session_user() -> None:
    body = _client_for("cj_lead_office").get("/api/v1/me").json()
    assert body["username"] == "cj_lead_office"
    assert body["roles"] == [
        {
            "role": "lead_office",
            "role_label": "领导小组办公室",
            "jurisdiction": body["roles"][0]["jurisdiction"],
            "unit": "州数字化发展局",
        }
    ]
    assert body["roles"][0]["jurisdiction"]["pack_ids"] == ["changji-2025"]


def test_units_and_users_are_scoped_to_the_callers_jurisdiction() -> None:
    client = _client_for("kdl_applicant")
    page = client.get("/api/v1/units?limit=200").json()
    units = page["items"]
    assert page["count"] == len(units) and page["next"] is None
    assert {u["jurisdiction_name"] for u in units} == {"包头市昆都仑区"}
    assert len(units) == Unit.objects.filter(jurisdiction__code="150203").count()
    assert "区区域社会治理现代化指挥中心" not in {u["name"] for u in units}
    users = client.get("/api/v1/users?limit=200").json()["items"]
    assert {u["username"] for u in users} == {f"kdl_{r}" for r in Role.values}


def test_bearer_token_authenticates_until_revoked(client) -> None:
    owner = User.objects.get(username="tz_system_admin")
    token, raw = api_token_create(user=owner, name="数据共享平台对接", actor=owner, scope="write")
    assert raw.startswith("gvt_") and raw not in token.digest
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get("/api/v1/units", **headers)
    assert response.status_code == 200
    assert {u["jurisdiction_name"] for u in response.json()["items"]} == {"南通市通州区"}
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer gvt_forged").status_code == 401
    api_token_revoke(token=token, actor=owner)
    assert client.get("/api/v1/me", **headers).status_code == 401
