"""Opinion tasks: one per review body the pack names, answered by that body's unit."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from govit.core.models import Unit
from govit.projects.models import Project


class ReviewBody(models.TextChoices):
    """The contract's `review_bodies` codes."""

    DATA_BUREAU = "data_bureau", "政务数据管理部门"
    NETSEC = "netsec", "网信部门"
    SECRECY_CRYPTO = "secrecy_crypto", "保密机要部门"
    FINANCE = "finance", "财政部门"
    POLICE = "police", "公安部门"
    DEVELOPMENT_REFORM = "development_reform", "发展改革部门"
    APPROVAL_BUREAU = "approval_bureau", "行政审批部门"
    ECONOMY_IT = "economy_it", "经济和信息化部门"
    AUDIT = "audit", "审计部门"
    ARCHIVES = "archives", "档案部门"
    INDUSTRY = "industry", "行业主管部门"
    EXPERTS = "experts", "评审专家"
    GOVERNMENT = "government", "人民政府"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待出具"
    DONE = "done", "已出具"
    CANCELLED = "cancelled", "已取消"


class Opinion(models.TextChoices):
    AGREE = "agree", "同意"
    CONDITIONAL = "conditional", "有条件同意"
    DISAGREE = "disagree", "不同意"


class OpinionTask(models.Model):
    """A request to one member department (or the expert panel) for its opinion on one aspect."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="opinion_tasks")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    stage = models.CharField("环节", max_length=30, default="under_review",
                             help_text="派发任务的环节：preliminary_review（初审）或 under_review（审查）")
    phase = models.PositiveSmallIntegerField("顺序", default=1, help_text="同一环节内按政策包的先后顺序派发")
    body = models.CharField("审查主体", max_length=30, choices=ReviewBody.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="opinion_tasks",
        help_text="专家评审任务为空，由专家模块（或牵头部门代录）完成",
    )
    aspect = models.CharField("审查内容", max_length=200)
    due_date = models.DateField("办理期限")
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opinion = models.CharField("意见", max_length=15, choices=Opinion.choices, blank=True)
    comments = models.TextField("意见说明", blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "审查意见任务"
        verbose_name_plural = "审查意见任务"
        ordering: ClassVar = ["due_date", "pk"]
        indexes: ClassVar = [
            # The lead office's inbox: open tasks (and open expert tasks) of a project.
            models.Index(fields=["status", "body"], name="opiniontask_status_body"),
            models.Index(fields=["project", "status"], name="opiniontask_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_body_display()}"
