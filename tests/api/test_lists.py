"""Lists that scale: every list under /api/v1 pages (`limit` / `offset`, `count` / `next`), filters and sorts
in the database, and refuses a malformed paging, sorting or filtering parameter with 400 invalid_paging
naming it. Projects carry the 项目代码 (通州 第十四条) the provincial platform gives them."""

from __future__ import annotations

from typing import Any

import pytest

from govit.notifications.services import notify
from govit.projects.models import Project

pytestmark = pytest.mark.usefixtures("world")


def _walk(client: Any, path: str) -> list[dict[str, Any]]:
    """Every item of a list, page by page through `next`."""
    items: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        page = client.get(url.split("/api/v1", 1)[-1])
        assert page["count"] >= len(page["items"])
        items += page["items"]
        url = page["next"]
    return items


def test_paging_is_complete_and_without_repeats(token_api: Any) -> None:
    lead = token_api("tz_lead_office")
    whole = lead.get("/units?limit=200")
    assert whole["next"] is None and whole["count"] == len(whole["items"]) >= 3
    walked = _walk(lead, "/units?limit=2")
    assert [u["id"] for u in walked] == [u["id"] for u in whole["items"]]
    by_name = lead.get("/units?limit=200&sort=name")["items"]
    assert [u["name"] for u in by_name] == sorted(u["name"] for u in by_name)


def test_filters_narrow_the_count(token_api: Any) -> None:
    applicant = token_api("tz_applicant")
    user = applicant.user
    project = applicant.post("/projects", {"name": "通州列表测试项目"}, status=201)
    for text in ("一", "二", "三"):
        notify(users=[user], project=Project.objects.get(pk=project["id"]), text=f"列表测试通知{text}")
    everything = applicant.get("/notifications?limit=1")
    mine = applicant.get(f"/notifications?project_id={project['id']}&limit=2")
    assert mine["count"] == 3 and len(mine["items"]) == 2 and mine["next"]
    assert everything["count"] >= mine["count"]
    oldest = applicant.get(f"/notifications?project_id={project['id']}&sort=old")["items"]
    newest = applicant.get(f"/notifications?project_id={project['id']}&sort=new")["items"]
    assert [n["id"] for n in oldest] == [n["id"] for n in reversed(newest)]
    lead = token_api("tz_lead_office")
    tongzhou = lead.get("/projects?limit=200")["items"]
    unit_id = Project.objects.get(pk=project["id"]).unit_id
    of_unit = lead.get(f"/projects?unit_id={unit_id}&limit=200")
    assert project["id"] in {p["id"] for p in of_unit["items"]}
    assert of_unit["count"] == Project.objects.filter(unit_id=unit_id).count() <= len(tongzhou)


@pytest.mark.parametrize(("path", "field"), [
    ("/units?limit=0", "limit"), ("/users?offset=-1", "offset"), ("/experts?sort=随便", "sort"),
    ("/plans?year=明年", "year"), ("/opinion-tasks?status=whatever", "status"), ("/policy/packs?sort=x", "sort"),
    ("/supervision/sanctions?kind=x", "kind"), ("/notifications?limit=201", "limit"),
])
def test_a_bad_list_parameter_is_400_naming_it(token_api: Any, path: str, field: str) -> None:
    body = token_api("tz_lead_office").get(path, status=400)
    assert body["code"] == "invalid_paging" and body["field"] == field and field in body["detail"]


def test_per_project_lists_page(token_api: Any) -> None:
    applicant = token_api("tz_applicant")
    project = applicant.post("/projects", {"name": "通州时间线分页测试项目"}, status=201)
    for n in range(3):
        applicant.client.patch(f"/api/v1/projects/{project['id']}", data={"content": f"第{n}次修改"},
                               content_type="application/json")
    first = applicant.get(f"/projects/{project['id']}/timeline?limit=2")
    assert first["count"] == 4 and len(first["items"]) == 2 and "offset=2" in first["next"]
    assert first["items"][0]["kind"] == "create"
    newest = applicant.get(f"/projects/{project['id']}/timeline?sort=new&limit=1")["items"][0]
    assert newest["kind"] == "update" and newest["details"]["fields"] == ["content"]
    assert applicant.get(f"/projects/{project['id']}/timeline?kind=create")["count"] == 1
    for listing in ("materials", "reports", "changes", "operations", "evaluations", "acceptance-extensions"):
        assert applicant.get(f"/projects/{project['id']}/{listing}") == {"count": 0, "next": None, "items": []}


def test_the_project_code_of_tongzhou_article_14(token_api: Any) -> None:
    applicant = token_api("tz_applicant")
    created = applicant.post("/projects", {"name": "通州项目代码测试", "project_code": "2026-320612-65-01-000321"},
                             status=201)
    assert created["project_code"] == "2026-320612-65-01-000321"
    assert Project.objects.get(pk=created["id"]).project_code == "2026-320612-65-01-000321"
    patched = applicant.client.patch(f"/api/v1/projects/{created['id']}", data={"project_code": "2026-320612-65-01-9"},
                                     content_type="application/json").json()
    assert patched["project_code"] == "2026-320612-65-01-9"
    listed = token_api("tz_lead_office").get("/projects?limit=200")["items"]
    assert {p["id"]: p["project_code"] for p in listed}[created["id"]] == "2026-320612-65-01-9"
    refused = applicant.post("/projects", {"name": "x", "project_code": "代码；DROP"}, status=422)
    assert refused["field"] == "project_code"
