"""/api/v1/policy: evaluate returns the engine's JSON; packs list and detail; Chinese errors; login required."""

from __future__ import annotations

import pytest
from django.test import Client

from govit.core.models import User
from govit.policy import evaluate, pack_ids

pytestmark = pytest.mark.usefixtures("demo_data")

FACTS = {
    "pack": "kundulun-2024",
    "as_of": "2026-11-21",
    "project": {
        "category": "new",
        "total_investment_wan": 260,
        "funding_sources": ["local_fiscal"],
        "contains": ["machine_room"],
        "on_gov_cloud": True,
        "dates": {"approved": "2025-08-31", "completed": "2026-02-28", "go_live": "2026-03-01"},
    },
    "unit": {"kind": "department"},
}


@pytest.fixture
def api() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="kdl_applicant"))
    return client


def test_evaluate_returns_exactly_what_the_engine_returns(api: Client) -> None:
    response = api.post("/api/v1/policy/evaluate", FACTS, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == evaluate(FACTS)
    assert response.json()["verdict"] == "blocked"


def test_evaluate_all_packs_gives_the_what_if_list(api: Client) -> None:
    response = api.post("/api/v1/policy/evaluate?all_packs=true", FACTS, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert [r["pack"]["id"] for r in body] == pack_ids()
    assert body[pack_ids().index("tongzhou-2023")] == evaluate(FACTS, pack_id="tongzhou-2023")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**FACTS, "project": {"total_investment_wan": "很多"}}, "project.total_investment_wan"),
        ({**FACTS, "project": {"category": "palace"}}, "project.category"),
        ({**FACTS, "as_of": "明天"}, "as_of"),
        ({**FACTS, "pack": "atlantis-2030"}, "pack"),
        ({k: v for k, v in FACTS.items() if k != "pack"}, "pack"),
        ([1, 2, 3], "JSON 对象"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_in_chinese(api: Client, body: object, field: str) -> None:
    response = api.post("/api/v1/policy/evaluate", body, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and field in body["detail"], body
    assert any(field in e["field"] or field in e["detail"] for e in body["errors"]), body


def test_malformed_json_is_a_400_not_a_500(api: Client) -> None:
    response = api.post("/api/v1/policy/evaluate", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json" and "JSON" in response.json()["detail"]


def test_pack_list_on_a_frozen_date(api: Client) -> None:
    rows = {r["id"]: r for r in api.get("/api/v1/policy/packs?as_of=2026-11-21").json()["items"]}
    assert set(rows) == set(pack_ids())
    assert rows["changji-2025"]["status"] == "expired" and rows["changji-2025"]["days_left"] is None
    assert rows["kundulun-2024"]["status"] == "in_force" and rows["kundulun-2024"]["days_left"] == 36
    assert rows["kundulun-2024"]["valid_until"] == "2026-12-27"
    assert rows["tongzhou-2023"]["valid_until"] is None
    assert rows["bazhong-2022"]["jurisdiction"] == "四川省巴中市"
    assert all(r["digest"].startswith("sha256:") for r in rows.values())


def test_pack_detail_has_articles_rules_and_coverage(api: Client) -> None:
    body = api.get("/api/v1/policy/packs/changji-2025").json()
    assert body["id"] == "changji-2025" and body["doc_number"]
    article_14 = next(a for a in body["articles"] if a["number"] == 14)
    assert "聯合會審" in article_14["text"]
    assert body["parameters"]["joint_review_min_wan"]["value"] == 50
    assert any(r["id"] == "application/no-split" for r in body["rules"])
    assert "review_route" in body["determinations"]
    assert {c["article"] for c in body["coverage"]} == {a["number"] for a in body["articles"]}
    assert body["stages"] and body["checklists"] and body["deadlines"]


def test_unknown_pack_is_a_404_in_chinese(api: Client) -> None:
    response = api.get("/api/v1/policy/packs/atlantis-2030")
    assert response.status_code == 404
    assert "未找到政策包" in response.json()["detail"]


def test_openapi_documents_the_policy_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/policy/evaluate", "/api/v1/policy/packs", "/api/v1/policy/packs/{pack_id}"} <= set(
        schema["paths"]
    )
    evaluate_op = schema["paths"]["/api/v1/policy/evaluate"]["post"]
    body_schema = evaluate_op["requestBody"]["content"]["application/json"]["schema"]
    assert "project" in body_schema["properties"]
    assert {"200", "422"} <= set(evaluate_op["responses"])
    assert {"PackSummaryOut", "PackDetailOut", "EvaluationOut"} <= set(schema["components"]["schemas"])


def test_anonymous_calls_are_refused(client: Client) -> None:
    assert client.get("/api/v1/policy/packs").status_code == 401
    assert client.get("/api/v1/policy/packs/changji-2025").status_code == 401
    assert client.post("/api/v1/policy/evaluate", FACTS, content_type="application/json").status_code == 401


def test_every_signed_in_role_may_use_it() -> None:
    for username in ("cj_expert", "bz_leadership", "tz_member_reviewer", "kdl_audit_admin"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get("/api/v1/policy/packs").status_code == 200
