"""Supervision: dated obligations from the packs' deadlines, reminders, rectification orders,
unit sanctions and the projects' health ratings.

Obligations and ratings are recomputed by the sweep (`govit sweep`); the rest is written by
`govit.supervision.services`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from govit.core.models import Unit
from govit.projects.models import Material, Project, ProjectEvent


class ObligationStatus(models.TextChoices):
    UPCOMING = "upcoming", "未到期"
    DUE = "due", "到期"
    OVERDUE = "overdue", "已逾期"
    MET = "met", "已完成"
    INFO = "info", "提示"
    WITHDRAWN = "withdrawn", "已不再适用"


OPEN_OBLIGATION_STATUSES = (ObligationStatus.UPCOMING, ObligationStatus.DUE, ObligationStatus.OVERDUE)


class Obligation(models.Model):
    """One dated duty of a project, from one deadline of its pack, for one period.

    `period` keeps recurring duties apart (2026Q1 for quarterly reports, 2026 for yearly ones, empty
    for one-off duties). A window duty (自评价) has `window_from`/`window_until` instead of `due`.
    """

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="obligations")
    code = models.CharField("时限代码", max_length=50)
    period = models.CharField("期间", max_length=10, blank=True)
    label = models.CharField("事项", max_length=200, blank=True)
    due = models.DateField("截止日期", null=True, blank=True)
    window_from = models.DateField("开始日期", null=True, blank=True)
    window_until = models.DateField("截止日期（时间窗口）", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=ObligationStatus.choices, db_index=True)
    citation = models.JSONField("依据条款", default=dict)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    met_by_event = models.ForeignKey(
        ProjectEvent, verbose_name="完成依据", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField("计算日期")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "项目义务"
        verbose_name_plural = "项目义务"
        ordering: ClassVar = ["project", "due", "window_until", "code", "period"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "code", "period"], name="supervision_obligation_unique"),
        ]
        indexes: ClassVar = [
            # The sweep's window: open duties whose date is near (due, or the end of a window).
            models.Index(fields=["status", "due"], name="obligation_status_due"),
            models.Index(fields=["status", "window_until"], name="obligation_status_until"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.code} {self.period}".strip()

    @property
    def deadline(self):
        """The date by which the duty must be done: the due date, or the end of its window."""
        return self.due or self.window_until


class ReminderKind(models.TextChoices):
    BEFORE = "before", "即将到期"
    ON = "on", "今日到期"
    OVERDUE = "overdue", "已逾期"


class SweepRun(models.Model):
    """One run of the sweep: the date it computed for and what it did."""

    as_of = models.DateField("计算日期")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    full = models.BooleanField("全量重算", default=False)
    phase = models.CharField("进度", max_length=20, blank=True, help_text="units / orders / projects / deliver / done")

    class Meta:
        verbose_name = "督办扫描"
        verbose_name_plural = "督办扫描"
        ordering: ClassVar = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"sweep {self.as_of}"


class SweepChunk(models.Model):
    """One chunk of a sweep's projects (a Celery task): committed on its own, so a crash resumes here."""

    run = models.ForeignKey(SweepRun, verbose_name="扫描", on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField("序号")
    project_ids = models.JSONField("项目", default=list)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)

    class Meta:
        verbose_name = "督办扫描分片"
        verbose_name_plural = "督办扫描分片"
        ordering: ClassVar = ["run", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "number"], name="supervision_sweep_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"sweep {self.run_id} chunk {self.number}"


class DutyHistory(models.Model):
    """How far a project's duties have been derived, and from what (the sweep's incremental step).

    `key` digests what the derivation up to `as_of` read: the pack, the project's state, name and facts
    as they stood on `as_of` (dates after it removed), and the unit's facts. While that digest is the
    same, the duties up to `as_of` stand and the next sweep samples only the days after it.
    """

    project = models.OneToOneField("projects.Project", verbose_name="项目", on_delete=models.CASCADE,
                                   related_name="duty_history")
    key = models.CharField("依据摘要", max_length=64)
    as_of = models.DateField("推算截止日")

    class Meta:
        verbose_name = "义务推算进度"
        verbose_name_plural = "义务推算进度"

    def __str__(self) -> str:
        return f"duties of project {self.project_id} to {self.as_of}"


