"""The owner's API tokens (我的账号 → 接口令牌): issue (shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.core.models import ApiToken, TokenScope
from govit.core.net import client_ip
from govit.core.services import TokenRefused, api_token_create, api_token_days, api_token_max_days, api_token_revoke


class TokenIssueForm(ProductErrorsMixin, BoundedForm):
    name = forms.CharField(label="用途", max_length=100, error_messages={"required": "请填写令牌用途（对接的系统）。"})
    scope = forms.ChoiceField(label="权限范围", choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(label="有效期（天）", min_value=1, initial=90,
                              error_messages={"invalid": "有效期应为整数天数。",
                                              "min_value": "有效期至少 1 天。", "max_value": "有效期过长。"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].validators.append(_max_days)
        self.fields["days"].initial = api_token_days()


def _max_days(value: int) -> None:
    if value > api_token_max_days():
        raise forms.ValidationError(f"有效期最长 {api_token_max_days()} 天。")


def _second_factor_passed(request: HttpRequest) -> bool:
    user = request.user
    return bool(hasattr(user, "is_verified") and user.is_verified())


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenIssueForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(user=request.user, name=form.cleaned_data["name"], actor=request.user,
                                          days=form.cleaned_data["days"], scope=form.cleaned_data["scope"],
                                          second_factor_verified=_second_factor_passed(request),
                                          source_ip=client_ip(request))
        except TokenRefused as exc:
            form.add_error(None, str(exc))
        except ValueError as exc:
            form.add_error("days", str(exc))
        else:
            issued = {"token": token, "raw": raw}
            form = TokenIssueForm()
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "issued": issued})


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    try:
        api_token_revoke(token=token, actor=request.user, source_ip=client_ip(request))
    except TokenRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"令牌 {token.prefix}… 已吊销。")
    return redirect("accounts:tokens")
