"""Delivery channels for digests: the in-app inbox, email and a webhook.

`GOVIT_NOTIFICATION_CHANNELS` lists the channels in use (default: inbox and email). Email goes
through Django's EMAIL_BACKEND (console by default, SMTP when configured). The webhook POSTs JSON
to `GOVIT_WEBHOOK_URL`; its transport is `post_json`, which tests replace.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from govit.core.models import User
from govit.notifications.services import notify

logger = logging.getLogger(__name__)


@dataclass
class Digest:
    """One message to one user listing several items."""

    user: User
    subject: str
    lines: list[str]
    payload: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.subject + "：" + "；".join(self.lines)


def channels() -> list[str]:
    return list(getattr(settings, "GOVIT_NOTIFICATION_CHANNELS", ("inbox", "email")))


def post_json(url: str, payload: dict[str, Any], *, timeout: float) -> int:
    """POST `payload` as JSON; returns the HTTP status."""
    if not url.lower().startswith(("https://", "http://")):
        raise ValueError("Notification webhooks must be http(s) URLs.")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - the operator sets the URL
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)  # nosec B310
        return int(response.status)


def deliver(digests: Iterable[Digest]) -> dict[str, int]:
    """Send each digest through every configured channel. Call after the sweep's transaction commits."""
    counts = {"inbox": 0, "email": 0, "webhook": 0}
    enabled = channels()
    url = getattr(settings, "GOVIT_WEBHOOK_URL", "")
    for digest in digests:
        if "inbox" in enabled:
            counts["inbox"] += len(notify(users=[digest.user], project=None, text=digest.text()))
        if "email" in enabled and digest.user.email:
            try:
                send_mail(digest.subject, "\n".join(digest.lines), None, [digest.user.email])
                counts["email"] += 1
            except OSError:
                logger.exception("Digest email to user %s failed", digest.user.pk)
        if "webhook" in enabled and url:
            payload = {"user": digest.user.get_username(), "subject": digest.subject, "items": digest.lines,
                       **digest.payload}
            try:
                post_json(url, payload, timeout=float(getattr(settings, "GOVIT_WEBHOOK_TIMEOUT", 5)))
                counts["webhook"] += 1
            except OSError:
                logger.exception("Digest webhook for user %s failed", digest.user.pk)
    return counts
