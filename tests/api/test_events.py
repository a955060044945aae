"""The events feed `GET /api/v1/events?after=`: every lifecycle step once, numbered without gaps in
commit order, visible only to those who may see the project, paged by cursor, append-only."""

from __future__ import annotations

from typing import Any

import pytest

from govit.integrations.models import OutboundEvent
from govit.projects.models import ProjectEvent
from tests.projects.conftest import drive_to, new_project

pytestmark = pytest.mark.usefixtures("world")


def feed(client: Any, query: str = "") -> dict[str, Any]:
    return client.get(f"/events{query}")


def test_every_timeline_event_is_in_the_feed_in_order_without_gaps(api: Any) -> None:
    project = drive_to("tongzhou-2023", "construction")
    page = feed(api("tz_lead_office"), "?limit=500")
    mine = [item for item in page["items"] if item["project"]["id"] == project.pk]
    timeline = list(ProjectEvent.objects.filter(project=project).order_by("pk"))
    assert [i["kind"] for i in mine] == [e.kind for e in timeline]
    assert [i["timeline_event_id"] for i in mine] == [e.pk for e in timeline]
    seqs = [i["seq"] for i in page["items"]]
    assert seqs == list(range(1, len(seqs) + 1)), "gapless and ascending"
    last = mine[-1]
    assert last["to_state"] == "construction" and last["project"]["state"] == "construction"
    assert last["project"]["jurisdiction"]["code"] and last["project"]["unit"]["name"]
    assert "project_code" in last["project"] and last["pack_digest"].startswith("sha256:")
    assert page["count"] == len(page["items"]) and page["next"] is None


def test_the_feed_shows_only_projects_the_caller_may_see(api: Any) -> None:
    tz = new_project(api("tz_applicant"))
    kdl = new_project(api("kdl_applicant"))
    assert {i["project"]["id"] for i in feed(api("tz_applicant"))["items"]} == {tz["id"]}
    assert {i["project"]["id"] for i in feed(api("kdl_lead_office"))["items"]} == {kdl["id"]}
    assert kdl["id"] not in {i["project"]["id"] for i in feed(api("tz_lead_office"))["items"]}


def test_cursor_paging_and_filters(api: Any) -> None:
    applicant = api("tz_applicant")
    for n in range(3):
        pid = new_project(applicant, name=f"分页项目{n}")["id"]
        applicant.patch(f"/projects/{pid}", {"facts": {"annual_om_wan": n}})
    lead = api("tz_lead_office")
    first = feed(lead, "?limit=4")
    assert len(first["items"]) == 4 and first["count"] == 6 and first["next"]
    rest = lead.client.get(first["next"]).json()
    assert [i["seq"] for i in first["items"] + rest["items"]] == list(range(1, 7))
    assert rest["next"] is None and rest["count"] == 2
    after = first["items"][-1]["seq"]
    assert [i["seq"] for i in feed(lead, f"?after={after}")["items"]] == [5, 6]
    assert {i["kind"] for i in feed(lead, "?kind=create")["items"]} == {"create"}
    assert len(feed(lead, "?kind=up.")["items"]) == 0
    pid = first["items"][0]["project"]["id"]
    assert {i["project"]["id"] for i in feed(lead, f"?project_id={pid}")["items"]} == {pid}


def test_bad_cursor_and_limit_are_a_422(api: Any) -> None:
    lead = api("tz_lead_office")
    for query in ("?after=-1", "?limit=0", "?limit=501", "?after=abc"):
        body = lead.get(f"/events{query}", status=422)
        assert body["code"] == "validation_error" and body["field"] in ("after", "limit"), body


def test_a_refused_step_leaves_no_feed_entry(api: Any) -> None:
    applicant = api("tz_applicant")
    pid = new_project(applicant)["id"]
    before = OutboundEvent.objects.count()
    applicant.transition(pid, "submit", status=409)
    assert OutboundEvent.objects.count() == before


def test_the_feed_is_append_only(api: Any) -> None:
    new_project(api("tz_applicant"))
    event = OutboundEvent.objects.first()
    with pytest.raises(RuntimeError):
        OutboundEvent.objects.update(kind="x")
    with pytest.raises(RuntimeError):
        OutboundEvent.objects.all().delete()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
