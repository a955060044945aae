"""The nightly sweep derives a project's duties only from the days after its last derivation when the
history it read has not changed — and the duties it keeps are exactly those a derivation from the start
gives (通州 第十九条 每季度末 progress reports, 巴中 第二十八条 trial run, 昌吉 年度 reports)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from govit.projects.models import Project
from govit.supervision import obligations as ob
from govit.supervision.models import DutyHistory, Obligation
from govit.supervision.services import sweep

pytestmark = pytest.mark.django_db
START = date(2026, 3, 25)

FIELDS = ("project_id", "code", "period", "due", "window_from", "window_until", "status", "citation")


def _duties() -> list[tuple]:
    return sorted(Obligation.objects.values_list(*FIELDS), key=repr)


@pytest.fixture
def projects(make_project) -> list[Project]:
    return [
        make_project("tongzhou-2023", "construction", approved="2025-02-10"),
        make_project("bazhong-2022", "trial_run", approved="2025-03-01", trial_started="2026-02-10"),
        make_project("changji-2025", "approved", approved="2025-06-30"),
        make_project("kundulun-2024", "construction", approved="2025-04-15"),
    ]


def _mark_changed(projects: list[Project], day: date) -> None:
    """What `record_event` does when a service touches a project: the next sweep looks at it again."""
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(status_valid_until=day)


def test_nightly_increments_give_the_duties_a_full_derivation_gives(projects: list[Project]) -> None:
    # Night by night over a quarter end (2026-03-31) and a half-year end, every project looked at.
    days = [START + timedelta(days=n) for n in (0, 3, 6, 7, 40, 97, 98)]
    first = sweep(as_of=days[0])
    assert first.counts["incremental"] == 0  # nothing derived yet: from the start
    for day in days[1:]:
        _mark_changed(projects, day)
        run = sweep(as_of=day)
        assert run.counts["evaluated"] == len(projects)
        assert run.counts["incremental"] == len(projects)
    incremental = _duties()
    assert any(code == "progress_report_due" for _, code, *_ in incremental)  # 通州 第十九条 quarters
    assert set(DutyHistory.objects.values_list("as_of", flat=True)) == {days[-1]}

    # The same day derived from the start (a full sweep ignores the stored progress).
    full = sweep(as_of=days[-1], full=True)
    assert full.counts["incremental"] == 0
    assert _duties() == incremental


def test_a_changed_past_is_derived_from_the_start(projects: list[Project]) -> None:
    tongzhou = projects[0]
    sweep(as_of=START)
    history = DutyHistory.objects.get(project=tongzhou)
    # A date before the last derivation is entered (a late-recorded approval): the history moved.
    tongzhou.refresh_from_db()
    tongzhou.facts = {**tongzhou.facts, "dates": {**tongzhou.facts["dates"], "approved": "2024-11-20"}}
    tongzhou.save(update_fields=["facts"])
    from govit.projects.selectors import unit_facts

    assert ob.history_key(tongzhou, unit_facts(tongzhou.unit), history.as_of) != history.key
    _mark_changed(projects, START + timedelta(days=10))
    run = sweep(as_of=START + timedelta(days=10))
    assert run.counts["evaluated"] == len(projects)
    assert run.counts["incremental"] == len(projects) - 1  # all but the one whose past changed
    changed = _duties()
    sweep(as_of=START + timedelta(days=10), full=True)
    assert _duties() == changed


def test_a_fact_added_today_keeps_the_derivation_incremental(projects: list[Project]) -> None:
    tongzhou = projects[0]
    sweep(as_of=START)
    later = START + timedelta(days=20)
    tongzhou.refresh_from_db()
    tongzhou.facts = {**tongzhou.facts, "dates": {**tongzhou.facts["dates"], "completed": later.isoformat()}}
    tongzhou.save(update_fields=["facts"])
    _mark_changed([tongzhou], later)
    run = sweep(as_of=later)
    assert run.counts["incremental"] == 1
    kept = _duties()
    sweep(as_of=later, full=True)
    assert _duties() == kept
