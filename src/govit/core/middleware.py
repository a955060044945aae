"""Security middleware: session lifetime, second factor, password age, 三员分立, response headers,
NUL in parameters.

Order in settings.MIDDLEWARE (after Authentication, OTP and Messages middleware):
SecurityHeadersMiddleware (early), NulParameterMiddleware, SessionLifetimeMiddleware, SecondFactorMiddleware,
PasswordExpiryMiddleware, AdminSeparationMiddleware.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

SESSION_STARTED_KEY = "govit_session_started"
SESSION_LAST_SEEN_KEY = "govit_session_last_seen"
IDLE_NOTICE = "由于长时间未操作，您已自动退出登录，请重新登录。"
ABSOLUTE_NOTICE = "登录已超过最长有效时间，请重新登录。"

Handler = Callable[[HttpRequest], HttpResponse]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _url_name(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SessionLifetimeMiddleware:
    """Signs the user out after GOVIT_SESSION_IDLE_SECONDS without a request (idle timeout) or
    GOVIT_SESSION_ABSOLUTE_SECONDS after sign-in (absolute lifetime), with a notice on the login page.

    The last-seen time is written at most once per `touch_interval` (a tenth of the idle limit, at
    most 60 s), so a page view does not commit a session write; the session is saved only then."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request):
            now = int(time.time())
            started = int(request.session.setdefault(SESSION_STARTED_KEY, now))
            last_seen = int(request.session.get(SESSION_LAST_SEEN_KEY, now))
            idle_limit = int(getattr(settings, "GOVIT_SESSION_IDLE_SECONDS", 15 * 60))
            absolute_limit = int(getattr(settings, "GOVIT_SESSION_ABSOLUTE_SECONDS", 8 * 3600))
            notice = None
            if now - started > absolute_limit:
                notice = ABSOLUTE_NOTICE
            elif now - last_seen > idle_limit:
                notice = IDLE_NOTICE
            if notice:
                logout(request)
                messages.info(request, notice)
            elif now - last_seen >= touch_interval(idle_limit) or SESSION_LAST_SEEN_KEY not in request.session:
                # Writing the session on every request costs a database commit per page; renewing the
                # idle clock once per interval ends an idle session at most that much early.
                request.session[SESSION_LAST_SEEN_KEY] = now
        return self.get_response(request)


