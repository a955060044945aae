"""Writes of the integration data: webhook subscriptions and redeliveries (lead office only, audited)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from govit.core.models import Role, User
from govit.core.services import audit_record
from govit.integrations import webhooks
from govit.integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from govit.projects.errors import InvalidInput, PermissionDenied, audit_refusals
from govit.projects.selectors import assignment_for

KIND_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+)*\.?$")
MAX_KINDS = 50


def _require_lead_office(actor: User, jurisdiction_id: int) -> None:
    if assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=jurisdiction_id) is None:
        raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以管理事件推送。")


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidInput("请填写接收地址。", field="url")
    if len(url) > 500:
        raise InvalidInput("接收地址不能超过 500 个字符。", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("接收地址应以 http:// 或 https:// 开头，并包含主机名。", field="url")
    if parts.username or parts.password:
        raise InvalidInput("接收地址中不能包含用户名或密码；接收方请用签名（X-Govit-Signature）核验来源。",
                           field="url")
    try:
        # A literal address is judged now; a host name is resolved before every delivery.
        webhooks.check_host(parts.hostname, resolve=False)
    except webhooks.ForbiddenAddress as exc:
        raise InvalidInput(f"{exc}。", field="url") from exc
    return url


def clean_kinds(kinds: list[str] | None) -> list[str]:
    cleaned = []
    for kind in kinds or []:
        kind = str(kind).strip()
        if not KIND_PATTERN.fullmatch(kind):
            raise InvalidInput(f"事件代码“{kind}”格式有误：应为 submit、approval.approve 这样的代码，"
                               "或以点结尾的前缀（如 approval.）。", field="kinds")
        if kind not in cleaned:
            cleaned.append(kind)
    if len(cleaned) > MAX_KINDS:
        raise InvalidInput(f"订阅的事件不能超过 {MAX_KINDS} 项。", field="kinds")
    return cleaned


@audit_refusals
def webhook_subscription_create(*, actor: User, jurisdiction_id: int, name: str, url: str,
                                kinds: list[str] | None = None,
                                source_ip: str | None = None) -> tuple[WebhookSubscription, str]:
    """A new receiving system. Returns the subscription and its signing secret (shown once)."""
    _require_lead_office(actor, jurisdiction_id)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("请填写接收系统名称（不超过 100 个字符）。", field="name")
    url, kinds = clean_url(url), clean_kinds(kinds)
    secret = webhooks.new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            jurisdiction_id=jurisdiction_id, name=name, url=url, kinds=kinds, secret_sealed=webhooks.seal(secret),
            created_by=actor,
        )
        audit_record(actor=actor, action="webhook.create", obj=subscription, source_ip=source_ip,
                     details={"name": name, "url": url, "kinds": kinds})
    return subscription, secret


@audit_refusals
def webhook_subscription_disable(*, actor: User, subscription: WebhookSubscription,
                                 source_ip: str | None = None) -> WebhookSubscription:
    """Stop sending to this system; deliveries still pending are not sent."""
    _require_lead_office(actor, subscription.jurisdiction_id)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.active:
            subscription.active = False
            subscription.disabled_at = timezone.now()
            subscription.save(update_fields=["active", "disabled_at"])
            WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, last_error="订阅已停用，未再投递")
            audit_record(actor=actor, action="webhook.disable", obj=subscription, source_ip=source_ip)
    return subscription


@audit_refusals
def webhook_redeliver(*, actor: User, delivery: WebhookDelivery, source_ip: str | None = None) -> WebhookDelivery:
    """Send one event to one system again now (e.g. after the receiver was fixed), whatever its status."""
    _require_lead_office(actor, delivery.subscription.jurisdiction_id)
    if not delivery.subscription.active:
        raise InvalidInput("该订阅已停用，不能重新投递。")
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING,
                                                              next_attempt_at=timezone.now())
        audit_record(actor=actor, action="webhook.redeliver", obj=delivery.subscription, source_ip=source_ip,
                     details={"delivery": delivery.pk, "event_seq": delivery.event.seq})
    webhooks.attempt(delivery.pk, force=True)
    delivery.refresh_from_db()
    return delivery


def subscription_out(subscription: WebhookSubscription) -> dict[str, Any]:
    return {"id": subscription.pk, "jurisdiction_id": subscription.jurisdiction_id, "name": subscription.name,
            "url": subscription.url, "kinds": subscription.kinds, "active": subscription.active,
            "created_at": subscription.created_at, "disabled_at": subscription.disabled_at}
