"""API authentication: the browser session (with CSRF) or a bearer token from `ApiToken`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from govit.core import crypto
from govit.core.models import ApiToken, User
from govit.core.services import API_TOKEN_PREFIX


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer gvt_…` for system-to-system calls."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=crypto.sm3_hex(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if row is None or not row.user.is_active or (row.expires_at and row.expires_at <= now):
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class ActiveSessionAuth(SessionAuth):
    """Django session auth (CSRF-checked for unsafe methods), active users only."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [ActiveSessionAuth(), ApiTokenAuth()]
