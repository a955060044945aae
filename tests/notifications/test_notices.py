"""通知公告 and the notification centre: the lead office publishes to its units (通州 第七条: 每年10月底前
递交下一年度项目计划), units see and read them, withdrawal is confirmed and undoable, every write audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govit.core.models import AuditEntry, Jurisdiction, User
from govit.notifications.demo import collection_call_due
from govit.notifications.models import NoticeStatus, Notification
from govit.notifications.selectors import notices_visible_to, unread_count, unread_notice_count
from govit.notifications.services import (
    notice_mark_read,
    notice_publish,
    notice_restore,
    notice_withdraw,
    notifications_mark_all_read,
)
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused

pytestmark = pytest.mark.django_db


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _tz() -> Jurisdiction:
    return Jurisdiction.objects.get(code="320612")


def _publish(**extra: object) -> object:
    fields = {"title": "关于报送下一年度项目计划的通知", "body": "请于10月底前递交下一年度项目计划（第七条）。",
              "basis": "第七条", "due_date": collection_call_due(timezone.localdate())} | extra
    return notice_publish(jurisdiction=_tz(), actor=_user("tz_lead_office"), **fields)


def test_the_lead_office_publishes_to_the_units_of_its_jurisdiction(demo_data: None) -> None:
    applicant = _user("tz_applicant")
    notice = _publish()
    assert notice.status == NoticeStatus.PUBLISHED
    delivery = Notification.objects.get(user=applicant, notice=notice)
    assert "关于报送下一年度项目计划的通知" in delivery.text and "10-31" in delivery.text
    assert unread_notice_count(applicant) == 1 and unread_count(applicant) == 1
    assert not Notification.objects.filter(notice=notice, user=_user("bz_applicant")).exists()
    entry = AuditEntry.objects.get(action="notice.publish")
    assert entry.actor_name == "tz_lead_office" and entry.details["basis"] == "第七条"
    assert entry.details["recipients"] == Notification.objects.filter(notice=notice).count()
    assert list(notices_visible_to(applicant)) == [notice]
    assert list(notices_visible_to(_user("bz_applicant"))) == []
    assert notice_mark_read(notice=notice, user=applicant) == 1
    assert unread_notice_count(applicant) == 0


def test_only_the_lead_office_publishes_and_bad_input_names_the_field(demo_data: None) -> None:
    with pytest.raises(PermissionDenied):
        notice_publish(jurisdiction=_tz(), actor=_user("tz_applicant"), title="t", body="b")
    with pytest.raises(PermissionDenied):  # another jurisdiction's lead office
        notice_publish(jurisdiction=_tz(), actor=_user("bz_lead_office"), title="t", body="b")
    assert AuditEntry.objects.filter(action="service.refused", details__service="notice_publish").count() == 2
    for extra, field in (({"title": " "}, "title"), ({"body": ""}, "body"),
                         ({"due_date": date.today() - timedelta(days=2)}, "due_date")):
        with pytest.raises(InvalidInput) as refused:
            _publish(**extra)
        assert refused.value.field == field


def test_withdrawal_hides_the_notice_and_restoring_undoes_it(demo_data: None) -> None:
    lead, applicant = _user("tz_lead_office"), _user("tz_applicant")
    notice = _publish()
    with pytest.raises(PermissionDenied):
        notice_withdraw(notice=notice, actor=applicant)
    notice_withdraw(notice=notice, actor=lead)
    assert list(notices_visible_to(applicant)) == []
    assert list(notices_visible_to(lead)) == [notice]  # the lead office keeps it and can restore it
    assert unread_notice_count(applicant) == 0
    with pytest.raises(TransitionRefused):
        notice_withdraw(notice=notice, actor=lead)
    notice_restore(notice=notice, actor=lead)
    assert list(notices_visible_to(applicant)) == [notice] and unread_notice_count(applicant) == 1
    assert list(AuditEntry.objects.filter(action__startswith="notice.").values_list("action", flat=True)
                .order_by("seq")) == ["notice.publish", "notice.withdraw", "notice.restore"]


def test_notification_centre_pages(demo_data: None) -> None:
    applicant = _user("tz_applicant")
    notice = _publish()
    client = Client()
    client.force_login(applicant)
    home = client.get(reverse("web:home")).content.decode()
    assert "（1 条未读）" in home and "通知公告" in home
    page = client.get(reverse("notifications:list")).content.decode()
    assert "关于报送下一年度项目计划的通知" in page and "未读" in page
    delivery = Notification.objects.get(user=applicant, notice=notice)
    response = client.get(reverse("notifications:open", args=[delivery.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:notice", args=[notice.pk])
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    assert "第七条" in client.get(response["Location"]).content.decode()
    # Someone else's notification is not found.
    other = Client()
    other.force_login(_user("bz_applicant"))
    assert other.get(reverse("notifications:open", args=[delivery.pk])).status_code == 404
    assert other.get(reverse("notifications:notice", args=[notice.pk])).status_code == 404


def test_withdrawing_from_the_web_asks_first(demo_data: None) -> None:
    notice = _publish()
    client = Client()
    client.force_login(_user("tz_lead_office"))
    url = reverse("notifications:notice-withdraw", args=[notice.pk])
    page = client.post(url)
    assert page.status_code == 200 and "撤回通知“关于报送下一年度项目计划的通知”？" in page.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    client.post(reverse("notifications:notice-restore", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    # An applicant can neither withdraw nor see the confirmation.
    applicant = Client()
    applicant.force_login(_user("tz_applicant"))
    assert applicant.post(url).status_code == 404


def test_mark_all_read(demo_data: None) -> None:
    applicant = _user("tz_applicant")
    _publish()
    _publish(title="第二条通知")
    assert notifications_mark_all_read(user=applicant) == 2
    assert unread_count(applicant) == 0
    assert notifications_mark_all_read(user=applicant) == 0
    assert AuditEntry.objects.filter(action="notification.read_all").count() == 1


def test_the_demo_call_falls_due_at_the_end_of_october() -> None:
    assert collection_call_due(date(2026, 3, 1)) == date(2026, 10, 31)
    assert collection_call_due(date(2026, 10, 31)) == date(2026, 10, 31)
    assert collection_call_due(date(2026, 11, 1)) == date(2027, 10, 31)
