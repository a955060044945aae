"""The notification centre (/notifications/) and 通知公告 (/notices/): the lead office publishes and
withdraws, units read."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.core.models import Jurisdiction
from govit.core.net import client_ip
from govit.notifications import selectors, services
from govit.notifications.models import Notice, NoticeStatus
from govit.projects.errors import DomainError
from govit.web.confirm import Confirmation, confirm_first


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.notifications_of(request.user)[:200])
    return render(request, "notifications/list.html", {
        "rows": rows, "unread": sum(1 for n in rows if n.read_at is None)})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: mark it read, then go to its notice or project (or back to the list)."""
    row = selectors.notifications_of(request.user).filter(pk=notification_id).first()
    if row is None:
        raise Http404("未找到该通知。")
    services.notification_mark_read(notification=row, user=request.user)
    if row.notice_id:
        return redirect("notifications:notice", notice_id=row.notice_id)
    if row.project_id:
        return redirect("projects:detail", pk=row.project_id)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user, source_ip=client_ip(request))
    messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    return redirect("notifications:list")


class NoticeForm(ProductErrorsMixin, BoundedForm):
    title = forms.CharField(label="标题", max_length=100, error_messages={
        "required": "请填写通知标题。", "max_length": "通知标题不能超过 100 个字。"})
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                           error_messages={"required": "请填写通知正文。",
                                           "max_length": "通知正文不能超过 5000 个字。"})
    basis = forms.CharField(label="依据条款", required=False, max_length=100, help_text="办法中的条款，如“第七条”",
                            error_messages={"max_length": "依据条款不能超过 100 个字。"})
    due_date = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               input_formats=["%Y-%m-%d"],
                               error_messages={"invalid": "截止日期格式应为 2026-10-31。"})


def _withdraw_confirmation(notice: Notice) -> Confirmation:
    return Confirmation(title=f"撤回通知“{notice.title}”？",
                        detail="撤回后各单位不再看到这条通知；通知本身保留，可随时“恢复发布”。", ok="撤回通知")


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    managed = Jurisdiction.objects.filter(pk__in=selectors.lead_office_jurisdiction_ids(request.user))
    form = NoticeForm(request.POST or None) if managed else None
    if request.method == "POST":
        if form is None:
            raise Http404("只有领导小组办公室（牵头部门）可以发布通知公告。")
        if form.is_valid():
            try:
                notice = services.notice_publish(jurisdiction=managed.first(), actor=request.user,
                                                 source_ip=client_ip(request), **form.cleaned_data)
            except DomainError as exc:
                form.add_error(getattr(exc, "field", None) if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已发布通知“{notice.title}”，已通知本辖区各项目建设单位。")
                return redirect("notifications:notices")
    notices = list(selectors.notices_visible_to(request.user)[:200])
    unread = set(selectors.notifications_of(request.user).filter(read_at__isnull=True, notice__isnull=False)
                 .values_list("notice_id", flat=True))
    for n in notices:
        n.unread = n.pk in unread
        n.confirm = _withdraw_confirmation(n) if managed and n.status == NoticeStatus.PUBLISHED else None
    return render(request, "notifications/notices.html", {"form": form, "notices": notices,
                                                          "can_publish": bool(managed)})


@login_required
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notices_visible_to(request.user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404("未找到该通知，或它已撤回。")
    services.notice_mark_read(notice=notice, user=request.user)
    can_manage = notice.jurisdiction_id in selectors.lead_office_jurisdiction_ids(request.user)
    reach = None
    if can_manage:
        deliveries = notice.deliveries.all()
        reach = {"total": deliveries.count(), "read": deliveries.filter(read_at__isnull=False).count()}
    return render(request, "notifications/notice_detail.html", {
        "notice": notice, "can_manage": can_manage, "reach": reach,
        "confirm": _withdraw_confirmation(notice) if can_manage and notice.status == NoticeStatus.PUBLISHED
        else None})


def _managed_notice(request: HttpRequest, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id,
                                   jurisdiction_id__in=selectors.lead_office_jurisdiction_ids(request.user)).first()
    if notice is None:
        raise Http404("未找到该通知，或您无权管理。")
    return notice


def _describe_withdraw(request: HttpRequest, notice_id: int) -> Confirmation:
    return _withdraw_confirmation(_managed_notice(request, notice_id))


@require_POST
@login_required
@confirm_first(_describe_withdraw)
def notice_withdraw(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _managed_notice(request, notice_id)
    try:
        services.notice_withdraw(notice=notice, actor=request.user, source_ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤回通知“{notice.title}”。如属误操作，可在通知页面点“恢复发布”。")
    return redirect("notifications:notice", notice_id=notice.pk)


@require_POST
@login_required
def notice_restore(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _managed_notice(request, notice_id)
    try:
        services.notice_restore(notice=notice, actor=request.user, source_ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已恢复发布通知“{notice.title}”。")
    return redirect("notifications:notice", notice_id=notice.pk)
