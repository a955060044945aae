"""The sweep: reminders before, on and after the due date; one digest per user; nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from govit.core.models import Role
from govit.notifications import channels
from govit.notifications.models import Notification
from govit.supervision.models import HealthRating, Obligation, Reminder, SweepRun
from govit.supervision.services import sweep
from tests.supervision.conftest import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(monkeypatch, settings) -> list:
    sent: list = []
    settings.GOVIT_WEBHOOK_URL = "http://webhook.invalid/govit"  # never contacted: the transport is replaced
    settings.GOVIT_NOTIFICATION_CHANNELS = ["inbox", "email", "webhook"]
    monkeypatch.setattr(channels, "post_json", lambda url, payload, *, timeout: sent.append((url, payload)) or 200)
    return sent


def run(as_of: str, project, capture) -> SweepRun:
    with capture(execute=True):
        return sweep(as_of=date.fromisoformat(as_of), projects=type(project).objects.filter(pk=project.pk))


def test_reminders_once_per_kind_and_one_digest_per_user(make_project, posts,
                                                          django_capture_on_commit_callbacks) -> None:
    applicant = user("tongzhou-2023", Role.APPLICANT)
    lead = user("tongzhou-2023", Role.LEAD_OFFICE)
    applicant.email, lead.email = "applicant@example.gov.cn", "lead@example.gov.cn"
    applicant.save(), lead.save()
    # 建成 2026-07-01 → 申请验收 by 2027-01-01 (第三十条); accepted projects stop quarterly reports.
    project = make_project("tongzhou-2023", "construction", approved="2026-05-10", completed="2026-07-01")
    inbox_before = Notification.objects.filter(user=applicant).count()

    first = run("2026-06-25", project, django_capture_on_commit_callbacks)  # 5 days before 2026Q2 ends
    assert first.counts["reminders"] == 1
    assert Reminder.objects.get(user=applicant).kind == "before"
    digest = Notification.objects.filter(user=applicant).order_by("-pk").first()
    assert Notification.objects.filter(user=applicant).count() == inbox_before + 1
    assert "督办提醒（1 项）" in digest.text and "第十九条" in digest.text and "2026-06-30" in digest.text
    assert [m.to for m in mail.outbox] == [["applicant@example.gov.cn"]]
    assert len(posts) == 1 and posts[0][1]["obligations"][0]["code"] == "progress_report_due"

    again = run("2026-06-25", project, django_capture_on_commit_callbacks)
    assert again.counts["reminders"] == 0
    assert Notification.objects.filter(user=applicant).count() == inbox_before + 1
    assert len(mail.outbox) == 1 and len(posts) == 1

    run("2026-06-30", project, django_capture_on_commit_callbacks)  # on the due date
    run("2026-07-01", project, django_capture_on_commit_callbacks)  # overdue: the lead office hears too
    kinds = sorted(Reminder.objects.filter(user=applicant).values_list("kind", flat=True))
    assert kinds == ["before", "on", "overdue"]
    assert list(Reminder.objects.filter(user=lead).values_list("kind", flat=True)) == ["overdue"]
    assert Notification.objects.filter(user=applicant).count() == inbox_before + 3
    assert len(posts) == 4  # applicant ×3, lead office ×1

    run("2026-07-01", project, django_capture_on_commit_callbacks)
    assert Reminder.objects.count() == 4 and len(posts) == 4 and len(mail.outbox) == 4


def test_second_sweep_of_every_demo_like_project_sends_nothing(make_project,
                                                               django_capture_on_commit_callbacks) -> None:
    make_project("tongzhou-2023", "construction", approved="2025-02-10", completed="2026-01-20")
    make_project("bazhong-2022", "trial_run", approved="2025-03-01", trial_started="2026-02-10")
    make_project("changji-2025", "approved", approved="2025-06-30")
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(as_of=date(2026, 7, 21))
    notes = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        second = sweep(as_of=date(2026, 7, 21))
    assert first.counts["reminders"] > 0
    assert second.counts["reminders"] == 0 and Notification.objects.count() == notes
    # Nothing changed since the first run: the second one looks at no project at all.
    assert second.counts["projects"] == 0 and second.counts["evaluated"] == 0
    stored = sorted(Obligation.objects.values_list("project_id", "code", "period", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        again = sweep(as_of=date(2026, 7, 21), full=True)  # everything re-derived: the same answer
    assert again.counts["obligations"] == first.counts["obligations"] and again.counts["reminders"] == 0
    assert sorted(Obligation.objects.values_list("project_id", "code", "period", "status")) == stored
    assert Notification.objects.count() == notes


def test_health_rating_names_the_signals(make_project, django_capture_on_commit_callbacks) -> None:
    project = make_project("tongzhou-2023", "construction", approved="2025-02-10", procurement_started="2025-03-01",
                           completed="2026-01-20")
    project.facts = {**project.facts, "contract": {**project.facts["contract"], "build_months": 6}}
    project.save(update_fields=["facts"])
    run("2026-08-20", project, django_capture_on_commit_callbacks)
    rating = HealthRating.objects.get(project=project)
    codes = {s["code"] for s in rating.signals}
    # Reports overdue, completion 2026-01-20 against a contract end of 2025-09-01, acceptance overdue.
    assert codes == {"overdue_obligations", "schedule_slip", "acceptance_delay"}
    assert rating.score == 1
    fresh = make_project("changji-2025", "approved", approved="2026-08-01")
    run("2026-08-20", fresh, django_capture_on_commit_callbacks)
    assert HealthRating.objects.get(project=fresh).score == 5


def test_sweep_command_accepts_as_of(make_project, capsys) -> None:
    from django.core.management import call_command

    make_project("changji-2025", "approved", approved="2025-06-30")
    call_command("sweep", "--as-of", "2026-07-01")
    assert "督办扫描（2026-07-01）" in capsys.readouterr().out
