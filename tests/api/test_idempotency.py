"""Idempotency-Key: a retried POST returns the first result instead of a second project, upload or
report; a different body under the same key is a 409; only final answers are replayed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from govit.core.models import User
from govit.core.services import api_token_create
from govit.integrations.models import IdempotencyRecord
from govit.projects.demo import BASE_FACTS, sample_docx
from govit.projects.models import Material, ProgressReport, Project
from tests.projects.conftest import drive_to, new_project

pytestmark = pytest.mark.usefixtures("world")

BODY = {"name": "幂等测试项目", "facts": BASE_FACTS, "year_amounts": [{"year": 2027, "planned_wan": 300}]}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def post(client: Client, path: str, body: Any, key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(f"/api/v1{path}", raw, content_type="application/json", headers=headers)


def test_same_key_and_body_returns_the_first_project() -> None:
    client = signed_in("tz_applicant")
    first = post(client, "/projects", BODY, "create-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    # The same JSON written differently (key order, spacing) is the same request.
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2, ensure_ascii=False)
    again = post(client, "/projects", reordered, "create-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Project.objects.filter(name="幂等测试项目").count() == 1
    assert post(client, "/projects", BODY, "create-2").status_code == 201
    assert Project.objects.filter(name="幂等测试项目").count() == 2


def test_same_key_with_another_body_is_a_409() -> None:
    client = signed_in("tz_applicant")
    assert post(client, "/projects", BODY, "k-body").status_code == 201
    refused = post(client, "/projects", {**BODY, "name": "另一个项目"}, "k-body")
    assert refused.status_code == 409 and refused.json()["code"] == "idempotency_key_reused"
    assert refused.json()["field"] == "Idempotency-Key"
    # Another path under the same key is another request too.
    pid = Project.objects.get(name="幂等测试项目").pk
    other = post(client, f"/projects/{pid}/transitions/submit", {}, "k-body")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert not Project.objects.filter(name="另一个项目").exists()


def test_keys_belong_to_the_caller() -> None:
    assert post(signed_in("tz_applicant"), "/projects", BODY, "shared").status_code == 201
    assert post(signed_in("kdl_applicant"), "/projects", BODY, "shared").status_code == 201
    assert Project.objects.filter(name="幂等测试项目").count() == 2


def test_bearer_token_callers_are_keyed_by_their_user() -> None:
    user = User.objects.get(username="tz_applicant")
    _, token = api_token_create(user=user, name="对接", actor=None, scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert post(client, "/projects", BODY, "tok-1").status_code == 201
    again = post(client, "/projects", BODY, "tok-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get(key="tok-1").principal == f"user:{user.pk}"
    assert Project.objects.filter(name="幂等测试项目").count() == 1


def _multipart(boundary: str, doc_code: str, filename: str, data: bytes) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"doc_code\"\r\n\r\n{doc_code}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()


def test_a_retried_upload_stores_one_file_even_with_a_new_multipart_boundary() -> None:
    client = signed_in("tz_applicant")
    pid = new_project(_api("tz_applicant"))["id"]
    data = sample_docx("proposal")
    responses = [
        client.post(f"/api/v1/projects/{pid}/materials", _multipart(boundary, "proposal", "建议书.docx", data),
                    content_type=f"multipart/form-data; boundary={boundary}", headers={"Idempotency-Key": "up-1"})
        for boundary in ("----first", "----second")
    ]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Material.objects.filter(project_id=pid).count() == 1
    changed = client.post(f"/api/v1/projects/{pid}/materials",
                          _multipart("----third", "proposal", "建议书.docx", data + b"x"),
                          content_type="multipart/form-data; boundary=----third", headers={"Idempotency-Key": "up-1"})
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"


def test_a_retried_report_is_filed_once() -> None:
    project = drive_to("tongzhou-2023", "construction")
    client = signed_in("tz_applicant")
    body = {"kind": "quarterly", "period": "2026Q3", "implementation": "按计划推进"}
    before = ProgressReport.objects.filter(project=project).count()
    first = post(client, f"/projects/{project.pk}/reports", body, "report-q3")
    again = post(client, f"/projects/{project.pk}/reports", body, "report-q3")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert ProgressReport.objects.filter(project=project).count() == before + 1


def test_refusals_are_final_but_permission_and_auth_failures_run_again() -> None:
    client = signed_in("tz_applicant")
    pid = new_project(_api("tz_applicant"))["id"]
    refused = post(client, f"/projects/{pid}/transitions/submit", {}, "submit-1")
    assert refused.status_code == 409 and refused.json()["code"] == "documents_missing"
    assert post(client, f"/projects/{pid}/transitions/submit", {}, "submit-1")["Idempotent-Replayed"] == "true"
    denied = post(client, f"/projects/{pid}/transitions/preliminary-review-start", {}, "start-1")
    assert denied.status_code == 403
    assert not IdempotencyRecord.objects.filter(key="start-1").exists()
    assert post(Client(), "/projects", BODY, "anon").status_code == 401
    assert not IdempotencyRecord.objects.filter(key="anon").exists()


def test_a_request_still_running_is_a_409_and_a_dead_claim_is_taken_over(settings: Any) -> None:
    client = signed_in("tz_applicant")
    user = User.objects.get(username="tz_applicant")
    from django.test import RequestFactory

    from govit.integrations.idempotency import fingerprint

    request = RequestFactory().post("/api/v1/projects", json.dumps(BODY), content_type="application/json")
    now = timezone.now()
    record = IdempotencyRecord.objects.create(principal=f"user:{user.pk}", key="busy", method="POST",
                                              path="/api/v1/projects", fingerprint=fingerprint(request),
                                              created_at=now, claimed_at=now)
    busy = post(client, "/projects", BODY, "busy")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress" and busy["Retry-After"]
    IdempotencyRecord.objects.filter(pk=record.pk).update(claimed_at=now - timedelta(minutes=10))
    assert post(client, "/projects", BODY, "busy").status_code == 201


def test_expired_keys_may_be_used_again() -> None:
    client = signed_in("tz_applicant")
    assert post(client, "/projects", BODY, "old").status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    again = post(client, "/projects", BODY, "old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Project.objects.filter(name="幂等测试项目").count() == 2


@pytest.mark.parametrize("key", ["", " ", "有中文", "x" * 256, "a b"])
def test_malformed_keys_are_a_400(key: str) -> None:
    response = post(signed_in("tz_applicant"), "/projects", BODY, key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert not Project.objects.filter(name="幂等测试项目").exists()


def test_openapi_documents_the_header_on_every_post(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "post" in operations:
            names = [p["name"] for p in operations["post"].get("parameters", []) if p["in"] == "header"]
            assert "Idempotency-Key" in names, path


def _api(username: str) -> Any:
    from tests.projects.conftest import Api

    return Api(username)
