"""Signed webhooks: POST the event's JSON to each subscription, HMAC-SM3 over the exact body bytes.

Headers of every delivery:
    Content-Type: application/json; charset=utf-8
    X-Govit-Event: <kind>              X-Govit-Event-Seq: <seq>
    X-Govit-Delivery: <delivery id>    X-Govit-Attempt: <n>
    X-Govit-Signature: hmac-sm3=<64 hex>   (HMAC-SM3 of the body, key = the subscription's secret as UTF-8)

A 2xx answer is success; anything else (3xx included: redirects are not followed), a timeout or a
connection error is a failed attempt, retried after GOVIT_WEBHOOK_RETRY_SECONDS[n] seconds; after the
last one the delivery is marked failed and the lead office can redeliver it from the delivery log.

Where a delivery may go (server-side request forgery): the receiver's host is resolved before every
attempt and refused when any of its addresses is link-local (169.254.0.0/16 — a cloud's metadata
service — and fe80::/10), unspecified, multicast or reserved, and when it is loopback unless
GOVIT_WEBHOOK_ALLOW_LOOPBACK is on (development and tests). Private ranges are allowed: receivers on
the 政务外网 live there. A name that resolves elsewhere between the check and the connection is the
residual risk; put an egress proxy in front of the workers where that matters.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govit.core import crypto
from govit.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 (a public marker, not a secret)  # nosec B105
_SEAL_CONTEXT = b"govit.integrations.webhook-secret"
DEFAULT_RETRY_SECONDS = (60, 300, 900, 3600, 10800, 21600, 43200, 86400)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


def seal(secret: str) -> str:
    return crypto.encrypt_text_ring(secret, associated_data=_SEAL_CONTEXT)


def secret_of(subscription: WebhookSubscription) -> str:
    return crypto.decrypt_text_ring(subscription.secret_sealed, associated_data=_SEAL_CONTEXT)


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    return "hmac-sm3=" + crypto.hmac_sm3(secret.encode("utf-8"), body)


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (docs/api.md): recompute the HMAC-SM3 of the raw body and compare."""
    return secrets.compare_digest(signature(secret, body), header or "")


