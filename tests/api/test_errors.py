"""Every error under /api/v1 is one JSON shape — code, detail (Chinese), field, citations, missing —
whatever DEBUG says: never HTML, never an English framework string, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseServerError
from django.test import Client, RequestFactory
from django_fsm import TransitionNotAllowed
from ninja.errors import Throttled

from govit.core import api_errors
from govit.core.models import User
from tests.projects.conftest import new_project

pytestmark = pytest.mark.usefixtures("world")

ENGLISH = re.compile(r"\b(Not Found|Unauthorized|Forbidden|Method not allowed|Traceback|Internal Server Error|"
                     r"Field required|Input should|Too many requests|CSRF check Failed|Cannot parse)\b")
SRC = Path(__file__).resolve().parents[2] / "src" / "govit"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request: Any, settings: Any) -> bool:
    settings.DEBUG = request.param
    return request.param


def shape(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape with this status and code; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    raw = response.content.decode("utf-8")
    assert not ENGLISH.search(raw), raw
    body = json.loads(raw)
    assert set(body) >= {"code", "detail", "field", "citations", "missing"}, body
    assert body["code"] == code, body
    assert code in api_errors.ERROR_CODES
    assert isinstance(body["detail"], str) and api_errors.has_chinese(body["detail"]), body
    return body


def signed_in(username: str, **kwargs: Any) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.force_login(User.objects.get(username=username))
    return client


def test_401_without_credentials_and_with_a_bad_token(debug: bool) -> None:
    shape(Client().get("/api/v1/projects"), 401, "unauthenticated")
    shape(Client(HTTP_AUTHORIZATION="Bearer gvt_not-a-token").get("/api/v1/projects"), 401, "unauthenticated")
    shape(Client().post("/api/v1/projects", "{}", content_type="application/json"), 401, "unauthenticated")


def test_404_for_an_unknown_route_and_for_an_object_out_of_scope(debug: bool) -> None:
    client = signed_in("tz_applicant")
    body = shape(client.get("/api/v1/no-such-thing"), 404, "endpoint_not_found")
    assert "/api/v1/no-such-thing" in body["detail"]
    shape(client.get("/api/v1/projects/not-a-number"), 404, "endpoint_not_found")
    body = shape(client.get("/api/v1/projects/999999"), 404, "not_found")
    assert "项目" in body["detail"]
    other = new_project(_api("kdl_applicant"))
    shape(client.get(f"/api/v1/projects/{other['id']}"), 404, "not_found")


def test_405_names_the_allowed_methods(debug: bool) -> None:
    response = signed_in("tz_applicant").delete("/api/v1/projects")
    body = shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "DELETE" in body["detail"]


def test_400_for_malformed_json(debug: bool) -> None:
    body = shape(signed_in("tz_applicant").post("/api/v1/projects", "{bad", content_type="application/json"),
                 400, "invalid_json")
    assert "JSON" in body["detail"]


def test_422_names_every_field_at_fault_in_chinese(debug: bool) -> None:
    response = signed_in("tz_applicant").post("/api/v1/projects", json.dumps({"facts": 3, "year_amounts": "x"}),
                                              content_type="application/json")
    body = shape(response, 422, "validation_error")
    fields = {e["field"]: e for e in body["errors"]}
    assert {"name", "facts", "year_amounts"} <= set(fields), fields
    assert body["field"] == "name" and fields["name"]["code"] == "missing"
    assert all(api_errors.has_chinese(e["detail"]) for e in body["errors"])
    response = signed_in("tz_applicant").get("/api/v1/projects/1/timeline?x=1")
    assert response.status_code in (200, 404)


def test_422_in_query_and_form_parameters(debug: bool) -> None:
    client = signed_in("tz_applicant")
    pid = new_project(_api("tz_applicant"))["id"]
    body = shape(client.post(f"/api/v1/projects/{pid}/materials", {"doc_code": "nonsense"}), 422, "validation_error")
    assert {e["field"] for e in body["errors"]} >= {"doc_code", "file"}
    body = shape(signed_in("tz_applicant").get("/api/v1/policy/packs?as_of=tomorrow"), 422, "validation_error")
    assert body["field"] == "as_of"


def test_bad_facts_and_bad_input_name_the_field(debug: bool) -> None:
    # The facts are typed in the OpenAPI document (the policy contract's model): a fact of the wrong type is
    # an interface violation, 422, naming the fact.
    response = signed_in("tz_applicant").post(
        "/api/v1/projects", json.dumps({"name": "x", "facts": {"total_investment_wan": "很多"}}),
        content_type="application/json")
    body = shape(response, 422, "validation_error")
    assert body["field"] == "facts.total_investment_wan"
    assert "facts.total_investment_wan" in body["detail"]
    # A well-typed request the service refuses is 400 invalid_input.
    response = signed_in("tz_applicant").post(
        "/api/v1/projects", json.dumps({"name": "x", "pack_id": "bazhong-2022"}), content_type="application/json")
    body = shape(response, 400, "invalid_input")
    assert "bazhong-2022" in body["detail"]


def test_403_for_a_role_that_may_not_act_and_for_the_three_administrators(debug: bool) -> None:
    pid = new_project(_api("tz_applicant"))["id"]
    body = shape(signed_in("tz_applicant").post(f"/api/v1/projects/{pid}/transitions/preliminary-review-start",
                                                "{}", content_type="application/json"), 403, "not_the_deciding_body")
    # The article that names who takes the step (通州 第七条) comes with the refusal.
    assert "领导小组办公室" in body["detail"] and {c["article"] for c in body["citations"]} == {7}
    shape(signed_in("tz_system_admin").get("/api/v1/projects"), 403, "admin_separation")


def test_403_when_a_browser_session_omits_the_csrf_token(debug: bool) -> None:
    client = signed_in("tz_applicant", enforce_csrf_checks=True)
    shape(client.post("/api/v1/projects", "{}", content_type="application/json"), 403, "csrf_failed")


def test_409_refusal_carries_citations_and_missing(debug: bool) -> None:
    applicant = _api("tz_applicant")
    pid = new_project(applicant)["id"]
    body = shape(signed_in("tz_applicant").post(f"/api/v1/projects/{pid}/transitions/submit", "{}",
                                                content_type="application/json"), 409, "documents_missing")
    assert "proposal" in body["missing"] and body["citations"] and body["citations"][0]["article"]
    assert "项目建议书" in body["detail"]


def test_409_wrong_state(debug: bool) -> None:
    pid = new_project(_api("tz_applicant"))["id"]
    body = shape(signed_in("tz_applicant").post(f"/api/v1/projects/{pid}/transitions/construction-start", "{}",
                                                content_type="application/json"), 409, "wrong_state")
    assert "草稿" in body["detail"]


def test_413_for_an_oversized_body_and_an_oversized_file(debug: bool, settings: Any) -> None:
    pid = new_project(_api("tz_applicant"))["id"]
    settings.GOVIT_UPLOAD_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = signed_in("tz_applicant")
    big = json.dumps({"name": "x" * 5000})
    shape(client.post("/api/v1/projects", big, content_type="application/json"), 413, "payload_too_large")
    # Under the early limit but over Django's: refused while the body is read.
    medium = json.dumps({"name": "x" * 1500})
    shape(client.post("/api/v1/projects", medium, content_type="application/json"), 413, "payload_too_large")
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 1500
    body = shape(client.post(f"/api/v1/projects/{pid}/materials",
                             {"doc_code": "proposal", "file": SimpleUploadedFile("a.png", png)}), 413, "file_too_large")
    assert body["field"] == "file"


def test_500_hides_the_traceback_and_gives_an_error_number(debug: bool, monkeypatch: Any, caplog: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("govit.core.api.role_assignments_of", broken)
    response = signed_in("tz_applicant").get("/api/v1/me")
    body = shape(response, 500, "internal_error")
    assert "secret internals" not in response.content.decode() and re.search(r"[0-9a-f]{12}", body["detail"])
    number = re.search(r"[0-9a-f]{12}", body["detail"])[0]
    assert any(number in r.getMessage() for r in caplog.records), "the error number is logged with the traceback"


def test_django_level_errors_are_normalised() -> None:
    request = RequestFactory().get("/api/v1/projects")
    shape(api_errors.normalise(request, HttpResponseServerError("<h1>Server Error (500)</h1>")), 500,
          "internal_error")
    response = api_errors.normalise(request, HttpResponseNotAllowed(["GET"], content=b"Method not allowed"))
    assert shape(response, 405, "method_not_allowed") and response["Allow"] == "GET"
    shape(api_errors.normalise(request, HttpResponse("Bad Request", status=400)), 400, "bad_request")
    shape(api_errors.normalise(request, HttpResponse(status=413)), 413, "payload_too_large")
    # A hand-made JSON error without a code gets one; its Chinese detail is kept.
    legacy = HttpResponse(json.dumps({"detail": "未找到该通知。"}), status=404, content_type="application/json")
    assert shape(api_errors.normalise(request, legacy), 404, "not_found")["detail"] == "未找到该通知。"
    assert api_errors.normalise(request, HttpResponse("ok")).content == b"ok"


def test_exceptions_map_to_their_codes() -> None:
    request = RequestFactory().post("/api/v1/projects")
    response = api_errors.exception_response(request, Throttled(wait=7))
    assert "8 秒" in shape(response, 429, "rate_limited")["detail"]
    shape(api_errors.exception_response(request, OperationalError("database is locked")), 409, "concurrent_update")
    shape(api_errors.exception_response(request, OperationalError("connection refused")), 503, "service_unavailable")
    shape(api_errors.exception_response(request, IntegrityError("UNIQUE constraint failed")), 409, "conflict")
    shape(api_errors.exception_response(request, TransitionNotAllowed("nope")), 409, "wrong_state")


def test_every_code_raised_in_the_source_is_registered_and_documented() -> None:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        raised = r"\b(?:InvalidInput|TransitionRefused|PermissionDenied|NotFound|DomainError|UploadRejected)\("
        used |= set(re.findall(raised + r"(?:[^()]|\([^()]*\))*?\bcode=\"([a-z_]+)\"", text, flags=re.S))
        used |= set(re.findall(r"error_response\(\s*\d{3},\s*\"([a-z_]+)\"", text))
        used |= set(re.findall(r"^    code = \"([a-z_]+)\"$", text, flags=re.M))
    assert used <= set(api_errors.ERROR_CODES), used - set(api_errors.ERROR_CODES)
    documented = set(re.findall(r"^\| `([a-z_]+)` \| \d{3} \|", DOCS.read_text(encoding="utf-8"), flags=re.M))
    assert documented == set(api_errors.ERROR_CODES), (set(api_errors.ERROR_CODES) ^ documented)


def test_openapi_documents_the_error_shape_on_every_operation(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "code" in schema["components"]["schemas"]["ErrorOut"]["required"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, status)


def _api(username: str) -> Any:
    from tests.projects.conftest import Api

    return Api(username)