def touch_interval(idle_limit: int) -> int:
    """Seconds between two writes of the last-seen time: a tenth of the idle limit, at most a minute."""
    return max(0, min(60, idle_limit // 10))


def _deny_api(message: str, code: str) -> HttpResponse:
    from govit.core.api_errors import error_response

    return error_response(403, code, message)


class SecondFactorMiddleware:
    """Users who need a TOTP code (govit.core.otp.otp_needed) reach nothing but the verification
    and enrolment pages and sign-out until they have presented one in this session."""

    ALLOWED = frozenset({"accounts:otp-verify", "accounts:otp-setup", "web:logout", "web:login"})

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from govit.core.otp import otp_needed

        user = getattr(request, "user", None)
        if (
            _signed_in(request)
            and not (hasattr(user, "is_verified") and user.is_verified())
            and not request.path.startswith(settings.STATIC_URL)
            and _url_name(request) not in self.ALLOWED
            and otp_needed(user)
        ):
            if _is_api(request):
                return _deny_api("需要先完成动态口令（双因素）验证。", "otp_required")
            target = reverse("accounts:otp-verify")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """Under the 等保 policy a password older than GOVIT_PASSWORD_MAX_AGE_DAYS must be changed first."""

    ALLOWED = frozenset(
        {"accounts:password-change", "accounts:otp-verify", "accounts:otp-setup", "web:logout", "web:login"}
    )

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request) and _url_name(request) not in self.ALLOWED:
            if getattr(request.user, "must_change_password", False):
                # A one-time password (initial, or reset by the system administrator): the holder sets their own.
                if _is_api(request):
                    return _deny_api("请先在网页上修改初始密码（一次性密码）。", "password_change_required")
                messages.warning(request, "您正在使用他人为您设置的一次性密码，请先设置您自己的密码。")
                return HttpResponseRedirect(reverse("accounts:password-change"))
            if password_expired(request.user):
                if _is_api(request):
                    return _deny_api("密码已过期，请先在网页上修改密码。", "password_expired")
                messages.warning(request, "您的密码已超过有效期，请先修改密码。")
                return HttpResponseRedirect(reverse("accounts:password-change"))
        return self.get_response(request)


# govit.core.onboarding marks an initial password as changed in this year, so it must be replaced.
INITIAL_PASSWORD_YEAR = 2000


def password_expired(user: object) -> bool:
    from datetime import timedelta

    from django.utils import timezone

    from govit.core.validators import password_max_age_days

    days = password_max_age_days()
    if not getattr(user, "has_usable_password", lambda: False)():
        return False
    changed = getattr(user, "password_changed_at", None) or getattr(user, "date_joined", None)
    if changed and changed.year <= INITIAL_PASSWORD_YEAR:
        return True  # an initial password issued by the system administrator: change it at first sign-in
    if days <= 0:
        return False
    return bool(changed and timezone.now() - changed > timedelta(days=days))


class AdminSeparationMiddleware:
    """三员分立: system, security and audit administrators never reach business pages or API.

    An allow-list, so endpoints added later are closed to administrators by default: web pages by
    URL namespace (GOVIT_ADMIN_ALLOWED_NAMESPACES) and API paths by prefix
    (GOVIT_ADMIN_ALLOWED_API_PREFIXES). Everything else answers 403.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request) and not request.path.startswith(settings.STATIC_URL) and self._blocked(request):
            from govit.core.net import client_ip
            from govit.core.services import audit_record

            audit_record(actor=request.user, action="access.denied", outcome="denied",
                         source_ip=client_ip(request),
                         details={"path": request.path[:200], "method": request.method, "reason": "三员分立"})
            if _is_api(request):
                return _deny_api(ADMIN_SEPARATION_MESSAGE, "admin_separation")
            return render(request, "web/forbidden.html", {"message": ADMIN_SEPARATION_MESSAGE}, status=403)
        return self.get_response(request)

    def _blocked(self, request: HttpRequest) -> bool:
        return admin_path_blocked(request.user, request.path_info)


ADMIN_SEPARATION_MESSAGE = "三员分立：系统管理员、安全管理员、审计管理员不能访问项目、计划和专家等业务功能。"


def admin_path_blocked(user: object, path: str) -> bool:
    """Whether `path` is closed to `user` because the user is one of the three administrators."""
    from govit.core.models import ADMIN_ROLES
    from govit.core.selectors import user_roles

    if not (user_roles(user) & ADMIN_ROLES):  # type: ignore[arg-type]
        return False
    if path.startswith("/api/"):
        prefixes = getattr(settings, "GOVIT_ADMIN_ALLOWED_API_PREFIXES", ())
        return not any(path.startswith(p) for p in prefixes)
    try:
        match = resolve(path)
    except Resolver404:
        return False  # a plain 404 follows
    return match.namespace not in set(getattr(settings, "GOVIT_ADMIN_ALLOWED_NAMESPACES", ()))


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline script or style), Permissions-Policy and friends."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = getattr(settings, "GOVIT_CONTENT_SECURITY_POLICY", "")
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        permissions = getattr(settings, "GOVIT_PERMISSIONS_POLICY", "")
        if permissions:
            response.setdefault("Permissions-Policy", permissions)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if _signed_in(request):
            response.setdefault("Cache-Control", "no-store")
        return response


NUL_REASON = "参数「{name}」含有空字符（NUL），不能受理。"


def nul_parameter(request: HttpRequest) -> str | None:
    """The first query or form parameter (name or value) holding NUL, else None.

    No browser sends NUL; PostgreSQL can store it in neither text nor jsonb, so a lookup or filter
    that reaches the database with it fails there. Refused at the door, naming the parameter.
    """
    sources = [request.GET]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                              "multipart/form-data"):
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "") or "?"
    return None


class NulParameterMiddleware:
    """Refuse a request whose parameters hold NUL: 400 with the parameter named (JSON under /api/v1)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = nul_parameter(request)
        if name is None:
            return self.get_response(request)
        reason = NUL_REASON.format(name=name)
        if _is_api(request):
            from govit.core.api_errors import error_response

            return error_response(400, "invalid_input", reason, field=name)
        return render(request, "400.html", {"reason": reason}, status=400)


class RoleMemoMiddleware:
    """One request reads the signed-in user's role assignments once (govit.core.selectors.role_memo):
    the menu, the permission checks and the scope of every list ask the same question."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from govit.core.selectors import role_memo

        with role_memo():
            return self.get_response(request)
