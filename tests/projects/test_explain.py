"""The list, inbox, dashboard and sweep queries have indexes that fit them (PostgreSQL EXPLAIN).

With sequential scans and sorts priced out, the planner must find an index of the right shape; the scale bench
prints the real plans at 100,000 projects (docs/performance.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from govit.core.models import User
from govit.projects.models import Project
from govit.projects.selectors import PROJECT_SORT, projects_visible_to, stage_counts
from govit.supervision.models import Obligation, ObligationStatus
from tests.experts.conftest import make_project

pytestmark = [pytest.mark.django_db, pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans of PostgreSQL")]


def _plan(qs: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # On a near-empty table a top-N sort of a few rows can price level with the ordered index
        # (depending on what earlier tests left in the statistics); price sorts out too, so the
        # planner must show the index whose order serves the list.
        cursor.execute("SET LOCAL enable_sort = off")
    return qs.explain()


def test_list_and_dashboard_queries_use_their_indexes(world: Any) -> None:
    lead = User.objects.get(username="tz_lead_office")
    applicant = User.objects.get(username="tz_applicant")
    newest = projects_visible_to(lead).order_by(*PROJECT_SORT.order_by("new"))[:50]
    assert "project_jur_created" in _plan(newest)
    own = projects_visible_to(applicant).order_by(*PROJECT_SORT.order_by("new"))[:50]
    assert "project_unit_created" in _plan(own)
    by_due = projects_visible_to(lead).order_by(*PROJECT_SORT.order_by("due"))[:50]
    assert "project_jur" in _plan(by_due) and "Seq Scan" not in _plan(by_due)
    jurisdiction = Project.objects.filter(jurisdiction_id=lead.role_assignments.first().jurisdiction_id)
    stage_counts(jurisdiction)
    grouped = _plan(jurisdiction.order_by().values("state"))
    assert "Index" in grouped and "project_jur" in grouped and "Seq Scan" not in grouped
    due = Obligation.objects.filter(status__in=[ObligationStatus.DUE, ObligationStatus.UPCOMING],
                                    due__lte=date(2026, 7, 1))
    assert "obligation_status_due" in _plan(due)
    # Some rows whose answers are still valid, and fresh statistics: on an empty table every index
    # prices the same and the planner may pick any of them.
    for n in range(40):
        project = make_project("tz", name=f"计划内项目{n}")
        Project.objects.filter(pk=project.pk).update(status_valid_until=date(2027, 1, 1) + timedelta(days=n))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE projects_project")
    stale = Project.objects.filter(status_valid_until__lte=date(2026, 7, 1)).order_by()  # the sweep reads unordered
    assert "project_status_valid" in _plan(stale)

