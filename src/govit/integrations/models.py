"""System integration: idempotent retries, the outbound event feed and signed webhooks.

- `IdempotencyRecord`: the first response to a POST with an `Idempotency-Key`, replayed on retries;
- `EventSequence` + `OutboundEvent`: an append-only, gapless feed of lifecycle events; `seq` is
  assigned under one row lock in the transaction that writes the event, so feed order is commit order;
- `WebhookSubscription` + `WebhookDelivery`: where a jurisdiction's events are POSTed (signed with
  HMAC-SM3), and every attempt's outcome (the lead office's delivery log).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    principal = models.CharField("调用方", max_length=40, help_text="user:<id>")
    key = models.CharField("幂等键", max_length=255)
    method = models.CharField("方法", max_length=10)
    path = models.CharField("路径", max_length=500)
    fingerprint = models.CharField("请求摘要（SM3）", max_length=64)
    completed = models.BooleanField("已完成", default=False)
    status_code = models.PositiveSmallIntegerField("响应状态", null=True, blank=True)
    content_type = models.CharField("响应类型", max_length=100, blank=True)
    headers = models.JSONField("响应头", default=dict, blank=True)
    body = models.BinaryField("响应体", blank=True, default=b"")
    created_at = models.DateTimeField("首次请求时间", db_index=True)
    claimed_at = models.DateTimeField("处理开始时间")

    class Meta:
        verbose_name = "幂等请求"
        verbose_name_plural = "幂等请求"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["principal", "key"], name="integrations_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class EventSequence(models.Model):
    """One row: the last feed position handed out. Locked FOR UPDATE while an event is appended."""

    last = models.PositiveBigIntegerField("最新序号", default=0)

    class Meta:
        verbose_name = "事件序号"
        verbose_name_plural = "事件序号"

    def __str__(self) -> str:
        return str(self.last)


class OutboundEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("The event feed is append-only; update() is refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("The event feed is append-only; delete() is refused.")


class OutboundEvent(models.Model):
    """One entry of the events feed (`GET /api/v1/events?after=`) and the body of its webhooks."""

    seq = models.PositiveBigIntegerField("序号", unique=True)
    kind = models.CharField("事件", max_length=60, db_index=True)
    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.PROTECT,
                                related_name="+")
    project_event = models.OneToOneField("projects.ProjectEvent", verbose_name="时间线事件",
                                         on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("core.Jurisdiction", verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="+")
    at = models.DateTimeField("时间")
    payload = models.JSONField("内容")

    objects = OutboundEventQuerySet.as_manager()

    class Meta:
        verbose_name = "对外事件"
        verbose_name_plural = "对外事件"
        ordering: ClassVar = ["seq"]
        indexes: ClassVar = [models.Index(fields=["jurisdiction", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("The event feed is append-only; saving an existing event is refused.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("The event feed is append-only; delete() is refused.")


class WebhookSubscription(models.Model):
    """A receiving system of one jurisdiction: its URL, the events it wants, its signing secret (SM4-sealed)."""

    jurisdiction = models.ForeignKey("core.Jurisdiction", verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="webhook_subscriptions")
    name = models.CharField("接收系统", max_length=100)
    url = models.URLField("接收地址", max_length=500)
    kinds = models.JSONField("订阅的事件", default=list, blank=True,
                             help_text="事件代码或前缀（如 approval.、project.submit）；空表示全部")
    secret_sealed = models.TextField("签名密钥（SM4 加密）")
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件推送订阅"
        verbose_name_plural = "事件推送订阅"
        ordering: ClassVar = ["jurisdiction", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.url}）"

    def wants(self, kind: str) -> bool:
        return not self.kinds or any(kind == k or (k.endswith(".") and kind.startswith(k)) for k in self.kinds)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "投递失败（已停止重试）"


class WebhookDelivery(models.Model):
    """One event to one subscription: attempts so far, the last outcome, when to try again."""

    subscription = models.ForeignKey(WebhookSubscription, verbose_name="订阅", on_delete=models.PROTECT,
                                     related_name="deliveries")
    event = models.ForeignKey(OutboundEvent, verbose_name="事件", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("最近响应状态", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件推送记录"
        verbose_name_plural = "事件推送记录"
        ordering: ClassVar = ["-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["subscription", "event"], name="integrations_delivery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} · {self.event}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery (kept for the delivery log)."""

    delivery = models.ForeignKey(WebhookDelivery, verbose_name="推送记录", on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField("第几次")
    at = models.DateTimeField("时间")
    status_code = models.PositiveSmallIntegerField("响应状态", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "推送尝试"
        verbose_name_plural = "推送尝试"
        ordering: ClassVar = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery} #{self.number}"
