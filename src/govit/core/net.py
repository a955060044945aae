"""Request helpers shared by web, API and auditing."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address; trusts X-Forwarded-For only when GOVIT_USE_X_FORWARDED_FOR is on."""
    if request is None:
        return None
    if getattr(settings, "GOVIT_USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None
