"""Integration API: the events feed (`GET /api/v1/events?after=`) and webhook subscriptions with their
delivery log (`/api/v1/webhooks`, lead office)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from govit.core.api_errors import ErrorCitation, ErrorOut
from govit.core.api_paging import api_page, by_time, page_schema, sort_description
from govit.core.models import User
from govit.core.schemas import Schema
from govit.integrations import services
from govit.integrations.selectors import (
    deliveries_visible_to,
    events_visible_to,
    managed_jurisdiction_ids,
    subscriptions_visible_to,
)
from govit.projects.errors import InvalidInput, NotFound, PermissionDenied

events_router = Router(tags=["events"])
webhooks_router = Router(tags=["webhooks"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


# --- the events feed -------------------------------------------------------------------------


class EventJurisdiction(Schema):
    id: int
    code: str = Field(description="行政区划代码")
    name: str


class EventUnit(Schema):
    id: int
    name: str


class EventProject(Schema):
    id: int
    name: str
    project_code: str = Field(description="项目代码（投资项目在线审批监管平台赋予，通州 第十四条）；未取得时为空")
    pack_id: str
    state: str = Field(description="事件发生后的项目状态")
    state_label: str
    jurisdiction: EventJurisdiction
    unit: EventUnit


class EventActor(Schema):
    username: str
    display_name: str


class EventFeedItem(Schema):
    seq: int = Field(description="事件序号：全局递增、无间断，顺序即提交顺序；拉取时作 after 参数")
    kind: str = Field(description="事件代码，如 submit、approval.approve、material.upload")
    at: datetime
    timeline_event_id: int = Field(description="对应的项目时间线事件编号")
    project: EventProject
    from_state: str
    to_state: str
    actor: EventActor | None
    reason: str
    citations: list[ErrorCitation] = Field(description="所依据的条款")
    pack_digest: str
    details: dict[str, Any] = Field(description="事件详情（随事件代码而不同）")


class EventPage(Schema):
    count: int = Field(description="after 之后、符合条件的事件总数")
    next: str | None = Field(description="下一页的地址；为 null 表示暂无更多事件（保存最后一条的 seq，稍后再拉）")
    items: list[EventFeedItem]


MAX_ID = 2**63 - 1


class EventFilter(Schema):
    after: int = Field(default=0, ge=0, le=MAX_ID, description="只返回序号大于此值的事件")
    limit: int = Field(default=100, ge=1, le=500, description="每页条数")
    kind: str | None = Field(default=None, max_length=60,
                             description="事件代码；以点结尾表示前缀，如 approval.")
    project_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    jurisdiction_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@events_router.get("", response={200: EventPage}, summary="事件流（按序号拉取）",
                   description="返回调用方可见项目的生命周期事件，按 seq 升序。首次 after=0；"
                               "之后用上次最后一条的 seq。与 Webhook 推送的内容相同。")
def events_list(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    qs = events_visible_to(_user(request)).filter(seq__gt=filters.after)
    if filters.kind:
        qs = qs.filter(kind__startswith=filters.kind) if filters.kind.endswith(".") else qs.filter(kind=filters.kind)
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.jurisdiction_id:
        qs = qs.filter(jurisdiction_id=filters.jurisdiction_id)
    rows = list(qs.order_by("seq").values_list("seq", "payload")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    next_url = None
    if more:
        params = {k: v for k, v in filters.model_dump().items() if v is not None}
        params["after"] = rows[-1][0]
        next_url = f"{request.path}?{urlencode(params)}"
    return {"count": qs.count(), "next": next_url, "items": [payload for _, payload in rows]}


# --- webhooks --------------------------------------------------------------------------------


class WebhookIn(Schema):
    jurisdiction_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                        description="行政区域；只管理一个行政区域时可省略")
    name: str = Field(min_length=1, max_length=100, description="接收系统名称，如 投资项目在线审批监管平台")
    url: str = Field(min_length=1, max_length=500, description="接收地址（http:// 或 https://）")
    kinds: list[str] = Field(default=[], max_length=50,
                             description="订阅的事件代码或以点结尾的前缀；空表示全部事件")


class WebhookOut(Schema):
    id: int
    jurisdiction_id: int
    name: str
    url: str
    kinds: list[str]
    active: bool
    created_at: datetime
    disabled_at: datetime | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="签名密钥，只显示这一次：X-Govit-Signature = hmac-sm3=HMAC-SM3(密钥, 请求体)")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_seq: int
    event_kind: str
    project_id: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(Schema):
    count: int
    next: str | None
    items: list[DeliveryOut]


class DeliveryFilter(Schema):
    status: Literal["pending", "delivered", "failed"] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_ID)


def delivery_out(d: Any) -> dict[str, Any]:
    return {"id": d.pk, "subscription_id": d.subscription_id, "event_seq": d.event.seq, "event_kind": d.event.kind,
            "project_id": d.event.project_id, "status": d.status, "attempts": d.attempts,
            "last_attempt_at": d.last_attempt_at, "last_status_code": d.last_status_code,
            "last_error": d.last_error, "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at}


def _subscription(request: HttpRequest, webhook_id: int) -> Any:
    found = subscriptions_visible_to(_user(request)).filter(pk=webhook_id).first()
    if found is None:
        raise NotFound("未找到该事件推送订阅，或您无权查看。")
    return found


WEBHOOK_SORT = by_time("created_at")


@webhooks_router.get("", response={200: page_schema(WebhookOut, "WebhookPageOut"), 400: ErrorOut},
                     summary="事件推送订阅（牵头部门，分页）", description=sort_description(WEBHOOK_SORT))
def webhooks_list(request: HttpRequest, sort: str | None = None, limit: str | None = None,
                  offset: str | None = None) -> Any:
    return api_page(request, subscriptions_visible_to(_user(request)), limit=limit, offset=offset, sort=WEBHOOK_SORT,
                    sort_key=sort, shape=services.subscription_out)


@webhooks_router.post("", response={201: WebhookCreatedOut, 400: ErrorOut, 403: ErrorOut},
                      summary="新增事件推送订阅（返回签名密钥，仅此一次）")
def webhooks_create(request: HttpRequest, payload: WebhookIn) -> Any:
    jurisdiction_id = payload.jurisdiction_id
    if jurisdiction_id is None:
        managed = managed_jurisdiction_ids(_user(request))
        if not managed:
            raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以管理事件推送。")
        if len(managed) != 1:
            raise InvalidInput("请指定行政区域（jurisdiction_id）。", field="jurisdiction_id")
        jurisdiction_id = managed[0]
    subscription, secret = services.webhook_subscription_create(
        actor=_user(request), jurisdiction_id=jurisdiction_id, name=payload.name, url=payload.url,
        kinds=payload.kinds, source_ip=_ip(request))
    return Status(201, {**services.subscription_out(subscription), "secret": secret})


@webhooks_router.post("/{int:webhook_id}/disable", response={200: WebhookOut, 403: ErrorOut, 404: ErrorOut},
                      summary="停用事件推送订阅")
def webhooks_disable(request: HttpRequest, webhook_id: int) -> Any:
    subscription = services.webhook_subscription_disable(actor=_user(request),
                                                         subscription=_subscription(request, webhook_id),
                                                         source_ip=_ip(request))
    return services.subscription_out(subscription)


@webhooks_router.get("/{int:webhook_id}/deliveries", response={200: DeliveryPage, 404: ErrorOut},
                     summary="投递记录")
def webhooks_deliveries(request: HttpRequest, webhook_id: int, filters: Query[DeliveryFilter]) -> Any:
    qs = deliveries_visible_to(_user(request)).filter(subscription=_subscription(request, webhook_id))
    if filters.status:
        qs = qs.filter(status=filters.status)
    total = qs.count()
    rows = list(qs.order_by("-pk")[filters.offset: filters.offset + filters.limit])
    next_url = None
    if filters.offset + len(rows) < total:
        params = {k: v for k, v in filters.model_dump().items() if v is not None}
        params["offset"] = filters.offset + filters.limit
        next_url = f"{request.path}?{urlencode(params)}"
    return {"count": total, "next": next_url, "items": [delivery_out(d) for d in rows]}


@webhooks_router.post("/deliveries/{int:delivery_id}/redeliver",
                      response={200: DeliveryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
                      summary="重新投递一条事件")
def webhooks_redeliver(request: HttpRequest, delivery_id: int) -> Any:
    delivery = deliveries_visible_to(_user(request)).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("未找到该投递记录，或您无权查看。")
    return delivery_out(services.webhook_redeliver(actor=_user(request), delivery=delivery, source_ip=_ip(request)))


