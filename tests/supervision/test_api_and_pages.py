"""API under /api/v1/supervision and the dashboard pages (scope, drill-down, no inline script or style)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from govit.supervision.services import sweep
from tests.supervision.conftest import prefix

pytestmark = pytest.mark.django_db


@pytest.fixture
def swept(make_project):
    project = make_project("tongzhou-2023", "construction", approved="2025-02-10", completed="2026-01-20")
    sweep(as_of=date(2026, 7, 21))
    return project


def test_obligations_ratings_and_dashboard_api(swept, api) -> None:
    applicant = api(f"{prefix('tongzhou-2023')}_applicant")
    rows = applicant.get(f"/supervision/projects/{swept.pk}/obligations")["items"]
    assert {"progress_report_due", "performance_report_due", "acceptance_application_due"} == {r["code"] for r in rows}
    assert applicant.get("/supervision/reminders")["count"] >= 1
    ratings = applicant.get("/supervision/ratings")
    assert ratings["count"] >= 1 and ratings["items"][0]["score"] <= 3 and ratings["next"] is None
    obligations = applicant.get("/supervision/obligations?limit=2")
    assert obligations["count"] >= len(obligations["items"]) and len(obligations["items"]) <= 2
    applicant.get("/supervision/dashboard", status=403)
    lead = api(f"{prefix('tongzhou-2023')}_lead_office")
    data = lead.get("/supervision/dashboard")
    assert data["totals"]["overdue"] > 0 and data["ratings"]["keys"] == [1, 2, 3, 4, 5]
    # Another jurisdiction's applicant sees nothing of this project.
    api(f"{prefix('bazhong-2022')}_applicant").get(f"/supervision/projects/{swept.pk}/obligations", status=404)


def test_rectification_and_sanction_api(swept, api) -> None:
    lead = api(f"{prefix('tongzhou-2023')}_lead_office")
    order = lead.post("/supervision/rectifications", {"project_id": swept.pk, "article": 19,
                                                      "problem": "未按季度报送进展情况。", "deadline": "2030-01-31"},
                      status=201)
    assert order["citation"] == {"pack": "tongzhou-2023", "article": 19} and order["history"][0]["label"] == "限期整改"
    refused = lead.post(f"/supervision/rectifications/{order['id']}/close", {"note": "已整改"}, status=409)
    assert "佐证材料" in refused["detail"]
    lead.post("/supervision/rectifications", {"project_id": swept.pk, "article": 99, "problem": "x",
                                              "deadline": "2030-01-31"}, status=400)
    sanction = lead.post("/supervision/sanctions", {"unit_id": swept.unit_id, "kind": "security_violation",
                                                    "reason": "重大安全隐患。"}, status=201)
    applicant = api(f"{prefix('tongzhou-2023')}_applicant")
    mine = applicant.get("/supervision/sanctions")["items"]
    assert [s["id"] for s in mine] == [sanction["id"]] and "第三十四条（二）" in mine[0]["citation_text"]
    applicant.post(f"/supervision/sanctions/{sanction['id']}/lift", {"note": "已整改"}, status=403)
    lifted = lead.post(f"/supervision/sanctions/{sanction['id']}/lift", {"note": "复测通过。"})
    assert lifted["lifted_at"] is not None


def test_dashboard_and_drill_down_pages(swept, client) -> None:
    from govit.core.models import User

    client.force_login(User.objects.get(username=f"{prefix('tongzhou-2023')}_lead_office"))
    page = client.get("/supervision/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="supervision-data"' in html
    assert html.count('class="chart"') == 5
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    listing = client.get("/supervision/projects/", {"overdue": "progress_report_due"}).content.decode()
    assert swept.name in listing and "报送项目进展情况" in listing
    assert swept.name in client.get("/supervision/projects/", {"rating": "1"}).content.decode() or \
        swept.name in client.get("/supervision/projects/", {"stage": "construction"}).content.decode()
    client.force_login(User.objects.get(username=f"{prefix('tongzhou-2023')}_applicant"))
    assert client.get("/supervision/").status_code == 403


def test_dashboard_figures_are_cached_until_an_audited_write(swept, api) -> None:
    """The aggregates depend on the jurisdiction alone and change only through audited writes: a second
    view runs none of them; a sanction recorded through the service shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = api(f"{prefix('tongzhou-2023')}_lead_office")
    before = lead.get("/supervision/dashboard")
    with CaptureQueriesContext(connection) as again:
        assert lead.get("/supervision/dashboard") == before
    assert not [q for q in again.captured_queries if "projects_projectyearamount" in q["sql"]
                or "GROUP BY" in q["sql"]]
    lead.post("/supervision/sanctions", {"unit_id": swept.unit_id, "kind": "security_violation",
                                         "reason": "重大安全隐患。"}, status=201)
    after = lead.get("/supervision/dashboard")
    assert after["totals"]["sanctions"] == before["totals"]["sanctions"] + 1
    # Another jurisdiction's lead office gets its own figures, not this one's cached ones.
    other = api(f"{prefix('bazhong-2022')}_lead_office").get("/supervision/dashboard")
    assert other["totals"]["projects"] != after["totals"]["projects"] or other["totals"]["sanctions"] == 0
