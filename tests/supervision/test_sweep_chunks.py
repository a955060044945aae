"""The sweep in chunks: what changed only, a crash resumes where it stopped, an audit entry per chunk."""

from __future__ import annotations

from datetime import date

import pytest

from govit.core.audit import verify_chain
from govit.core.models import AuditEntry
from govit.notifications.models import Notification
from govit.projects.models import Project
from govit.projects.services import progress_report_submit
from govit.supervision import sweep as sweep_module
from govit.supervision.models import Obligation, Reminder, SweepChunk, SweepRun
from govit.supervision.services import sweep
from tests.supervision.conftest import user

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 21)


@pytest.fixture
def three(make_project) -> list[Project]:
    return [
        make_project("tongzhou-2023", "construction", approved="2025-02-10", completed="2026-01-20"),
        make_project("bazhong-2022", "trial_run", approved="2025-03-01", trial_started="2026-02-10"),
        make_project("changji-2025", "approved", approved="2025-06-30"),
    ]


def test_each_chunk_commits_with_its_own_audit_entry(three: list[Project]) -> None:
    run = sweep(as_of=AS_OF, chunk_size=1)
    chunks = list(SweepChunk.objects.filter(run=run))
    assert len(chunks) >= len(three) and all(c.done_at for c in chunks)
    entries = AuditEntry.objects.filter(action="supervision.sweep_chunk", object_id=str(run.pk))
    assert entries.count() == len(chunks)
    assert AuditEntry.objects.filter(action="supervision.sweep", object_id=str(run.pk)).count() == 1
    assert run.finished_at and run.phase == "done" and run.counts["chunks"] == len(chunks)
    assert verify_chain().ok


def test_a_crash_midway_resumes_where_it_stopped(three: list[Project], monkeypatch) -> None:
    clean_reminders = None
    real_apply = sweep_module._apply
    calls: list[int] = []

    def crash_on_second(run, project, plan, as_of, counts):
        calls.append(project.pk)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_apply(run, project, plan, as_of, counts)

    monkeypatch.setattr(sweep_module, "_apply", crash_on_second)
    with pytest.raises(RuntimeError):
        sweep(as_of=AS_OF, chunk_size=1)
    run = SweepRun.objects.get()
    assert run.finished_at is None and run.phase == "projects"
    done = list(SweepChunk.objects.filter(run=run, done_at__isnull=False).values_list("number", "done_at"))
    assert len(done) == 1  # the first chunk committed; the second rolled back whole
    assert not Reminder.objects.filter(obligation__project_id=calls[1]).exists()
    assert Notification.objects.filter(text__startswith="督办提醒").count() == 0  # digests wait for the end

    monkeypatch.setattr(sweep_module, "_apply", real_apply)
    resumed = sweep(as_of=AS_OF, chunk_size=1)
    assert resumed.pk == run.pk and resumed.finished_at is not None
    assert list(SweepChunk.objects.filter(run=run, number=done[0][0]).values_list("number", "done_at")) == done
    clean_reminders = Reminder.objects.count()
    assert clean_reminders > 0
    digests = Notification.objects.filter(text__startswith="督办提醒")
    assert digests.count() == len(set(digests.values_list("user_id", flat=True)))  # one per user
    again = sweep(as_of=AS_OF)
    assert again.pk != run.pk and again.counts["reminders"] == 0 and Reminder.objects.count() == clean_reminders


def test_only_projects_that_changed_are_evaluated_again(three: list[Project]) -> None:
    sweep(as_of=AS_OF)
    tongzhou = three[0]
    before = {p.pk: p.status_as_of for p in Project.objects.filter(pk__in=[p.pk for p in three])}
    applicant = user("tongzhou-2023", "applicant")
    progress_report_submit(project=tongzhou, actor=applicant, kind="quarterly", period="2026Q3",
                           implementation="按计划推进")
    tongzhou.refresh_from_db()
    # The service refreshed the stored status at once and asked tonight's sweep to look again.
    assert tongzhou.status_valid_until == tongzhou.status_as_of
    second = sweep(as_of=AS_OF)
    assert second.counts["evaluated"] == 1 and second.counts["projects"] >= 1
    untouched = Project.objects.get(pk=three[2].pk)
    assert untouched.status_as_of == before[untouched.pk]


def test_a_duty_falling_due_is_reminded_without_re_evaluating(make_project) -> None:
    project = make_project("tongzhou-2023", "construction", approved="2026-05-10", completed="2026-07-01")
    sweep(as_of=date(2026, 6, 1), projects=Project.objects.filter(pk=project.pk))
    assert not Reminder.objects.exists()
    # 2026-06-25 is within the reminder window of the 2026Q2 report due 2026-06-30.
    Project.objects.filter(pk=project.pk).update(status_valid_until=date(2026, 7, 1), status_as_of=date(2026, 6, 1))
    run = sweep(as_of=date(2026, 6, 25))
    assert run.counts["evaluated"] == 0 and run.counts["projects"] == 1
    assert Reminder.objects.filter(kind="before").exists()
    obligation = Obligation.objects.get(project=project, code="progress_report_due", period="2026Q2")
    assert obligation.status == "upcoming" and obligation.as_of == date(2026, 6, 25)
