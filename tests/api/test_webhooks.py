"""Signed webhooks: each lifecycle event is POSTed to the jurisdiction's subscribed systems with an
HMAC-SM3 signature over the body; failures retry with backoff, then stop; the lead office sees the
delivery log and can redeliver."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from govit.core import crypto
from govit.core.models import User
from govit.integrations import webhooks
from govit.integrations.models import DeliveryStatus, OutboundEvent, WebhookAttempt, WebhookDelivery
from tests.api.receiver import receiver
from tests.projects.conftest import new_project

pytestmark = pytest.mark.usefixtures("world")


def subscribe(api: Any, url: str, **extra: Any) -> dict[str, Any]:
    return api("tz_lead_office").post("/webhooks", {"name": "投资项目在线审批监管平台", "url": url, **extra},
                                      status=201)


def test_each_event_is_posted_signed_with_hmac_sm3(api: Any, django_capture_on_commit_callbacks: Any) -> None:
    with receiver() as hook:
        created = subscribe(api, hook.url)
        assert created["secret"].startswith("whsec_") and created["kinds"] == []
        with django_capture_on_commit_callbacks(execute=True):
            project = new_project(api("tz_applicant"))
        assert len(hook.requests) == 1
        request = hook.requests[0]
        headers = {k.lower(): v for k, v in request["headers"].items()}
        # What the receiver does: HMAC-SM3 of the raw body with the secret, compared with the header.
        expected = "hmac-sm3=" + crypto.hmac_sm3(created["secret"].encode(), request["body"])
        assert headers["x-govit-signature"] == expected
        assert webhooks.verify(created["secret"], request["body"], headers["x-govit-signature"])
        assert not webhooks.verify(created["secret"], request["body"] + b" ", headers["x-govit-signature"])
        body = json.loads(request["body"])
        event = OutboundEvent.objects.get(seq=body["seq"])
        assert body == event.payload and body["kind"] == "create" and body["project"]["id"] == project["id"]
        assert headers["x-govit-event"] == "create" and headers["x-govit-event-seq"] == str(body["seq"])
        assert headers["content-type"].startswith("application/json")
        delivery = WebhookDelivery.objects.get(pk=int(headers["x-govit-delivery"]))
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1 and delivery.delivered_at


def test_subscriptions_choose_their_events_and_their_jurisdiction(api: Any,
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    with receiver() as hook:
        subscribe(api, hook.url, kinds=["update", "submit"])
        with django_capture_on_commit_callbacks(execute=True):
            pid = new_project(api("tz_applicant"))["id"]
            api("tz_applicant").patch(f"/projects/{pid}", {"facts": {"annual_om_wan": 5}})
            new_project(api("kdl_applicant"))
        assert [json.loads(r["body"])["kind"] for r in hook.requests] == ["update"]


def test_failures_retry_with_backoff_then_stop(api: Any, settings: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    settings.GOVIT_WEBHOOK_RETRY_SECONDS = [60, 600]
    with receiver(status=500) as hook:
        subscribe(api, hook.url)
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"))
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert delivery.last_status_code == 500 and "500" in delivery.last_error
        wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert 59 <= wait <= 61
        # Not due yet: the cron run leaves it alone.
        out = io.StringIO()
        call_command("webhooks", "retry", "--format", "json", stdout=out)
        assert json.loads(out.getvalue())["attempted"] == 0 and len(hook.requests) == 1
        for expected_attempts, expected_status in ((2, DeliveryStatus.PENDING), (3, DeliveryStatus.FAILED)):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
            call_command("webhooks", "retry", stdout=io.StringIO())
            delivery.refresh_from_db()
            assert (delivery.attempts, delivery.status) == (expected_attempts, expected_status)
        assert delivery.next_attempt_at is None and len(hook.requests) == 3
        assert [a.number for a in WebhookAttempt.objects.filter(delivery=delivery)] == [1, 2, 3]
        assert [r["headers"]["X-Govit-Attempt"] for r in hook.requests] == ["1", "2", "3"]
        # The receiver is fixed; the lead office redelivers from the log.
        hook.status = 200
        redelivered = api("tz_lead_office").post(f"/webhooks/deliveries/{delivery.pk}/redeliver")
        assert redelivered["status"] == "delivered" and redelivered["attempts"] == 4


def test_unreachable_receiver_is_a_failed_attempt_not_an_error(api: Any,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    with receiver() as hook:
        url = hook.url
    subscribe(api, url)  # the server is gone: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        created = new_project(api("tz_applicant"), name="推送失败不影响办理")
    assert created["name"] == "推送失败不影响办理"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error.startswith("连接被拒绝"), delivery.last_error


def test_with_a_broker_a_failed_attempt_schedules_its_own_retry(api: Any, settings: Any, monkeypatch: Any,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    from govit.integrations import tasks

    scheduled: list[tuple[Any, int]] = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async",
                        lambda args, countdown: scheduled.append((args, countdown)))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with receiver(status=503) as hook:
        subscribe(api, hook.url)
        monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda pk: tasks.deliver_webhook(pk))
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"))
    delivery = WebhookDelivery.objects.get()
    assert scheduled and scheduled[0][0] == (delivery.pk,) and 55 <= scheduled[0][1] <= 60


def test_disabling_stops_deliveries(api: Any, django_capture_on_commit_callbacks: Any) -> None:
    with receiver(status=500) as hook:
        created = subscribe(api, hook.url)
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"))
        disabled = api("tz_lead_office").post(f"/webhooks/{created['id']}/disable")
        assert disabled["active"] is False and disabled["disabled_at"]
        assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"))
        assert WebhookDelivery.objects.count() == 1 and len(hook.requests) == 1


def test_only_the_lead_office_manages_its_own_subscriptions(api: Any) -> None:
    refused = api("tz_applicant").post("/webhooks", {"name": "x", "url": "https://oa.example.gov.cn/hook"},
                                       status=403)
    assert refused["code"] == "permission_denied"
    created = subscribe(api, "https://oa.example.gov.cn/hook")
    assert api("kdl_lead_office").get("/webhooks")["items"] == []
    api("kdl_lead_office").post(f"/webhooks/{created['id']}/disable", status=404)
    api("kdl_lead_office").get(f"/webhooks/{created['id']}/deliveries", status=404)
    listed = api("tz_lead_office").get("/webhooks")
    assert [w["id"] for w in listed["items"]] == [created["id"]] and listed["count"] == 1
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(("url", "field"), [("ftp://oa.example.gov.cn/x", "url"),
                                            ("https://user:pw@oa.example.gov.cn/x", "url"),
                                            ("not a url", "url")])
def test_bad_subscriptions_are_refused_naming_the_field(api: Any, url: str, field: str) -> None:
    body = api("tz_lead_office").post("/webhooks", {"name": "OA", "url": url}, status=400)
    assert body["code"] == "invalid_input" and body["field"] == field
    body = api("tz_lead_office").post("/webhooks", {"name": "OA", "url": "https://oa.example.gov.cn/x",
                                                    "kinds": ["Approval!"]}, status=400)
    assert body["field"] == "kinds"


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x",
                                 "http://0.0.0.0:8000/x", "http://224.0.0.1/x", "http://[::ffff:169.254.1.1]/x"])
def test_a_receiver_at_a_link_local_or_non_unicast_address_is_refused(api: Any, url: str) -> None:
    body = api("tz_lead_office").post("/webhooks", {"name": "元数据", "url": url}, status=400)
    assert body["code"] == "invalid_input" and body["field"] == "url" and "不向其推送事件" in body["detail"]


def test_private_addresses_of_the_government_network_are_allowed(api: Any) -> None:
    assert subscribe(api, "https://10.12.3.4:8443/govit-hook")["url"] == "https://10.12.3.4:8443/govit-hook"


def test_loopback_receivers_are_refused_unless_allowed(api: Any, settings: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    with receiver() as hook:
        settings.GOVIT_WEBHOOK_ALLOW_LOOPBACK = False
        body = api("tz_lead_office").post("/webhooks", {"name": "本机", "url": hook.url}, status=400)
        assert body["field"] == "url" and "回环" in body["detail"]
        # A host name is resolved before every delivery: "localhost" passes the form, not the send.
        subscribe(api, hook.url.replace("127.0.0.1", "localhost"))
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"))
        delivery = WebhookDelivery.objects.get()
        assert hook.requests == [] and delivery.attempts == 1 and "回环" in delivery.last_error
        settings.GOVIT_WEBHOOK_ALLOW_LOOPBACK = True
        api("tz_lead_office").post(f"/webhooks/deliveries/{delivery.pk}/redeliver")
        assert len(hook.requests) == 1


def test_the_secret_is_stored_sealed(api: Any) -> None:
    created = subscribe(api, "https://oa.example.gov.cn/hook")
    from govit.integrations.models import WebhookSubscription

    row = WebhookSubscription.objects.get(pk=created["id"])
    assert created["secret"] not in row.secret_sealed and webhooks.secret_of(row) == created["secret"]


def test_key_rotation_reseals_the_secrets(api: Any, monkeypatch: Any) -> None:
    import os

    from govit.integrations.models import WebhookSubscription

    created = subscribe(api, "https://oa.example.gov.cn/hook")
    monkeypatch.setenv("GOVIT_SM4_KEYS", "k1:" + os.urandom(16).hex())
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    row = WebhookSubscription.objects.get(pk=created["id"])
    assert crypto.ciphertext_key_id(row.secret_sealed) == "k1" and webhooks.secret_of(row) == created["secret"]
    assert "webhooks：检查 1 条，重新加密 1 条" in out.getvalue()


def test_the_delivery_log_page(api: Any, django_capture_on_commit_callbacks: Any) -> None:
    lead = Client()
    lead.force_login(User.objects.get(username="tz_lead_office"))
    page = lead.get("/integrations/webhooks/")
    assert page.status_code == 200
    assert "事件推送订阅" in page.content.decode() and "暂无投递记录" in page.content.decode()
    with receiver(status=502) as hook:
        created = lead.post("/integrations/webhooks/", {"name": "财政一体化系统", "url": hook.url,
                                                         "kinds": "create, submit", "jurisdiction": ""})
        text = created.content.decode()
        assert created.status_code == 200 and "签名密钥（只显示这一次）" in text and "whsec_" in text
        with django_capture_on_commit_callbacks(execute=True):
            new_project(api("tz_applicant"), name="看日志的项目")
        text = lead.get("/integrations/webhooks/?status=pending").content.decode()
        assert "看日志的项目" in text and "HTTP 502" in text and "待投递" in text and "whsec_" not in text
        hook.status = 200
        delivery = WebhookDelivery.objects.get()
        lead.post(f"/integrations/deliveries/{delivery.pk}/redeliver/")
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED
    bad = lead.post("/integrations/webhooks/", {"name": "OA", "url": "ftp://x", "kinds": ""})
    assert bad.status_code == 400 and "http://" in bad.content.decode()
    applicant = Client()
    applicant.force_login(User.objects.get(username="tz_applicant"))
    assert applicant.get("/integrations/webhooks/").status_code == 403