class Reminder(models.Model):
    """A reminder sent to one user about one obligation; the unique key makes every notice go out once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="+"
    )
    obligation = models.ForeignKey(Obligation, verbose_name="义务", on_delete=models.CASCADE,
                                   related_name="reminders")
    kind = models.CharField("提醒类型", max_length=10, choices=ReminderKind.choices)
    sweep = models.ForeignKey(SweepRun, verbose_name="扫描", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reminders")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    digest_sent_at = models.DateTimeField("汇总发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办提醒"
        verbose_name_plural = "督办提醒"
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "obligation", "kind"], name="supervision_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.obligation} {self.kind}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    OVERDUE = "overdue", "逾期未整改"
    ESCALATED = "escalated", "已升级处理"
    CLOSED = "closed", "已整改销号"


OPEN_RECTIFICATION_STATUSES = (RectificationStatus.OPEN, RectificationStatus.OVERDUE, RectificationStatus.ESCALATED)


class RectificationOrder(models.Model):
    """限期整改: an order to a project's unit to fix a violation of a cited article by a deadline.

    `steps` is the pack's escalation ladder (checklists.escalation) as it stood when the order was
    issued; `level` is the index of the step reached (0 = 限期整改 itself).
    """

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT,
                                related_name="rectification_orders")
    issuer_unit = models.ForeignKey(Unit, verbose_name="下达单位", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下达人", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField("下达日期")
    citation = models.JSONField("违反条款")
    problem = models.TextField("问题及整改要求")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=10, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN, db_index=True)
    steps = models.JSONField("处理步骤", default=list, blank=True)
    escalation_citation = models.JSONField("处理步骤依据", default=dict, blank=True)
    level = models.PositiveSmallIntegerField("当前步骤", default=0)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="销号人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    closing_note = models.TextField("整改情况", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改通知"
        verbose_name_plural = "整改通知"
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} 限期整改（{self.deadline}）"


class RectificationStep(models.Model):
    """One step of an order's history: issued, each escalation, evidence, closing."""

    order = models.ForeignKey(RectificationOrder, verbose_name="整改通知", on_delete=models.CASCADE,
                              related_name="history")
    step = models.CharField("步骤", max_length=40)
    label = models.CharField("名称", max_length=100)
    at = models.DateTimeField("时间", auto_now_add=True)
    as_of = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "整改处理记录"
        verbose_name_plural = "整改处理记录"
        ordering: ClassVar = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.label}"


class RectificationEvidence(models.Model):
    """A file proving the fix, stored as a project material (same validation and digests)."""

    order = models.ForeignKey(RectificationOrder, verbose_name="整改通知", on_delete=models.CASCADE,
                              related_name="evidence")
    material = models.ForeignKey(Material, verbose_name="材料", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    added_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering: ClassVar = ["order", "added_at"]

    def __str__(self) -> str:
        return str(self.material)


class SanctionKind(models.TextChoices):
    """The contract's `unit` facts that restrict a unit (names are the fact names)."""

    HAS_UNACCEPTED_PROJECTS = "has_unaccepted_projects", "有未验收的项目"
    FAILED_ACCEPTANCE = "failed_acceptance", "有验收不合格的项目"
    DATA_COLLECTION_INCOMPLETE = "data_collection_incomplete", "未完成数据归集"
    DATA_SHARING_VIOLATION = "data_sharing_violation", "未按要求共享数据或重复采集"
    SECURITY_VIOLATION = "security_violation", "不符合网络安全和密码应用要求"


COMPUTED_SANCTIONS = (SanctionKind.HAS_UNACCEPTED_PROJECTS, SanctionKind.FAILED_ACCEPTANCE)


class SanctionSource(models.TextChoices):
    COMPUTED = "computed", "系统根据项目情况认定"
    RECORDED = "recorded", "主管部门登记"


class UnitSanction(models.Model):
    """A restriction on a unit under its jurisdiction's pack, with the article and what lifts it."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField("情形", max_length=40, choices=SanctionKind.choices)
    source = models.CharField("来源", max_length=10, choices=SanctionSource.choices)
    pack_id = models.CharField("政策包", max_length=50)
    citation = models.JSONField("依据条款")
    consequence = models.TextField("限制内容")
    lifting_condition = models.TextField("解除条件")
    reason = models.TextField("情况说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_unit = models.ForeignKey(
        Unit, verbose_name="登记单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("认定时间", auto_now_add=True)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="解除人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    lift_note = models.TextField("解除说明", blank=True)

    class Meta:
        verbose_name = "单位限制"
        verbose_name_plural = "单位限制"
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            # At most one active restriction of a kind per unit.
            models.UniqueConstraint(fields=["unit", "kind"], condition=models.Q(lifted_at__isnull=True),
                                    name="supervision_sanction_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()}"

    @property
    def citation_text(self) -> str:
        from govit import policy
        from govit.projects.lifecycle import cite_text

        return f"《{policy.load_pack(self.pack_id).title}》{cite_text(self.citation)}"


class HealthRating(models.Model):
    """A project's health, 1 (high risk) to 5 (low risk), with the signals that lowered it."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="health_ratings")
    as_of = models.DateField("计算日期")
    score = models.PositiveSmallIntegerField("评级")
    signals = models.JSONField("扣分因素", default=list, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "项目健康评级"
        verbose_name_plural = "项目健康评级"
        ordering: ClassVar = ["project", "-as_of"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "as_of"], name="supervision_rating_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.score}"
