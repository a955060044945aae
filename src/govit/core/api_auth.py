"""API authentication: the browser session (with CSRF) or a bearer token from `ApiToken`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from govit.core import crypto
from govit.core.middleware import ADMIN_SEPARATION_MESSAGE, admin_path_blocked
from govit.core.models import ApiToken, User
from govit.core.services import API_TOKEN_PREFIX


def _separate_admins(request: HttpRequest, user: User) -> User:
    """三员分立 for the API, whichever way the caller signed in (bearer tokens skip the middleware)."""
    if admin_path_blocked(user, request.path_info):
        raise AuthorizationError(message=ADMIN_SEPARATION_MESSAGE)
    return user


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
        return _separate_admins(request, row.user)


class ActiveSessionAuth(SessionAuth):
    """Django session auth (CSRF-checked for unsafe methods), active users only."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        return _separate_admins(request, user)


API_AUTH = [ActiveSessionAuth(), ApiTokenAuth()]
