"""Nobody reads or acts on a project outside their scope: every project endpoint answers 404 to
outsiders (other jurisdiction, other unit, unrelated member department, administrators) and 403
to a user who sees the project but whose role may not do the step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from govit.core.models import Role, Unit, User
from govit.core.services import role_assign
from govit.projects.services import preliminary_review_start
from govit.reviews.models import OpinionTask
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")

BODIES = {
    "preliminary-review-decide": {"decision": "accept"},
    "approval-decide": {"decision": "approve"},
    "pre-acceptance-decide": {"decision": "pass"},
    "acceptance-decide": {"decision": "pass"},
    "self-evaluation": {"summary": "x"},
    "post-evaluation": {"summary": "x"},
    "suspend": {"reason": "x", "citation": {"article": 27}},
    "terminate": {"reason": "x", "citation": {"article": 36}},
    "reports": {"kind": "quarterly", "period": "2026Q3"},
    "changes": {"change": {"increase_wan": 1}, "description": "x"},
    "decide": {"decision": "approve"},
    "acceptance-extensions": {"reason": "x", "requested_until": "2030-01-01"},
    "supervision-request": {"reason": "x"},
    "withdraw": {"reason": "x"},
    "operations": {"period": "2026", "content": "x"},
    "": {"facts": {}},
}


def _project_paths() -> list[tuple[str, str]]:
    schema = Client().get("/api/v1/openapi.json").json()
    return [
        (method, path.removeprefix("/api/v1"))
        for path, ops in schema["paths"].items()
        if "{project_id}" in path
        for method in ops
    ]


def _call(client: Client, method: str, path: str) -> int:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    key = last if not last.isdigit() else ""
    if method == "get":
        return client.get(f"/api/v1{path}").status_code
    if path.endswith("/materials"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from govit.projects.demo import sample_docx

        upload = SimpleUploadedFile("p.docx", sample_docx())
        return client.post(f"/api/v1{path}", data={"doc_code": "proposal", "file": upload}).status_code
    body = BODIES.get(key, {})
    return getattr(client, method)(f"/api/v1{path}", data=body, content_type="application/json").status_code


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_every_project_endpoint_is_scoped() -> None:
    project = drive_to("tongzhou-2023", "submitted")
    preliminary_review_start(project=project, actor=User.objects.get(username="tz_lead_office"))
    material = project.materials.first()
    change_id = 1
    other_unit = Unit.objects.get(name="区教育体育局")
    other_applicant = User.objects.create(username="tz_applicant_edu")
    role_assign(user=other_applicant, role=Role.APPLICANT, jurisdiction=other_unit.jurisdiction, unit=other_unit,
                actor=None)
    outsiders = ["kdl_applicant", "kdl_lead_office", "bz_leadership", "tz_applicant_edu", "tz_system_admin",
                 "tz_security_admin", "tz_audit_admin", "tz_expert", "tz_reviewer_police"]
    paths = _project_paths()
    assert len(paths) >= 35
    for method, template in paths:
        path = template.replace("{project_id}", str(project.pk)).replace("{material_id}", str(material.pk))
        path = path.replace("{change_id}", str(change_id)).replace("{extension_id}", "1")
        for username in outsiders:
            # Administrators are refused outright (三员分立, 403) before any project lookup.
            expected = 403 if username.endswith("_admin") else 404
            assert _call(_client(username), method, path) == expected, (username, method, path)
    # A member department sees the project once it has a task for its unit, and only reads.
    finance = _client("tz_member_reviewer")
    assert OpinionTask.objects.filter(project=project, unit__name="区财政局").exists()
    assert finance.get(f"/api/v1/projects/{project.pk}").status_code == 200
    assert _call(finance, "post", f"/projects/{project.pk}/transitions/approval-decide") == 403
    assert _call(finance, "patch", f"/projects/{project.pk}") == 403


def test_wrong_role_is_forbidden_even_in_scope(api: Any) -> None:
    project = drive_to("tongzhou-2023", "draft")
    lead, applicant, leadership = api("tz_lead_office"), api("tz_applicant"), api("tz_leadership")
    lead.transition(project.pk, "submit", status=403)
    leadership.transition(project.pk, "submit", status=403)
    lead.patch(f"/projects/{project.pk}", {"facts": {}}, status=403)
    applicant.upload(project.pk, "proposal")
    applicant.transition(project.pk, "submit")
    applicant.transition(project.pk, "preliminary-review-start", status=403)
    refused = applicant.transition(project.pk, "preliminary-review-decide", {"decision": "accept"}, status=403)
    assert "领导小组办公室" in refused["detail"]


def test_project_lists_follow_scope(api: Any) -> None:
    drive_to("tongzhou-2023", "draft")
    drive_to("changji-2025", "draft")
    assert {p["jurisdiction"] for p in api("tz_applicant").get("/projects")["items"]} == {"南通市通州区"}
    assert {p["jurisdiction"] for p in api("cj_leadership").get("/projects")["items"]} == {"新疆昌吉回族自治州"}
    assert api("tz_member_reviewer").get("/projects") == {"count": 0, "next": None, "items": []}
    api("tz_system_admin").get("/projects", status=403)  # 三员分立
    assert api("cj_leadership").get("/projects/portfolio")["projects"] == 1
    api("tz_system_admin").post("/projects", {"name": "x"}, status=403)


def test_opinion_tasks_are_visible_only_to_their_unit(api: Any) -> None:
    project = drive_to("tongzhou-2023", "submitted")
    preliminary_review_start(project=project, actor=User.objects.get(username="tz_lead_office"))
    finance_tasks = api("tz_member_reviewer").get("/opinion-tasks")["items"]
    assert {t["body"] for t in finance_tasks} == {"finance"}
    assert api("tz_reviewer_audit").get("/opinion-tasks")["items"][0]["body"] == "audit"
    assert api("kdl_member_reviewer").get("/opinion-tasks")["count"] == 0
    task = OpinionTask.objects.get(project=project, body="finance")
    for outsider in ("tz_reviewer_audit", "tz_applicant", "kdl_member_reviewer"):
        api(outsider).post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"}, status=404)
    api("tz_member_reviewer").post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "disagree"}, status=400)
    signed = api("tz_member_reviewer").post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"})
    assert signed["status"] == "done" and re.match(r"\d{4}-", signed["due_date"])


def test_plans_are_scoped(api: Any) -> None:
    tz = api("tz_lead_office").get("/me")["roles"][0]["jurisdiction"]["id"]
    plan = api("tz_lead_office").post("/plans", {"jurisdiction_id": tz, "year": 2030}, status=201)
    api("kdl_lead_office").get(f"/plans/{plan['id']}", status=404)
    api("kdl_lead_office").post(f"/plans/{plan['id']}/submit", status=404)
    api("kdl_lead_office").post("/plans", {"jurisdiction_id": tz, "year": 2031}, status=403)
    api("tz_applicant").post("/plans", {"jurisdiction_id": tz, "year": 2031}, status=403)


def test_portfolio_sums_in_the_database_what_the_projects_say(api) -> None:
    """领导 项目总览: counts and 总投资 per stage equal the visible projects' own figures."""
    from collections import Counter

    from govit.core.models import User
    from govit.projects.selectors import projects_visible_to

    drive_to("tongzhou-2023", "draft")
    drive_to("tongzhou-2023", "submitted")
    leader = User.objects.get(username="tz_leadership")
    visible = list(projects_visible_to(leader))
    assert len(visible) == 2 and any(p.facts.get("total_investment_wan") for p in visible)
    out = api("tz_leadership").get("/projects/portfolio")
    assert out["projects"] == len(visible)
    assert {r["state"]: r["count"] for r in out["by_state"]} == dict(Counter(p.state for p in visible))
    expected = sum(float(p.facts.get("total_investment_wan") or 0) for p in visible)
    assert abs(out["total_investment_wan"] - round(expected, 2)) < 0.01
