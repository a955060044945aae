"""The lead office's 系统对接 page: webhook subscriptions and the delivery log (status, attempts,
the receiver's answer), with 停用 and 重新投递. Writes go through govit.integrations.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from govit.core.models import Jurisdiction
from govit.core.net import client_ip
from govit.integrations import services
from govit.integrations.forms import WebhookForm
from govit.integrations.models import DeliveryStatus
from govit.integrations.selectors import deliveries_visible_to, managed_jurisdiction_ids, subscriptions_visible_to
from govit.projects.errors import DomainError
from govit.projects.presenters import EVENT_LABELS
from govit.web.confirm import Confirmation, confirm_first

PAGE_SIZE = 100


def _managed(request: HttpRequest) -> list[int]:
    managed = managed_jurisdiction_ids(request.user)
    if not managed:
        raise Forbidden("只有领导小组办公室（牵头部门）可以管理系统对接。")
    return managed


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    managed = _managed(request)
    choices = list(Jurisdiction.objects.filter(pk__in=managed).order_by("pk").values_list("pk", "name"))
    form = WebhookForm(request.POST or None, jurisdictions=choices)
    secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                subscription, secret = services.webhook_subscription_create(
                    actor=request.user, jurisdiction_id=form.cleaned_data["jurisdiction"],
                    name=form.cleaned_data["name"], url=form.cleaned_data["url"], kinds=form.kind_list(),
                    source_ip=client_ip(request))
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                messages.success(request, f"已新增事件推送订阅“{subscription.name}”。")
                form = WebhookForm(jurisdictions=choices)
        else:
            status = 400
    selected = request.GET.get("status", "")
    deliveries = deliveries_visible_to(request.user).select_related("event__project")
    if selected in DeliveryStatus.values:
        deliveries = deliveries.filter(status=selected)
    rows = [{"delivery": d, "kind_label": EVENT_LABELS.get(d.event.kind, d.event.kind)}
            for d in deliveries.order_by("-pk")[:PAGE_SIZE]]
    context = {
        "subscriptions": subscriptions_visible_to(request.user),
        "form": form,
        "secret": secret,
        "rows": rows,
        "statuses": [("", "全部"), *DeliveryStatus.choices],
        "selected": selected,
        "page_size": PAGE_SIZE,
        "event_kinds": sorted(EVENT_LABELS.items()),
        "confirm_disable": CONFIRM_DISABLE,
    }
    return render(request, "integrations/webhooks.html", context, status=status)


CONFIRM_DISABLE = Confirmation("停用这个 Webhook 订阅？", "停用后不再向该地址投递事件，已投递的记录保留；"
                               "停用不能在页面上撤销，需要时重新新增订阅。", "停用订阅")


def _describe_disable(request: HttpRequest, webhook_id: int) -> Confirmation:
    _managed(request)  # outsiders are refused before anything is asked
    get_object_or_404(subscriptions_visible_to(request.user), pk=webhook_id)
    return CONFIRM_DISABLE


@login_required
@require_POST
@confirm_first(_describe_disable)
def webhook_disable(request: HttpRequest, webhook_id: int) -> HttpResponse:
    _managed(request)
    subscription = get_object_or_404(subscriptions_visible_to(request.user), pk=webhook_id)
    try:
        services.webhook_subscription_disable(actor=request.user, subscription=subscription,
                                              source_ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用“{subscription.name}”。")
    return redirect("integrations:webhooks")


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _managed(request)
    delivery = get_object_or_404(deliveries_visible_to(request.user), pk=delivery_id)
    try:
        delivery = services.webhook_redeliver(actor=request.user, delivery=delivery, source_ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if delivery.status == DeliveryStatus.DELIVERED:
            messages.success(request, f"事件 #{delivery.event.seq} 已重新投递并送达。")
        else:
            messages.warning(request, f"事件 #{delivery.event.seq} 重新投递未成功：{delivery.last_error}")
    return redirect("integrations:webhooks")
