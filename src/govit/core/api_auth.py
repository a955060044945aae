"""API authentication: the browser session (with CSRF) or a bearer token from `ApiToken`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthorizationError, HttpError
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


class TokenForbidden(HttpError):
    """A valid token that may not do this (403 with a specific code from ERROR_CODES)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(403, message)
        self.govit_code = code


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer gvt_…` for system-to-system calls.

    Refused (401) when unknown, revoked, expired, older than the account's last password change, or
    the account is disabled; refused (403) while the password is expired or still a one-time password,
    and for writes with a read-only token.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        from datetime import timedelta

        from govit.core.middleware import password_expired
        from govit.core.services import api_token_days

        if not token.startswith(API_TOKEN_PREFIX):
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=crypto.sm3_hex(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if row is None or not row.user.is_active:
            return None
        expires = row.expires_at or row.created_at + timedelta(days=api_token_days())
        changed = row.user.password_changed_at
        if expires <= now or (changed is not None and changed > row.created_at):
            return None
        user = row.user
        if user.must_change_password:
            raise TokenForbidden("password_change_required", "该账号须先由本人在网页上修改初始密码，令牌暂不可用。")
        if password_expired(user):
            raise TokenForbidden("password_expired", "该账号的密码已过期，请先在网页上修改密码，令牌暂不可用。")
        if request.method in UNSAFE_METHODS and row.scope != "write":
            raise TokenForbidden("token_read_only", "只读（read）令牌不能用于写操作，请使用 write 范围的令牌。")
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = user
        request.govit_token = row
        return _separate_admins(request, user)


class ActiveSessionAuth(SessionAuth):
    """Django session auth (CSRF-checked for unsafe methods), active users only.

    A request without a session cookie has no session to forge, so it is not CSRF-checked here: it
    falls through to the bearer token (system-to-system calls never need a CSRF token).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        # A request that presents a bearer token is authenticated by the token alone: a stray session
        # cookie beside it must not subject it to the CSRF check.
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credential.strip().startswith(API_TOKEN_PREFIX):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        return _separate_admins(request, user)


API_AUTH = [ActiveSessionAuth(), ApiTokenAuth()]
