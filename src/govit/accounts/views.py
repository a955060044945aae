"""Account security pages.

- TOTP verification and enrolment (django-otp), password change;
- 安全管理员: role assignments of their jurisdictions (grant, revoke), TOTP reset;
- 系统管理员: user accounts (open, disable, enable), never roles;
- 审计管理员: the audit log (filter, export CSV/XLSX, verify the audit chain and the role ledger).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
from typing import Any

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from govit.core import exports, otp
from govit.core.account_services import GRANT_CONFIRM_HOURS, locked_usernames, role_grant_request
from govit.core.audit import verify_chain
from govit.core.audit_actions import audit_action_choices, audit_actions_named
from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.core.lists import Column, Filter, ListSpec, export_audit
from govit.core.models import (
    ADMIN_ROLES,
    AuditEntry,
    AuditOutcome,
    Role,
    RoleAssignment,
    RoleGrantRequest,
    Unit,
    User,
)
from govit.core.net import client_ip
from govit.core.paging import Sort
from govit.core.role_ledger import verify_ledger
from govit.core.selectors import audit_entries_visible, user_roles
from govit.core.services import (
    RoleAssignmentRefused,
    audit_record,
    role_assign,
    user_create,
    user_set_active,
)
from govit.core.services import role_revoke as revoke_role
from govit.web.confirm import Confirmation, confirm_first

View = Callable[..., HttpResponse]


# --- confirmations of the destructive account actions (govit.web.confirm) --------------------------


def revoke_confirmation(assignment: RoleAssignment) -> Confirmation:
    return Confirmation(
        title=f"撤销 {assignment.user.username} 的“{assignment.get_role_display()}”角色？",
        detail=f"撤销后该用户不能再以{assignment.get_role_display()}身份办理（{assignment.jurisdiction.name}）；"
               "记入授权台账。需要时可在本页重新授予。", ok="撤销角色")


def otp_reset_confirmation(target: User) -> Confirmation:
    return Confirmation(
        title=f"重置 {target.username} 的动态口令？",
        detail="将删除该用户已绑定的全部动态口令设备，此操作不能撤销；其下次登录时须重新扫码绑定。", ok="重置动态口令")


def active_confirmation(target: User) -> Confirmation | None:
    if not target.is_active:
        return None  # enabling an account is the undo, not a destructive step
    return Confirmation(title=f"停用账号 {target.username}？",
                        detail="停用后该用户不能登录，其角色授权保留；可随时在本页“启用”恢复。", ok="停用账号")


def _describe_revoke(request: HttpRequest, assignment_id: int) -> Confirmation:
    return revoke_confirmation(get_object_or_404(
        RoleAssignment.objects.select_related("user", "jurisdiction"), pk=assignment_id,
        jurisdiction_id__in=_security_jurisdiction_ids(request.user)))


def _describe_otp_reset(request: HttpRequest, user_id: int) -> Confirmation:
    return otp_reset_confirmation(_user_in_scope(request.user, user_id, Role.SECURITY_ADMIN))


def _describe_active(request: HttpRequest, user_id: int) -> Confirmation | None:
    if request.POST.get("active") == "1":
        return None
    return active_confirmation(_user_in_scope(request.user, user_id, Role.SYSTEM_ADMIN))


def role_required(role: str) -> Callable[[View], View]:
    """Signed in and holding `role` somewhere; anyone else gets a 403 page (and an audit entry)."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if role not in user_roles(request.user):
                audit_record(actor=request.user, action="access.denied", outcome=AuditOutcome.DENIED,
                             source_ip=client_ip(request), details={"path": request.path[:200], "needs": role})
                message = f"此页面仅限{Role(role).label}使用。"
                return render(request, "web/forbidden.html", {"message": message}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:home")


# --- second factor -------------------------------------------------------------------------------


class TokenForm(ProductErrorsMixin, BoundedForm):
    token = forms.RegexField(
        label="动态口令",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "动态口令为 6 位数字。", "required": "请输入动态口令。"},
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    device = otp.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:otp-setup')}?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"].strip()):
            django_otp.login(request, device)
            audit_record(actor=request.user, action="otp.verify", obj=request.user, source_ip=client_ip(request))
            return HttpResponseRedirect(_safe_next(request))
        audit_record(actor=request.user, action="otp.verify", obj=request.user, source_ip=client_ip(request),
                     outcome=AuditOutcome.FAILURE if allowed else AuditOutcome.DENIED)
        form.add_error(
            "token",
            "动态口令不正确或已使用，请等待手机上的口令刷新后重新输入。" if allowed
            else "尝试次数过多，请稍后再试。",
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    existing = otp.confirmed_device(request.user)
    if existing is not None and not request.user.is_verified():
        return redirect(f"{reverse('accounts:otp-verify')}?next={_safe_next(request)}")
    if existing is not None:
        return render(request, "accounts/otp_setup.html", {"enrolled": True})
    device = otp.start_enrolment(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.confirm_enrolment(user=request.user, device=device, token=form.cleaned_data["token"],
                                 source_ip=client_ip(request)):
            device.refresh_from_db()
            django_otp.login(request, device)
            messages.success(request, "动态口令绑定成功，今后登录时需输入手机上显示的 6 位动态口令。")
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("token", "动态口令不正确，请确认手机时间准确后重新输入。")
    uri = otp.provisioning_uri(device)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": otp.qr_svg_data_uri(uri),
            "secret": otp.secret_base32(device),
            "mandatory": otp.otp_mandatory_for(request.user),
            "next": _safe_next(request),
        },
    )


# --- password ------------------------------------------------------------------------------------


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        audit_record(actor=user, action="auth.password_change", obj=user, source_ip=client_ip(request))
        messages.success(request, "密码已修改。")
        return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})


