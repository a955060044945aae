"""The system administrator's page for the units and accounts of their own jurisdiction.

Every write goes through govit.core.onboarding (checked and audited); unit kinds are the platform's
plus those the jurisdiction's packs declare.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from govit.accounts.views import role_required
from govit.core.forms import BoundedForm
from govit.core.models import Role, Unit, User
from govit.core.net import client_ip
from govit.core.onboarding import (
    OnboardingError,
    admin_jurisdictions,
    allowed_unit_kinds,
    unit_kind_label,
    unit_save,
    user_assign_unit,
    user_issue_initial_password,
)
from govit.core.services import RoleAssignmentRefused


class UnitForm(BoundedForm):
    jurisdiction = forms.ChoiceField(label="行政区域")
    name = forms.CharField(label="单位名称", max_length=100)
    kind = forms.ChoiceField(label="单位类型")

    def __init__(self, *args: Any, jurisdictions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [(j.code, j.name) for j in jurisdictions]
        kinds: dict[str, str] = {}
        for j in jurisdictions:
            kinds.update(allowed_unit_kinds(list(j.pack_ids or [])))
        self.fields["kind"].choices = list(kinds.items())


class MemberForm(BoundedForm):
    user = forms.ChoiceField(label="账号")
    unit = forms.ChoiceField(label="所属单位")

    def __init__(self, *args: Any, users: list[User], units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, f"{u.username}（{u.display_name}）") for u in users]
        self.fields["unit"].choices = [(u.pk, f"{u.jurisdiction.name} · {u.name}") for u in units]


def _scope(actor: User) -> tuple[list[Any], list[Unit], list[User]]:
    jurisdictions = admin_jurisdictions(actor)
    units = list(Unit.objects.filter(jurisdiction__in=jurisdictions).select_related("jurisdiction").order_by(
        "jurisdiction__code", "name"))
    users = list(User.objects.filter(unit__in=units).select_related("unit").order_by("username"))
    return jurisdictions, units, users


@role_required(Role.SYSTEM_ADMIN)
def units(request: HttpRequest) -> HttpResponse:
    jurisdictions, unit_list, users = _scope(request.user)
    form = UnitForm(request.POST if request.POST.get("form") == "unit" else None, jurisdictions=jurisdictions)
    member = MemberForm(request.POST if request.POST.get("form") == "member" else None, users=users, units=unit_list)
    if request.method == "POST" and form.is_bound and form.is_valid():
        jurisdiction = next(j for j in jurisdictions if j.code == form.cleaned_data["jurisdiction"])
        try:
            unit, outcome = unit_save(jurisdiction=jurisdiction, name=form.cleaned_data["name"],
                                      kind=form.cleaned_data["kind"], actor=request.user,
                                      source_ip=client_ip(request))
        except OnboardingError as exc:
            for error in exc.errors:
                form.add_error(error["field"] if error["field"] in form.fields else None, error["message"])
        except RoleAssignmentRefused as exc:
            form.add_error(None, str(exc))
        else:
            done = {"created": "已新建", "updated": "已修改", "unchanged": "未变更"}[outcome]
            messages.success(request, f"{done}单位 {unit.name}（{unit_kind_label(unit)}）。")
            return redirect("accounts:units")
    if request.method == "POST" and member.is_bound and member.is_valid():
        target = next(u for u in users if str(u.pk) == member.cleaned_data["user"])
        unit = next(u for u in unit_list if str(u.pk) == member.cleaned_data["unit"])
        try:
            user_assign_unit(user=target, unit=unit, actor=request.user, source_ip=client_ip(request))
        except RoleAssignmentRefused as exc:
            member.add_error(None, str(exc))
        else:
            messages.success(request, f"账号 {target.username} 的所属单位已改为 {unit.name}。")
            return redirect("accounts:units")
    rows = [{"unit": u, "kind": unit_kind_label(u), "members": [m for m in users if m.unit_id == u.pk]}
            for u in unit_list]
    return render(request, "accounts/units.html", {"form": form, "member_form": member, "rows": rows,
                                                   "jurisdictions": jurisdictions})


@require_POST
@role_required(Role.SYSTEM_ADMIN)
def initial_password(request: HttpRequest, user_id: int) -> HttpResponse:
    _, _, users = _scope(request.user)
    target = get_object_or_404(User, pk=user_id, pk__in=[u.pk for u in users])
    try:
        password = user_issue_initial_password(user=target, actor=request.user, source_ip=client_ip(request))
    except RoleAssignmentRefused as exc:
        messages.error(request, str(exc))
        return redirect("accounts:units")
    return render(request, "accounts/initial_password.html", {"target": target, "password": password})
