"""Work finds people: 待办 badges per menu item, the lead office's own opinion tasks (政务数据共享审核意见
where the lead office's unit is the data bureau) in its inbox and on the project page, the confirmation
of destructive account actions without JavaScript, and where each security setting is configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govit.core.models import Role, RoleAssignment, User
from govit.core.services import audit_record
from govit.projects.selectors import lead_office_inbox, lead_office_inbox_count
from govit.reviews.models import OpinionTask
from govit.reviews.selectors import open_task_count
from govit.web.context_processors import workspace
from tests.experts.conftest import make_project

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _task(**fields: object) -> OpinionTask:
    """A task written the way the review service writes one: the row, then its audit entry (the menu
    badges are cached against the audit chain head, so a write that skips the audit is not seen)."""
    task = OpinionTask.objects.create(**fields)
    audit_record(actor=None, actor_name="review.open_stage_tasks", action="review.task_open", obj=task)
    return task


def _own_task(prefix: str) -> OpinionTask:
    lead = User.objects.get(username=f"{prefix}_lead_office")
    unit = RoleAssignment.objects.get(user=lead, role=Role.LEAD_OFFICE).unit
    return _task(project=make_project(prefix, name="共享审核项目"), body="data_bureau", unit=unit,
                 aspect="政务数据共享与集约化建设审核意见", due_date=timezone.localdate() + timedelta(days=5))


def test_the_lead_offices_own_opinion_is_in_its_inbox_and_on_the_project(demo_data: None) -> None:
    lead = User.objects.get(username="bz_lead_office")
    before = lead_office_inbox_count(lead)
    task = _own_task("bz")
    assert lead_office_inbox_count(lead) == before + 1
    row = next(i for i in lead_office_inbox(lead) if i["kind"] == "own_task")
    assert row["task"] == task.pk and "本单位待出具政务数据共享与集约化建设审核意见" in row["text"]
    client = _client("bz_lead_office")
    inbox = client.get(reverse("projects:inbox")).content.decode()
    assert reverse("reviews:task", args=[task.pk]) in inbox and "本单位意见" in inbox
    detail = client.get(reverse("projects:detail", args=[task.project_id])).content.decode()
    assert "出具本单位意见" in detail and reverse("reviews:task", args=[task.pk]) in detail
    assert client.get(reverse("reviews:task", args=[task.pk])).status_code == 200
    # Another jurisdiction's lead office neither counts it nor opens it.
    assert all(i["kind"] != "own_task" for i in lead_office_inbox(User.objects.get(username="tz_lead_office")))
    assert _client("tz_lead_office").get(reverse("reviews:task", args=[task.pk])).status_code == 404
    task.status = "done"
    task.save(update_fields=["status"])
    assert lead_office_inbox_count(lead) == before


def test_menu_badges_count_what_waits(demo_data: None, rf: object) -> None:
    lead = User.objects.get(username="bz_lead_office")
    request = rf.get("/home/")  # type: ignore[attr-defined]
    request.user = lead
    nav = {label: count for label, _, count in workspace(request)["govit_nav"]}
    assert nav["待办"] == lead_office_inbox_count(lead)
    _own_task("bz")
    nav = {label: count for label, _, count in workspace(request)["govit_nav"]}
    assert nav["待办"] == lead_office_inbox_count(lead) and nav["待办"] >= 1
    assert workspace(request)["govit_nav_total"] == sum(nav.values())
    reviewer = User.objects.get(username="bz_member_reviewer")
    unit = RoleAssignment.objects.get(user=reviewer, role=Role.MEMBER_REVIEWER).unit
    _task(project=make_project("bz", name="财政审核项目"), body="finance", unit=unit,
          aspect="财政资金审核意见", due_date=timezone.localdate())
    request.user = reviewer
    nav = {label: count for label, _, count in workspace(request)["govit_nav"]}
    assert nav["审查意见任务"] == open_task_count(reviewer) == 1
    page = _client("bz_member_reviewer").get(reverse("web:home")).content.decode()
    assert "（1 项待办）" in page


def test_menu_badges_cost_no_count_query_until_an_audited_write(demo_data: None, rf: object) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = User.objects.get(username="tz_lead_office")
    request = rf.get("/home/")  # type: ignore[attr-defined]
    request.user = lead
    first = {label: count for label, _, count in workspace(request)["govit_nav"]}["待办"]
    with CaptureQueriesContext(connection) as again:
        cached = {label: count for label, _, count in workspace(request)["govit_nav"]}["待办"]
    assert cached == first == lead_office_inbox_count(lead)
    assert not any("UNION" in q["sql"] for q in again.captured_queries)  # the inbox count was not run
    _own_task("tz")  # an audited write anywhere moves the chain head: the next page counts again
    assert {label: count for label, _, count in workspace(request)["govit_nav"]}["待办"] == first + 1


def test_destructive_account_actions_ask_on_a_page_without_javascript(demo_data: None) -> None:
    admin = _client("tz_system_admin")
    target = User.objects.get(username="tz_expert")
    url = reverse("accounts:user-active", args=[target.pk])
    page = admin.post(url, {"active": "0"})
    body = page.content.decode()
    assert page.status_code == 200 and "停用账号 tz_expert？" in body and 'name="confirmed" value="1"' in body
    assert 'name="active" value="0"' in body  # the confirmation re-posts what was sent
    target.refresh_from_db()
    assert target.is_active
    assert admin.post(url, {"active": "0", "confirmed": "1"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert admin.post(url, {"active": "1"}).status_code == 302  # enabling is the undo: no question
    target.refresh_from_db()
    assert target.is_active
    users_page = admin.get(reverse("accounts:users")).content.decode()
    assert 'data-confirm="停用账号 tz_expert？"' in users_page
    security = _client("tz_security_admin")
    assignment = RoleAssignment.objects.get(user__username="tz_leadership")
    page = security.post(reverse("accounts:role-revoke", args=[assignment.pk])).content.decode()
    assert "撤销 tz_leadership 的“领导”角色？" in page
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    page = security.post(reverse("accounts:user-otp-reset", args=[assignment.user_id])).content.decode()
    assert "不能撤销" in page


def test_security_settings_say_where_they_are_configured(demo_data: None, settings: object) -> None:
    settings.AXES_FAILURE_LIMIT = 7  # type: ignore[attr-defined]
    page = _client("tz_security_admin").get(reverse("web:home")).content.decode()
    for name in ("GOVIT_LOGIN_FAILURE_LIMIT", "AXES_FAILURE_LIMIT", "GOVIT_LOGIN_COOLOFF_MINUTES",
                 "GOVIT_SESSION_IDLE_SECONDS", "GOVIT_PASSWORD_POLICY", "GOVIT_OTP_REQUIRED_ROLES",
                 "GOVIT_AUDIT_RETENTION_DAYS", "PASSWORD_HASHERS"):
        assert name in page, name
    assert "7 次" in page and "配置位置" in page
