"""Session lifetime: an absolute cap on top of the idle timeout (SESSION_COOKIE_AGE)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SESSION_STARTED_KEY = "govit_session_started"


class SessionLifetimeMiddleware:
    """Signs the user out once GOVIT_SESSION_ABSOLUTE_SECONDS have passed since sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            limit = int(getattr(settings, "GOVIT_SESSION_ABSOLUTE_SECONDS", 8 * 3600))
            if now - int(started) > limit:
                logout(request)
                messages.info(request, "登录已超过最长有效时间，请重新登录。")
        return self.get_response(request)
