"""Web views: sign-in, sign-out, the role workspaces and the profile page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from govit.core.models import Role
from govit.core.selectors import role_assignments_of
from govit.web.workspaces import panels_for


class LoginForm(AuthenticationForm):
    """Django's form plus: no demo account may sign in where demo data is not allowed (production)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not getattr(settings, "GOVIT_ALLOW_DEMO", False):
            from govit.core.demo import demo_usernames

            if user.get_username() in demo_usernames():
                raise ValidationError("演示账号不能在生产环境登录，请联系安全管理员。", code="demo_account")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if login_blocked(request, str(request.POST.get("username", ""))[:150]):
            return locked_out(request)
        return super().post(request, *args, **kwargs)


def login_blocked(request: HttpRequest, username: str) -> bool:
    """The wider lockouts beside axes' (username, address) one: too many failures from this address
    over all usernames, or for this username over all addresses, within the cool-off time."""
    from axes.models import AccessAttempt
    from django.db.models import Sum
    from django.utils import timezone

    from govit.core.net import client_ip

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    ip_limit = int(getattr(settings, "GOVIT_LOGIN_IP_FAILURE_LIMIT", 0))
    ip = client_ip(request)
    if ip_limit and ip and (recent.filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))["n"] or 0) \
            >= ip_limit:
        return True
    name_limit = int(getattr(settings, "GOVIT_LOGIN_USERNAME_FAILURE_LIMIT", 0))
    return bool(name_limit and username and (
        recent.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0) >= name_limit)


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Page shown by django-axes (AXES_LOCKOUT_CALLABLE) while an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class LogoutView(auth_views.LogoutView):
    pass


def index(request: HttpRequest) -> HttpResponse:
    return redirect("web:home" if request.user.is_authenticated else "web:login")


@login_required
def home(request: HttpRequest, role: str | None = None) -> HttpResponse:
    assignments = list(role_assignments_of(request.user))
    if not assignments:
        return render(request, "web/no_role.html", status=403)
    held = [a.role for a in assignments]
    if role is None:
        # Deterministic choice: the first role in the order the Role enum lists them.
        role = next(r for r in Role.values if r in held)
    elif role not in held:
        raise Http404("您没有该角色的工作台。")
    title, panels = panels_for(user=request.user, role=role)
    current = [a for a in assignments if a.role == role]
    other_roles = [(r, Role(r).label) for r in Role.values if r in held and r != role]
    return render(
        request,
        "web/home.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "workspace_title": title,
            "panels": panels,
            "current_assignments": current,
            "other_roles": other_roles,
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "web/profile.html")
