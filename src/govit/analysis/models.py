"""Analysis: the 存量系统台账 (existing systems), units' 主管部门, the similarity index and the findings
(duplicate construction, split applications, duplicate data collection) the lead office confirms or
dismisses.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from govit.core.models import Jurisdiction, Unit
from govit.projects.models import Project


class ExistingSystem(models.Model):
    """A system already in use in the jurisdiction (存量系统), as the lead office's 台账 lists it."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="existing_systems")
    unit = models.ForeignKey(Unit, verbose_name="建设单位", on_delete=models.PROTECT, related_name="existing_systems")
    name = models.CharField("系统名称", max_length=200)
    content = models.TextField("建设内容", blank=True)
    functions = models.JSONField("主要功能", default=list, blank=True)
    data_items = models.JSONField("数据资源（信息项）", default=list, blank=True)
    go_live_year = models.PositiveSmallIntegerField("上线年度", null=True, blank=True)
    investment_wan = models.DecimalField("总投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    shares_data = models.BooleanField("数据已共享", default=True,
                                      help_text="数据资源已通过数据共享交换平台共享（可共享获取的不应重复采集）")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "存量系统"
        verbose_name_plural = "存量系统"
        ordering: ClassVar = ["jurisdiction__code", "unit__name", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["jurisdiction", "unit", "name"], name="analysis_system_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitSupervisor(models.Model):
    """The 主管部门 of a unit (e.g. a school under the education bureau): a split may run across the
    units of one 主管部门."""

    unit = models.OneToOneField(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="supervisor_link")
    supervisor = models.ForeignKey(Unit, verbose_name="主管部门", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "主管部门"
        verbose_name_plural = "主管部门"

    def __str__(self) -> str:
        return f"{self.unit} → {self.supervisor}"


class DocKind(models.TextChoices):
    SYSTEM = "system", "存量系统"
    PROJECT = "project", "项目"


class IndexEntry(models.Model):
    """One system or project as the similarity index holds it: its features (segmented once) and the
    fields the analysis filters on. Refreshed when the source changes (`source_updated_at`) or the
    lexicon does (`lexicon_digest`)."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="行政区域", on_delete=models.CASCADE,
                                     related_name="+")
    kind = models.CharField("类型", max_length=10, choices=DocKind.choices)
    ref = models.PositiveBigIntegerField("对象编号")
    unit = models.ForeignKey(Unit, verbose_name="建设单位", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Unit, verbose_name="主管部门", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    name = models.CharField("名称", max_length=200)
    state = models.CharField("状态", max_length=30, blank=True)
    plan_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    amount_wan = models.FloatField("投资（万元）", null=True, blank=True)
    shares_data = models.BooleanField("数据已共享", default=False)
    category = models.CharField("建设类型", max_length=20, blank=True)
    features = models.JSONField("特征")
    lexicon_digest = models.CharField("词典摘要", max_length=80)
    source_updated_at = models.DateTimeField("来源更新时间")
    indexed_at = models.DateTimeField("索引时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "相似度索引条目"
        verbose_name_plural = "相似度索引条目"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "ref"], name="analysis_index_unique_ref"),
        ]
        indexes: ClassVar = [models.Index(fields=["jurisdiction", "indexed_at"], name="analysis_index_j_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"


class FindingCode(models.TextChoices):
    DUPLICATE_CONSTRUCTION = "duplicate_construction", "疑似重复建设"
    SPLIT_APPLICATION = "split_application", "疑似拆分申报"
    DUPLICATE_DATA_COLLECTION = "duplicate_data_collection", "疑似重复采集数据"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待认定"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "已排除"


class Finding(models.Model):
    """A duplicate, split or duplicate-collection finding on a project, with its evidence.

    `fingerprint` identifies it across scans (code, subject, related objects); a scan refreshes
    the evidence of a finding it sees again and marks the open ones it no longer sees inactive.
    Confirmation sets the pack fact of every project in `projects` (govit.analysis.confirmed).
    """

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="+")
    code = models.CharField("类型", max_length=30, choices=FindingCode.choices)
    severity = models.CharField("严重程度", max_length=10)
    fingerprint = models.CharField("指纹", max_length=64)
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="analysis_findings")
    projects = models.ManyToManyField(Project, verbose_name="涉及项目", related_name="+")
    related = models.JSONField("相关系统或项目", default=list)
    score = models.FloatField("相似度", null=True, blank=True)
    evidence = models.JSONField("证据", default=dict)
    citation = models.JSONField("依据条款")
    citations = models.JSONField("其他依据", default=list, blank=True)
    message = models.TextField("说明")
    fact = models.CharField("确认后设定的事实", max_length=40)
    status = models.CharField("状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN,
                              db_index=True)
    active = models.BooleanField("最近一次比对仍检出", default=True)
    detected_at = models.DateTimeField("首次检出", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近检出")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)
    decision_reason = models.TextField("认定理由", blank=True)

    class Meta:
        verbose_name = "重复建设与拆分分析结论"
        verbose_name_plural = "重复建设与拆分分析结论"
        ordering: ClassVar = ["-last_seen_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["jurisdiction", "fingerprint"], name="analysis_finding_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}：{self.project}"

    @property
    def related_names(self) -> list[str]:
        return [r["name"] for r in self.related]


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "未导入"


class InventoryImportJob(models.Model):
    """An upload of the 存量系统台账 Excel, run as a background job; the page polls its progress."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT,
                                     related_name="+")
    file_name = models.CharField("文件名", max_length=200)
    file_data = models.BinaryField("文件", blank=True, default=b"")
    dry_run = models.BooleanField("仅校验", default=False)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    result = models.JSONField("结果", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "存量台账导入任务"
        verbose_name_plural = "存量台账导入任务"
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
