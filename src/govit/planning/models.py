"""The annual plan of a jurisdiction and its items."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from govit.core.models import Jurisdiction
from govit.projects.models import Project


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "编制中"
    SUBMITTED = "submitted", "已报审"
    APPROVED = "approved", "已批准"


class AnnualPlan(models.Model):
    """年度建设计划: the projects a jurisdiction will build in one year, approved by leadership."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    adjustments_used = models.PositiveSmallIntegerField("已调整次数", default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批准人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="退回人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"
        ordering: ClassVar = ["jurisdiction", "-year"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="planning_plan_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year} 年度计划"


class PlanItemKind(models.TextChoices):
    REGULAR = "regular", "常规列入"
    ADJUSTMENT = "adjustment", "年中调整调入"
    EMERGENCY = "emergency", "紧急插入"


class PlanItem(models.Model):
    plan = models.ForeignKey(AnnualPlan, verbose_name="年度计划", on_delete=models.CASCADE, related_name="items")
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="plan_items")
    amount_wan = models.DecimalField("计划金额（万元）", max_digits=12, decimal_places=2)
    kind = models.CharField("列入方式", max_length=12, choices=PlanItemKind.choices, default=PlanItemKind.REGULAR)
    reason = models.TextField("理由", blank=True)
    government_consent = models.CharField("政府同意文件", max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="列入人", on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField("列入时间", auto_now_add=True)

    class Meta:
        verbose_name = "计划项目"
        verbose_name_plural = "计划项目"
        ordering: ClassVar = ["plan", "added_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "project"], name="planning_item_unique_project"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.project}"