# --- security administrator: roles ---------------------------------------------------------------


def _security_jurisdiction_ids(user: User) -> list[int]:
    return list(
        RoleAssignment.objects.filter(user=user, role=Role.SECURITY_ADMIN).values_list("jurisdiction_id", flat=True)
    )


class GrantForm(ProductErrorsMixin, BoundedForm):
    username = forms.CharField(label="用户名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="（无，外聘专家等）")

    def __init__(self, *args: Any, jurisdiction_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction_ids = jurisdiction_ids
        self.fields["unit"].queryset = Unit.objects.filter(jurisdiction_id__in=jurisdiction_ids).select_related(
            "jurisdiction"
        )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError("没有这个用户（或已停用）。请先由系统管理员开设账号。")
        held = RoleAssignment.objects.filter(user=user)
        if held.exists() and not held.filter(jurisdiction_id__in=self.jurisdiction_ids).exists():
            raise ValidationError("该用户不属于您管理的行政区域。")
        return user


ROLE_LIST = ListSpec(
    title="角色授权",
    columns=[Column("用户名", lambda a: a.user.username), Column("姓名", lambda a: a.user.display_name),
             Column("角色", lambda a: a.get_role_display()), Column("行政区域", lambda a: a.jurisdiction.name),
             Column("单位", lambda a: a.unit.name if a.unit else "")],
    sort=Sort(options={
        "jurisdiction": ("按行政区域", ("jurisdiction__code", "role", "user__username", "pk")),
        "user": ("按用户名", ("user__username", "pk")),
        "role": ("按角色", ("role", "user__username", "pk")),
        "unit": ("按单位", ("unit__name", "user__username", "pk")),
    }, default="jurisdiction"),
    search=("user__username__icontains", "user__full_name__icontains", "unit__name__icontains"),
    search_placeholder="用户名、姓名或单位",
    filters=[Filter("role", "角色", apply=lambda qs, v: qs.filter(role=v), choices=Role.choices)],
)

USER_LIST = ListSpec(
    title="用户",
    columns=[Column("用户名", lambda u: u.username), Column("姓名", lambda u: u.display_name),
             Column("角色", lambda u: "、".join(a.get_role_display() for a in u.role_assignments.all()) or "待授权"),
             Column("状态", lambda u: "启用" if u.is_active else "停用"), Column("最近登录", lambda u: u.last_login)],
    sort=Sort(options={
        "username": ("按用户名", ("username", "pk")),
        "name": ("按姓名", ("full_name", "username", "pk")),
        "login": ("最近登录", (F("last_login").desc(nulls_last=True), "pk")),
    }, default="username"),
    search=("username__icontains", "full_name__icontains"), search_placeholder="用户名或姓名",
    filters=[
        Filter("active", "状态", apply=lambda qs, v: qs.filter(is_active=v == "1"),
               choices=[("1", "启用"), ("0", "停用")]),
        Filter("role", "角色", apply=lambda qs, v: qs.filter(role_assignments__role=v).distinct()
               if v != "none" else qs.filter(role_assignments__isnull=True),
               choices=[*Role.choices, ("none", "待授权")]),
    ],
)


@role_required(Role.SECURITY_ADMIN)
def roles(request: HttpRequest) -> HttpResponse:
    jurisdiction_ids = _security_jurisdiction_ids(request.user)
    form = GrantForm(request.POST or None, jurisdiction_ids=jurisdiction_ids)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        jurisdiction = unit.jurisdiction if unit else RoleAssignment.objects.filter(
            user=request.user, role=Role.SECURITY_ADMIN
        ).select_related("jurisdiction").first().jurisdiction
        role = form.cleaned_data["role"]
        holder = form.cleaned_data["username"]
        try:
            if role in ADMIN_ROLES:
                role_grant_request(user=holder, role=role, jurisdiction=jurisdiction, unit=unit, actor=request.user,
                                   source_ip=client_ip(request))
            else:
                role_assign(user=holder, role=role, jurisdiction=jurisdiction, unit=unit, actor=request.user,
                            source_ip=client_ip(request))
        except RoleAssignmentRefused as exc:
            form.add_error(None, str(exc))
        else:
            if role in ADMIN_ROLES:
                messages.success(request, f"已发起授予{Role(role).label}：须由 {holder.get_username()} 本人登录后，"
                                          f"在“我的账号”页用动态口令确认，{GRANT_CONFIRM_HOURS} 小时内有效。")
            else:
                messages.success(request, "角色已授予。")
            return redirect("accounts:roles")
    assignments = (
        RoleAssignment.objects.filter(jurisdiction_id__in=jurisdiction_ids)
        .select_related("user", "jurisdiction", "unit")
    )
    lst = ROLE_LIST.run(request, assignments, on_export=export_audit(request, "角色授权"))
    if lst.response is not None:
        return lst.response
    for a in lst.rows:
        a.confirm_revoke, a.confirm_otp = revoke_confirmation(a), otp_reset_confirmation(a.user)
    pending = RoleGrantRequest.objects.filter(jurisdiction_id__in=jurisdiction_ids, status="pending").select_related(
        "user", "jurisdiction")
    locked = User.objects.filter(username__in=locked_usernames()).filter(
        Q(role_assignments__jurisdiction_id__in=jurisdiction_ids) | Q(role_assignments__isnull=True)).distinct()
    return render(request, "accounts/roles.html", {"form": form, "assignments": lst.rows, "lst": lst,
                                                   "pending": pending, "locked": locked})


@require_POST
@role_required(Role.SECURITY_ADMIN)
@confirm_first(_describe_revoke)
def role_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user", "jurisdiction"),
        pk=assignment_id,
        jurisdiction_id__in=_security_jurisdiction_ids(request.user),
    )
    try:
        revoke_role(assignment=assignment, actor=request.user, source_ip=client_ip(request))
    except RoleAssignmentRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已撤销 {assignment.user.username} 的“{assignment.get_role_display()}”角色。"
                                  "如属误操作，可在上方“授予角色”重新授予。")
    return redirect("accounts:roles")