def retry_schedule() -> tuple[int, ...]:
    return tuple(int(s) for s in getattr(settings, "GOVIT_WEBHOOK_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))


def timeout() -> float:
    return float(getattr(settings, "GOVIT_WEBHOOK_DELIVERY_TIMEOUT", 5))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ForbiddenAddress(ValueError):
    """The receiver's host is (or resolves to) an address a webhook must not reach."""


def address_problem(address: str) -> str | None:
    """Why a delivery must not go to this IP address, in Chinese, or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        if getattr(settings, "GOVIT_WEBHOOK_ALLOW_LOOPBACK", False):
            return None
        return f"{ip} 是本机回环地址"
    if ip.is_link_local:
        return f"{ip} 是链路本地地址（含云平台元数据服务）"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return f"{ip} 不是可投递的单播地址"
    return None


def check_host(host: str, port: int | None = None, *, resolve: bool = True) -> None:
    """Refuse a receiver host that is, or resolves to, a forbidden address (ForbiddenAddress)."""
    problem = address_problem(host.strip("[]"))
    if problem is None and resolve:
        try:
            infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            infos = []  # unresolvable: the connection attempt reports it
        for info in infos:
            problem = address_problem(str(info[4][0]))
            if problem:
                break
    if problem:
        raise ForbiddenAddress(f"接收地址指向 {problem}，不向其推送事件")


def post(url: str, body: bytes, headers: dict[str, str], *, timeout_s: float) -> int:
    """POST and return the HTTP status (an HTTP error status is returned, not raised)."""
    from urllib.parse import urlsplit

    if not url.lower().startswith(("https://", "http://")):
        raise ValueError("webhook URLs must be http(s)")
    parts = urlsplit(url)
    check_host(parts.hostname or "", parts.port)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (http(s) only)
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout_s) as response:  # nosec B310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def describe(exc: BaseException) -> str:
    """A failed attempt in Chinese for the delivery log (the technical text follows for the receiver's admin)."""
    import socket
    import ssl

    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ConnectionRefusedError):
        what = "连接被拒绝（接收方服务未启动或端口不对）"
    elif isinstance(reason, (TimeoutError, socket.timeout)):
        what = f"超时（{timeout():g} 秒内无响应）"
    elif isinstance(reason, socket.gaierror):
        what = "无法解析接收地址的主机名"
    elif isinstance(reason, ssl.SSLError):
        what = "TLS（HTTPS）连接失败，请检查接收方证书"
    elif isinstance(reason, ConnectionError):
        what = "连接中断"
    elif isinstance(exc, ForbiddenAddress):
        return str(exc)
    elif isinstance(exc, crypto.DecryptionError):
        what = "签名密钥无法解密（密钥环缺少当时的密钥），请停用后重新订阅"
    elif isinstance(exc, ValueError):
        what = "接收地址无效"
    else:
        what = "网络错误"
    return f"{what}：{reason}"


def _claim(delivery_id: int, *, force: bool) -> WebhookDelivery | None:
    """Take the delivery for one attempt (a lease, so two workers never send it at the same time)."""
    now = timezone.now()
    due = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
    if not force:
        due = due.filter(next_attempt_at__lte=now)
    lease = now + timedelta(seconds=timeout() * 2 + 30)
    if due.update(next_attempt_at=lease) != 1:
        return None
    return WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery_id)


def attempt(delivery_id: int, *, force: bool = False) -> WebhookDelivery | None:
    """One attempt of one delivery, recorded in the log. Returns the delivery, or None when not due."""
    delivery = _claim(delivery_id, force=force)
    if delivery is None:
        return None
    subscription, event = delivery.subscription, delivery.event
    number = delivery.attempts + 1
    body = body_of(event.payload)
    status_code: int | None = None
    error = ""
    started = time.monotonic()
    try:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "govit-webhook/1",
            "X-Govit-Event": event.kind,
            "X-Govit-Event-Seq": str(event.seq),
            "X-Govit-Delivery": str(delivery.pk),
            "X-Govit-Attempt": str(number),
            "X-Govit-Signature": signature(secret_of(subscription), body),
        }
        status_code = post(subscription.url, body, headers, timeout_s=timeout())
        if not 200 <= status_code < 300:
            error = f"接收方返回 HTTP {status_code}"
    except (OSError, ValueError, crypto.DecryptionError) as exc:
        error = describe(exc)[:500]
    elapsed = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    schedule = retry_schedule()
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, number=number, at=now, status_code=status_code,
                                      error=error, duration_ms=elapsed)
        delivery.attempts = number
        delivery.last_attempt_at = now
        delivery.last_status_code = status_code
        delivery.last_error = error
        if not error:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif number > len(schedule):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + timedelta(seconds=schedule[number - 1])
        delivery.save(update_fields=["attempts", "last_attempt_at", "last_status_code", "last_error", "status",
                                     "delivered_at", "next_attempt_at"])
    if error:
        logger.warning("Webhook delivery %s to %s failed (attempt %s): %s", delivery.pk, subscription.url, number,
                       error)
    return delivery


def due_ids(limit: int = 500) -> list[int]:
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def rotate_webhook_keys(*, actor_name: str = "govit keys rotate") -> Any:
    """Re-seal every subscription's signing secret under the newest SM4 key (`govit keys rotate`)."""
    from govit.core.keyrotation import RotationResult
    from govit.core.services import audit_record

    current = crypto.current_sm4_key_id()
    checked = changed = 0
    with transaction.atomic():
        for subscription in WebhookSubscription.objects.select_for_update().order_by("pk"):
            checked += 1
            if crypto.ciphertext_key_id(subscription.secret_sealed) == current:
                continue
            subscription.secret_sealed = seal(secret_of(subscription))
            subscription.save(update_fields=["secret_sealed"])
            changed += 1
        if checked:
            audit_record(actor=None, actor_name=actor_name, action="keys.rotate",
                         details={"scope": "webhooks", "key_id": current, "checked": checked, "reencrypted": changed})
    return RotationResult(name="事件推送签名密钥", checked=checked, reencrypted=changed)
