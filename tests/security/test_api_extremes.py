"""Every API operation with numeric extremes and hostile text: never a 5xx (等保 8.1.4.4 入侵防范).

Schemathesis (test_api_fuzz.py) samples inputs that fit the schema; this walks every operation of the
OpenAPI document and fills every number and integer — body, query and path — with each extreme
(1e20, 1e300, -1e300, 2**64, NaN, Infinity as the JSON literals a client can send) and every string
with NUL, a lone surrogate and a bidi override, as the signed-in lead office. The answer may be a
refusal (4xx); it must never be a server error.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from govit.core.models import User

pytestmark = pytest.mark.django_db

EXTREMES: list[Any] = [1e20, 1e300, -1e300, 2**64, float("nan"), float("inf")]
HOSTILE = "x\x00\ud800\u202e" + "长" * 30


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _fill(schema: dict[str, Any], node: dict[str, Any], number: Any, depth: int = 0) -> Any:
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"] or node[key]
            return _fill(schema, options[0], number, depth)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth > 3:
            return {}
        return {name: _fill(schema, sub, number, depth + 1) for name, sub in (node.get("properties") or {}).items()}
    if kind == "array":
        return [_fill(schema, node.get("items") or {}, number, depth + 1)]
    if kind in ("number", "integer"):
        return number
    if kind == "boolean":
        return True
    if "enum" in node:
        return node["enum"][0]
    if node.get("format") == "date":
        return "2026-01-01"
    if node.get("format") == "date-time":
        return "2026-01-01T00:00:00+08:00"
    return HOSTILE


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    from govit.api import api

    schema = api.get_openapi_schema()
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


@pytest.fixture
def lead_office(demo_data: None, tmp_path: Any, settings: Any) -> Client:
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(User.objects.get(username="tz_lead_office"))
    return client


def test_every_operation_survives_numeric_extremes(lead_office: Client) -> None:
    from govit.api import api

    schema = api.get_openapi_schema()
    failures = []
    calls = 0
    statuses: dict[int, int] = {}
    for path, method, op in _operations():
        for number in EXTREMES:
            params = {p["name"]: p for p in op.get("parameters", [])}
            url = path
            for name, param in params.items():
                if param.get("in") == "path":
                    kind = _resolve(schema, param.get("schema") or {}).get("type")
                    value = str(int(number) if isinstance(number, float) and number == number and abs(number) < 1e30
                                else number) if kind == "integer" else HOSTILE
                    url = url.replace("{" + name + "}", value if kind == "integer" else "x")
            url = re.sub(r"\{[^}]+\}", "1", url)
            # NUL in a parameter is refused before validation (test_nul_in_every_query_parameter_is_refused).
            query = {name: (number if _resolve(schema, p.get("schema") or {}).get("type") in ("number", "integer")
                            else "x\u202e")
                     for name, p in params.items() if p.get("in") == "query"}
            body = None
            content = (op.get("requestBody") or {}).get("content") or {}
            if "application/json" in content:
                body = json.dumps(_fill(schema, content["application/json"]["schema"], number))
            client_method = getattr(lead_office, method)
            kwargs: dict[str, Any] = {"QUERY_STRING": urlencode(query)}
            if body is not None:
                response = client_method(url, data=body, content_type="application/json", **kwargs)
            else:
                response = client_method(url, **kwargs)
            calls += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append((method.upper(), url, number, response.status_code, response.content[:200]))
    assert calls > 500
    # The extremes reach the validation (422) rather than stopping at authentication or routing.
    assert statuses.get(422, 0) > 100 and statuses.get(401, 0) == 0, statuses
    assert not failures, failures[:10]


def test_nul_in_every_query_parameter_is_refused(lead_office: Client) -> None:
    """NUL in any text query parameter of any GET operation: 400 invalid_input naming the parameter
    (PostgreSQL can hold NUL in neither text nor jsonb; a lookup with it would fail there)."""
    from govit.api import api

    schema = api.get_openapi_schema()
    checked = 0
    for path, method, op in _operations():
        if method != "get":
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for param in op.get("parameters", []):
            if param.get("in") != "query" or _resolve(schema, param.get("schema") or {}).get("type") in (
                    "number", "integer", "boolean"):
                continue
            response = lead_office.get(url, {param["name"]: "x\x00"})
            assert response.status_code == 400, (url, param["name"], response.status_code)
            body = response.json()
            assert body["code"] == "invalid_input" and body["field"] == param["name"], (url, body)
            checked += 1
    assert checked > 10