@require_POST
@role_required(Role.SECURITY_ADMIN)
@confirm_first(_describe_otp_reset)
def user_otp_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _user_in_scope(request.user, user_id, Role.SECURITY_ADMIN)
    try:
        count = otp.otp_reset(user=target, actor=request.user, source_ip=client_ip(request))
    except RoleAssignmentRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"已重置 {target.get_username()} 的动态口令（删除 {count} 个设备），其下次登录时需重新绑定。"
        )
    return redirect("accounts:roles")


def _user_in_scope(actor: User, user_id: int, role: str) -> User:
    jurisdiction_ids = RoleAssignment.objects.filter(user=actor, role=role).values("jurisdiction_id")
    in_scope = User.objects.filter(pk=user_id).filter(
        Q(role_assignments__jurisdiction_id__in=jurisdiction_ids) | Q(role_assignments__isnull=True)
    )
    return get_object_or_404(in_scope.distinct())


# --- system administrator: users -----------------------------------------------------------------


class NewUserForm(ProductErrorsMixin, BoundedForm):
    username = forms.RegexField(label="用户名", regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
                                error_messages={"invalid": "用户名只能包含字母、数字和 _ . @ + -，3 至 150 个字符。"})
    full_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, max_length=128)


@role_required(Role.SYSTEM_ADMIN)
def users(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = user_create(username=form.cleaned_data["username"], full_name=form.cleaned_data["full_name"],
                                  password=form.cleaned_data["password"], actor=request.user,
                                  source_ip=client_ip(request))
        except ValidationError as exc:
            form.add_error("password", exc)
        except (ValueError, RoleAssignmentRefused) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已开设账号 {created.username}，请联系安全管理员授予角色。")
            return redirect("accounts:users")
    jurisdiction_ids = RoleAssignment.objects.filter(user=request.user, role=Role.SYSTEM_ADMIN).values(
        "jurisdiction_id"
    )
    listed = User.objects.filter(pk__in=User.objects.filter(
        Q(role_assignments__jurisdiction_id__in=jurisdiction_ids) | Q(role_assignments__isnull=True)
    ).values("pk")).prefetch_related("role_assignments")
    lst = USER_LIST.run(request, listed, on_export=export_audit(request, "用户"))
    if lst.response is not None:
        return lst.response
    for u in lst.rows:
        u.confirm = active_confirmation(u)
    return render(request, "accounts/users.html", {"form": form, "users": lst.rows, "lst": lst})


@require_POST
@role_required(Role.SYSTEM_ADMIN)
@confirm_first(_describe_active)
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _user_in_scope(request.user, user_id, Role.SYSTEM_ADMIN)
    active = request.POST.get("active") == "1"
    try:
        user_set_active(user=target, active=active, actor=request.user, source_ip=client_ip(request))
    except RoleAssignmentRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"账号 {target.username} 已{'启用' if active else '停用'}。"
                                  + ("" if active else "如需恢复，在列表中点“启用”。"))
    return redirect("accounts:users")


