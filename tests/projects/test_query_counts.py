"""Each list and page costs the same number of queries whatever the number of rows (no N+1).

The projects are cloned in bulk from one driven through the services, with its stored status, so
the pages have real rows to render; the count is taken at two sizes and must not move.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from govit.core.models import User
from govit.projects.models import Project, ProjectEvent
from govit.projects.status import status_refresh
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.django_db

# Generous ceilings: the point is that they do not grow, but a page should also stay small.
MAX_QUERIES = {"list": 25, "detail": 80, "dashboard": 30}


def _clone(project: Project, n: int) -> None:
    copies = []
    for i in range(n):
        copy = Project.objects.get(pk=project.pk)
        copy.pk = None
        copy.name = f"{project.name}-{Project.objects.count() + i}"
        copies.append(copy)
    Project.objects.bulk_create(copies)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def construction(world: Any) -> Project:
    project = drive_to("tongzhou-2023", "construction")
    status_refresh(project)
    drive_to("tongzhou-2023", "submitted")  # something in the lead office's inbox
    return project


@pytest.mark.parametrize(("username", "url", "ceiling"), [
    ("tz_lead_office", "/projects/", "list"),
    ("tz_lead_office", "/projects/?sort=due&overdue=1", "list"),
    ("tz_lead_office", "/projects/?sort=stage&state=construction", "list"),
    ("tz_applicant", "/projects/", "list"),
    ("tz_lead_office", "/api/v1/projects?limit=20", "list"),
    ("tz_applicant", "/api/v1/projects?sort=amount", "list"),
    ("tz_lead_office", "/projects/inbox/", "list"),
    ("tz_lead_office", "/api/v1/projects/inbox", "list"),
    ("tz_lead_office", "/home/", "list"),
    ("tz_lead_office", "/supervision/", "dashboard"),
    ("tz_leadership", "/supervision/", "dashboard"),
    ("tz_lead_office", "/supervision/projects/?overdue=any", "list"),
    ("tz_lead_office", "/supervision/projects/", "list"),
    ("tz_leadership", "/projects/portfolio/", "list"),
    ("tz_leadership", "/api/v1/projects/portfolio", "list"),
])
def test_list_queries_do_not_grow_with_rows(construction: Project, username: str, url: str, ceiling: str) -> None:
    client = _client(username)
    client.get(url)  # warm per-process caches (packs, content types)
    small = _queries(client, url)
    _clone(construction, 30)
    submitted = Project.objects.filter(state="submitted").first()
    _clone(submitted, 10)
    large = _queries(client, url)
    assert large == small, f"{url}: {small} queries with few rows, {large} with 40 more"
    assert large <= MAX_QUERIES[ceiling]


def test_lists_page_in_the_database(construction: Project) -> None:
    _clone(construction, 60)
    client = _client("tz_lead_office")
    body = client.get("/api/v1/projects?limit=25").json()
    assert body["count"] == Project.objects.filter(jurisdiction=construction.jurisdiction).count()
    assert len(body["items"]) == 25 and "offset=25" in body["next"]
    rest = client.get(body["next"]).json()
    seen = {p["id"] for p in body["items"]} | {p["id"] for p in rest["items"]}
    assert len(seen) == 50 and not {p["id"] for p in body["items"]} & {p["id"] for p in rest["items"]}
    last = client.get(f"/api/v1/projects?limit=25&offset={body['count'] - 1}").json()
    assert len(last["items"]) == 1 and last["next"] is None
    page = client.get("/projects/?page=2").content.decode()
    assert "第 2 /" in page and "上一页" in page


def test_detail_queries_do_not_grow_with_its_timeline(construction: Project) -> None:
    client = _client("tz_lead_office")
    url = f"/projects/{construction.pk}/"
    client.get(url)
    small = _queries(client, url)
    for i in range(15):
        ProjectEvent.objects.create(project=construction, kind="update", from_state=construction.state,
                                    to_state=construction.state, reason=f"补充说明 {i}")
    large = _queries(client, url)
    assert large == small and large <= MAX_QUERIES["detail"]


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/projects?limit=0", "limit"),
    ("/api/v1/projects?limit=abc", "limit"),
    ("/api/v1/projects?offset=-1", "offset"),
    ("/api/v1/projects?limit=1000", "limit"),
    ("/api/v1/projects?sort=bogus", "sort"),
    ("/api/v1/projects?state=bogus", "state"),
    ("/api/v1/projects/inbox?limit=x", "limit"),
])
def test_bad_paging_is_a_chinese_400_naming_the_field(world: Any, url: str, field: str) -> None:
    response = _client("tz_lead_office").get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_paging" and body["field"] == field and field in body["detail"]
