"""Confirm steps of the administrators' account actions, and the holder's confirmation of an
administrator role offered to them.

- 系统管理员: reset a password → a one-time password shown once (forced change at next sign-in);
- 安全管理员: unlock an account locked by django-axes;
- the new holder: confirm an offered administrator role with a code from their own TOTP device.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from govit.accounts.views import TokenForm, _user_in_scope, role_required
from govit.core.account_services import account_unlock, password_reset, pending_grants, role_grant_confirm
from govit.core.models import Role, RoleGrantRequest
from govit.core.net import client_ip
from govit.core.services import RoleAssignmentRefused


@role_required(Role.SYSTEM_ADMIN)
def user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _user_in_scope(request.user, user_id, Role.SYSTEM_ADMIN)
    context = {"target": target, "title": "重置密码", "action": "重置密码",
               "question": f"确定为 {target.get_username()}（{target.display_name}）重置密码吗？",
               "effects": ["系统生成一次性密码，只显示这一次，请通过安全渠道交给本人；",
                           "本人下次登录时必须修改密码；原密码、所有接口令牌和已登录的会话立即失效；",
                           "此操作记入审计日志。"]}
    if request.method == "POST":
        try:
            password = password_reset(user=target, actor=request.user, source_ip=client_ip(request))
        except RoleAssignmentRefused as exc:
            messages.error(request, str(exc))
            return redirect("accounts:users")
        return render(request, "accounts/one_time_password.html", {"target": target, "password": password})
    return render(request, "accounts/confirm.html", context)


@role_required(Role.SECURITY_ADMIN)
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _user_in_scope(request.user, user_id, Role.SECURITY_ADMIN)
    context = {"target": target, "title": "解锁账号", "action": "解锁",
               "question": f"确定解锁 {target.get_username()}（{target.display_name}）吗？",
               "effects": ["请先与本人核实连续登录失败是其本人所为；", "解锁后失败次数清零；", "此操作记入审计日志。"]}
    if request.method == "POST":
        try:
            account_unlock(user=target, actor=request.user, source_ip=client_ip(request))
        except RoleAssignmentRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"账号 {target.get_username()} 已解锁。")
        return redirect("accounts:roles")
    return render(request, "accounts/confirm.html", context)


@login_required
def grants(request: HttpRequest) -> HttpResponse:
    """The signed-in user's offered administrator roles, each confirmed with a TOTP code."""
    form = TokenForm()
    if request.method == "POST":
        offer = get_object_or_404(RoleGrantRequest, pk=request.POST.get("offer"), user=request.user)
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                role_grant_confirm(offer=offer, user=request.user, token=form.cleaned_data["token"],
                                   source_ip=client_ip(request))
            except RoleAssignmentRefused as exc:
                form.add_error("token", str(exc))
            else:
                messages.success(request, f"已确认，您现在是{offer.get_role_display()}。")
                return redirect("web:home")
    return render(request, "accounts/grants.html", {"offers": pending_grants(request.user), "form": form})