# --- audit administrator: the audit log ----------------------------------------------------------


class AuditFilterForm(ProductErrorsMixin, BoundedForm):
    q = forms.CharField(label="操作人/对象/操作名称", required=False, max_length=100)
    kind = forms.ChoiceField(label="操作", required=False, choices=())
    action = forms.CharField(label="操作代码（前缀）", required=False, max_length=100)
    outcome = forms.ChoiceField(label="结果", required=False, choices=[("", "全部"), *AuditOutcome.choices])
    since = forms.DateField(label="起始日期", required=False, input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": "日期格式应为 2026-01-31。"})
    until = forms.DateField(label="截止日期", required=False, input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": "日期格式应为 2026-01-31。"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部操作"), *audit_action_choices()]


def visible_entries(user: User) -> QuerySet[AuditEntry]:
    return audit_entries_visible(user)


def _filtered_entries(form: AuditFilterForm, user: User) -> QuerySet[AuditEntry]:
    entries = visible_entries(user)
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    if data["q"]:
        entries = entries.filter(Q(actor_name__icontains=data["q"]) | Q(object_repr__icontains=data["q"])
                                 | Q(action__in=audit_actions_named(data["q"])))
    if data["kind"]:
        entries = entries.filter(action=data["kind"])
    if data["action"]:
        entries = entries.filter(action__startswith=data["action"])
    if data["outcome"]:
        entries = entries.filter(outcome=data["outcome"])
    tz = timezone.get_current_timezone()
    if data["since"]:
        entries = entries.filter(timestamp__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data["until"]:
        entries = entries.filter(timestamp__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return entries


@role_required(Role.AUDIT_ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = _filtered_entries(form, request.user) if request.GET else visible_entries(request.user)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit.html", {"form": form, "page": page, "query": query.urlencode()})


EXPORT_COLUMNS = ("序号", "时间", "操作人", "操作", "操作代码", "对象类型", "对象标识", "对象", "结果", "来源地址",
                  "详情", "本条哈希")


def _export_row(e: AuditEntry) -> list[str]:
    import json

    return [str(e.seq), timezone.localtime(e.timestamp).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name,
            e.action_label, e.action, e.object_type, e.object_id, e.object_repr, e.get_outcome_display(),
            e.source_ip or "", json.dumps(e.details, ensure_ascii=False), e.entry_hash]


def _cell(value: str) -> Any:
    # Stored content is cleaned (control characters would fail the XLSX) and a leading = + - @
    # (spreadsheet formula injection) is neutralised: govit.core.exports.
    return exports.cell(value)


@role_required(Role.AUDIT_ADMIN)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return render(request, "web/forbidden.html", {"message": "只支持导出 CSV 或 XLSX。"}, status=404)
    form = AuditFilterForm(request.GET or None)
    entries = (_filtered_entries(form, request.user) if request.GET else visible_entries(request.user))[:100_000]
    rows = [[_cell(v) for v in _export_row(e)] for e in entries]
    audit_record(actor=request.user, action="audit.export", source_ip=client_ip(request),
                 details={"format": fmt, "rows": len(rows), "filters": request.GET.dict()})
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "审计日志"
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="govit-audit-{stamp}.{fmt}"'
    return response


@require_POST
@role_required(Role.AUDIT_ADMIN)
def audit_verify(request: HttpRequest) -> HttpResponse:
    chain = verify_chain()
    ledger = verify_ledger()
    audit_record(actor=request.user, action="audit.verify", source_ip=client_ip(request),
                 outcome=AuditOutcome.SUCCESS if chain.ok and ledger.ok else AuditOutcome.FAILURE,
                 details={"audit_ok": chain.ok, "roles_ok": ledger.ok, "checked": chain.checked})
    if chain.ok:
        messages.success(request, f"审计日志校验通过：共 {chain.checked} 条，最后 seq={chain.last_seq}。")
    else:
        messages.error(request, f"审计日志校验失败，第一处异常：{chain.problem.describe()}。")  # type: ignore[union-attr]
    if ledger.ok:
        messages.success(request, f"角色授权台账校验通过：台账 {ledger.checked} 条，现有授权 {ledger.assignments} 条。")
    else:
        messages.error(request, "角色授权校验失败：" + "；".join(ledger.problems[:5]))
    return redirect("accounts:audit")
