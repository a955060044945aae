"""Projects: the project and its lifecycle state machine, money by year, materials, timeline,
progress reports, change requests, O&M records and evaluations.

`Project.state` is changed only by the transition methods below, and those are called only by
`govit.projects.services` (which checks role and pack first). The FSM field is protected, so a
direct assignment raises.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from govit.core.models import Jurisdiction, Unit


class ProjectState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已申报"
    PRELIMINARY_REVIEW = "preliminary_review", "初审中"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "不予立项"
    IN_LIBRARY = "in_library", "已入库（储备库）"
    PLANNED = "planned", "已列入年度计划"
    UNDER_REVIEW = "under_review", "联审/评审中"
    APPROVED = "approved", "已立项（批复）"
    FILED = "filed", "已备案"
    PROCUREMENT = "procurement", "采购中"
    CONSTRUCTION = "construction", "建设中"
    TRIAL_RUN = "trial_run", "试运行"
    PRE_ACCEPTANCE = "pre_acceptance", "预验收"
    ACCEPTED = "accepted", "已验收"
    IN_OPERATION = "in_operation", "运维中"
    EVALUATED = "evaluated", "已评价"
    SUSPENDED = "suspended", "已暂停"
    TERMINATED = "terminated", "已终止"


S = ProjectState
CLOSED_STATES = (S.REJECTED, S.TERMINATED)
_SUSPENDABLE = [s for s in S.values if s not in (S.SUSPENDED, S.REJECTED, S.TERMINATED, S.EVALUATED)]
_TERMINABLE = [s for s in S.values if s not in (S.REJECTED, S.TERMINATED, S.EVALUATED)]


class Project(ConcurrentTransitionMixin, models.Model):
    """A government IT project (政务信息化项目) of one applicant unit, under one policy pack."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT, related_name="projects"
    )
    unit = models.ForeignKey(Unit, verbose_name="建设单位", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField("项目名称", max_length=200)
    pack_id = models.CharField("政策包", max_length=50)
    pack_digest_at_creation = models.CharField("创建时政策包摘要", max_length=80)  # "sha256:" + 64 hex
    facts = models.JSONField("项目事实", default=dict, blank=True)
    state = FSMField("状态", default=S.DRAFT, choices=S.choices, protected=True, db_index=True)
    state_before_suspension = models.CharField("暂停前状态", max_length=30, blank=True)
    awaiting = models.CharField(
        "待办事项", max_length=30, blank=True, help_text="当前状态下等待牵头部门处理的申请：pre_acceptance / acceptance"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    # --- the state machine: called only from govit.projects.services -----------------------

    @transition(field=state, source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def to_submitted(self) -> None: ...

    @transition(field=state, source=[S.SUBMITTED], target=S.PRELIMINARY_REVIEW)
    def to_preliminary_review(self) -> None: ...

    @transition(
        field=state, source=[S.SUBMITTED, S.PRELIMINARY_REVIEW, S.UNDER_REVIEW, S.PLANNED], target=S.RETURNED
    )
    def to_returned(self) -> None: ...

    @transition(
        field=state,
        source=[S.SUBMITTED, S.PRELIMINARY_REVIEW, S.IN_LIBRARY, S.UNDER_REVIEW, S.PLANNED],
        target=S.REJECTED,
    )
    def to_rejected(self) -> None: ...

    @transition(field=state, source=[S.SUBMITTED, S.PRELIMINARY_REVIEW], target=S.IN_LIBRARY)
    def to_in_library(self) -> None: ...

    @transition(field=state, source=[S.IN_LIBRARY, S.UNDER_REVIEW, S.PRELIMINARY_REVIEW], target=S.PLANNED)
    def to_planned(self) -> None: ...

    @transition(
        field=state, source=[S.SUBMITTED, S.PRELIMINARY_REVIEW, S.IN_LIBRARY, S.PLANNED], target=S.UNDER_REVIEW
    )
    def to_under_review(self) -> None: ...

    @transition(
        field=state,
        source=[S.SUBMITTED, S.PRELIMINARY_REVIEW, S.IN_LIBRARY, S.PLANNED, S.UNDER_REVIEW],
        target=S.APPROVED,
    )
    def to_approved(self) -> None: ...

    @transition(
        field=state,
        source=[S.SUBMITTED, S.PRELIMINARY_REVIEW, S.IN_LIBRARY, S.PLANNED, S.UNDER_REVIEW, S.APPROVED],
        target=S.FILED,
    )
    def to_filed(self) -> None: ...

    @transition(field=state, source=[S.APPROVED, S.FILED], target=S.PROCUREMENT)
    def to_procurement(self) -> None: ...

    @transition(field=state, source=[S.PROCUREMENT], target=S.CONSTRUCTION)
    def to_construction(self) -> None: ...

    @transition(field=state, source=[S.CONSTRUCTION, S.PRE_ACCEPTANCE], target=S.TRIAL_RUN)
    def to_trial_run(self) -> None: ...

    @transition(field=state, source=[S.CONSTRUCTION, S.TRIAL_RUN], target=S.PRE_ACCEPTANCE)
    def to_pre_acceptance(self) -> None: ...

    @transition(field=state, source=[S.PRE_ACCEPTANCE], target=S.CONSTRUCTION)
    def back_to_construction(self) -> None: ...

    @transition(field=state, source=[S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE], target=S.ACCEPTED)
    def to_accepted(self) -> None: ...

    @transition(field=state, source=[S.ACCEPTED], target=S.IN_OPERATION)
    def to_in_operation(self) -> None: ...

    @transition(field=state, source=[S.IN_OPERATION], target=S.EVALUATED)
    def to_evaluated(self) -> None: ...

    @transition(field=state, source=_SUSPENDABLE, target=S.SUSPENDED)
    def to_suspended(self) -> None:
        self.state_before_suspension = self.state

    @transition(field=state, source=[S.SUSPENDED], target=RETURN_VALUE(*_SUSPENDABLE))
    def resume(self) -> str:
        previous = self.state_before_suspension
        self.state_before_suspension = ""
        return previous

    @transition(field=state, source=_TERMINABLE, target=S.TERMINATED)
    def to_terminated(self) -> None: ...


class ProjectYearAmount(models.Model):
    """Money of one project in one year (万元): planned, approved and spent."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="year_amounts")
    year = models.PositiveSmallIntegerField("年度")
    planned_wan = models.DecimalField("计划（万元）", max_digits=12, decimal_places=2, default=0)
    approved_wan = models.DecimalField("批复（万元）", max_digits=12, decimal_places=2, default=0)
    spent_wan = models.DecimalField("已支出（万元）", max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = "年度资金"
        verbose_name_plural = "年度资金"
        ordering: ClassVar = ["project", "year"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "year"], name="projects_year_amount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"


class MaterialCode(models.TextChoices):
    """The contract's document codes plus the platform's own material kinds."""

    PROPOSAL = "proposal", "项目建议书"
    FEASIBILITY_STUDY = "feasibility_study", "可行性研究报告"
    PRELIMINARY_DESIGN = "preliminary_design", "初步设计方案"
    BUDGET_ESTIMATE = "budget_estimate", "投资概算"
    IMPLEMENTATION_PLAN = "implementation_plan", "实施方案"
    SERVICE_REQUIREMENTS_PLAN = "service_requirements_plan", "服务需求方案"
    TECHNICAL_PLAN = "technical_plan", "技术方案"
    OM_PLAN = "om_plan", "运维实施方案"
    CONSTRUCTION_SUMMARY = "construction_summary", "项目建设总结"
    FINANCIAL_REPORT = "financial_report", "财务报告"
    AUDIT_REPORT = "audit_report", "审计报告"
    RESOURCE_SHARING_REPORT = "resource_sharing_report", "信息资源共享报告"
    THIRD_PARTY_TEST_REPORT = "third_party_test_report", "第三方测评报告"
    SECURITY_RISK_ASSESSMENT = "security_risk_assessment", "安全风险评估报告"
    MLPS_ASSESSMENT = "mlps_assessment", "等级保护测评报告"
    DATA_SECURITY_ASSESSMENT = "data_security_assessment", "数据安全风险评估报告"
    CRYPTO_ASSESSMENT = "crypto_assessment", "密码应用安全性评估报告"
    MLPS_FILING_CERTIFICATE = "mlps_filing_certificate", "等级保护备案证明"
    ARCHIVES_ACCEPTANCE = "archives_acceptance", "档案验收意见"
    PRE_ACCEPTANCE_REPORT = "pre_acceptance_report", "预验收报告"
    APPLICATION_FORM = "application_form", "申报表"
    MEETING_MINUTES = "meeting_minutes", "内部会议记录"
    REVIEW_OPINION = "review_opinion", "评审意见"
    PROGRESS_REPORT = "progress_report", "进展报告"
    PERFORMANCE_REPORT = "performance_report", "绩效评价报告"
    CHANGE_APPLICATION = "change_application", "调整申请"
    SELF_EVALUATION_REPORT = "self_evaluation_report", "自评价报告"
    OTHER = "other", "其他"


class Material(models.Model):
    """An uploaded file of a project, typed by document code, with SHA-256 and SM3 digests."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="materials")
    doc_code = models.CharField("材料类型", max_length=40, choices=MaterialCode.choices)
    file = models.FileField("文件", upload_to="projects/", max_length=255)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    kind = models.CharField("识别格式", max_length=10)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    sm3 = models.CharField("SM3", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目材料"
        verbose_name_plural = "项目材料"
        ordering: ClassVar = ["project", "doc_code", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_doc_code_display()}：{self.original_name}"


class ProjectEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("Project events are append-only; update() is refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Project events are append-only; delete() is refused.")


class ProjectEvent(models.Model):
    """One entry of a project's append-only timeline: what happened, who did it, on what basis."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=60, db_index=True)
    from_state = models.CharField("原状态", max_length=30, blank=True)
    to_state = models.CharField("新状态", max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    reason = models.TextField("理由/说明", blank=True)
    citations = models.JSONField("依据条款", default=list, blank=True)
    pack_id = models.CharField("政策包", max_length=50, blank=True)
    pack_digest = models.CharField("政策包摘要", max_length=80, blank=True)
    evaluation = models.JSONField("评估摘要", default=dict, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)

    objects = ProjectEventQuerySet.as_manager()

    class Meta:
        verbose_name = "项目事件"
        verbose_name_plural = "项目事件"
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Project events are append-only; saving an existing event is refused.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Project events are append-only; delete() is refused.")


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", "季度进展报告"
    YEARLY = "yearly", "年度绩效报告"


class ProgressReport(models.Model):
    """A quarterly progress or yearly performance report (通州 第十九条、第二十六条)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("类型", max_length=10, choices=ReportKind.choices)
    period = models.CharField("期间", max_length=10, help_text="2026Q1 或 2026")
    procedures = models.TextField("手续办理情况", blank=True)
    tendering = models.TextField("招投标情况", blank=True)
    start_completion = models.TextField("开竣工情况", blank=True)
    implementation = models.TextField("实施情况", blank=True)
    year_investment_wan = models.DecimalField("当年完成投资（万元）", max_digits=12, decimal_places=2, default=0)
    total_investment_wan = models.DecimalField("累计完成投资（万元）", max_digits=12, decimal_places=2, default=0)
    funds_used_wan = models.DecimalField("资金使用（万元）", max_digits=12, decimal_places=2, default=0)
    performance = models.TextField("绩效目标完成情况", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering: ClassVar = ["project", "-period"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "kind", "period"], name="projects_report_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period}"


class ChangeRoute(models.TextChoices):
    SELF_ADJUST_AND_FILE = "self_adjust_and_file", "自行调整并备案"
    APPLY_THEN_FILE = "apply_then_file", "申请同意后实施并备案"
    FULL_REAPPROVAL = "full_reapproval", "重新报批"


class ChangeStatus(models.TextChoices):
    FILED = "filed", "已备案"
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "不同意"


class ChangeRequest(models.Model):
    """A proposed adjustment (the contract's `change` facts) with the pack's ratio and route."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="changes")
    change = models.JSONField("调整内容")
    description = models.TextField("调整说明")
    ratio = models.FloatField("调整比例", null=True, blank=True)
    route = models.CharField("调整路径", max_length=30, choices=ChangeRoute.choices)
    citations = models.JSONField("依据条款", default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=ChangeStatus.choices)
    decision_comment = models.TextField("审核意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "调整申请"
        verbose_name_plural = "调整申请"
        ordering: ClassVar = ["project", "-requested_at"]

    def __str__(self) -> str:
        return f"{self.project} 调整 {self.get_status_display()}"


class OperationRecord(models.Model):
    """An O&M record (运维记录): period, work done, cost, incidents."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="operations")
    period = models.CharField("期间", max_length=20)
    content = models.TextField("运维内容")
    cost_wan = models.DecimalField("运维费用（万元）", max_digits=12, decimal_places=2, default=0)
    incidents = models.TextField("故障与安全事件", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "运维记录"
        verbose_name_plural = "运维记录"
        ordering: ClassVar = ["project", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.project} {self.period}"


class EvaluationKind(models.TextChoices):
    SELF = "self", "自评价"
    POST = "post", "后评价"


class Evaluation(models.Model):
    """A self-evaluation by the unit or a post-evaluation by the lead office."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField("类型", max_length=10, choices=EvaluationKind.choices)
    summary = models.TextField("评价结论")
    goals_met = models.BooleanField("绩效目标是否实现", null=True, blank=True)
    score = models.DecimalField("评分", max_digits=5, decimal_places=1, null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目评价"
        verbose_name_plural = "项目评价"
        ordering: ClassVar = ["project", "submitted_at"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"
