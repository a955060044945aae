"""A notification tells one user that something happened to a project."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    notice = models.ForeignKey(
        "notifications.Notice", verbose_name="通知公告", null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries"
    )
    text = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text[:50]


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class Notice(models.Model):
    """A 通知公告 the lead office publishes to the units of its jurisdiction (e.g. the yearly call for
    next year's project plans, 通州 第七条: 每年10月底前递交下一年度项目计划)."""

    jurisdiction = models.ForeignKey("core.Jurisdiction", verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="notices")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文", max_length=5000)
    basis = models.CharField("依据条款", max_length=100, blank=True, help_text="如：第七条")
    due_date = models.DateField("截止日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField("发布时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        ordering: ClassVar = ["-published_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["jurisdiction", "status"], name="notice_jurisdiction_status")]

    def __str__(self) -> str:
        return self.title
