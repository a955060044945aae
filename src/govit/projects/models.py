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
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
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


class ProjectNature(models.TextChoices):
    """项目性质 (通州 附件1 备注2)."""

    NEW = "new", "新建"
    CONTINUING = "continuing", "续建"
    MAINTENANCE = "maintenance", "维护"


class Urgency(models.TextChoices):
    """紧急程度: the lead office's 「先急后缓」 (通州 第七条)."""

    URGENT = "urgent", "紧急"
    FAIRLY_URGENT = "fairly_urgent", "较急"
    NORMAL = "normal", "一般"


S = ProjectState
CLOSED_STATES = (S.REJECTED, S.TERMINATED)
_SUSPENDABLE = [s for s in S.values if s not in (S.SUSPENDED, S.REJECTED, S.TERMINATED, S.EVALUATED)]
_TERMINABLE = [s for s in S.values if s not in (S.REJECTED, S.TERMINATED, S.EVALUATED)]
# Where an approved project may propose an adjustment, and so where a full re-approval starts from.
CHANGE_STATES = (S.APPROVED, S.FILED, S.PROCUREMENT, S.CONSTRUCTION, S.TRIAL_RUN)


class ProjectManager(models.Manager):
    """Projects that exist for their users: a draft its applicant deleted is kept (with its history) but hidden."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


# The live (not deleted) projects: the condition of the partial indexes below.
LIVE = models.Q(deleted_at__isnull=True)


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
    state_before_reapproval = models.CharField("重新报批前状态", max_length=30, blank=True)
    approved_estimate_wan = models.DecimalField(
        "批复概算（万元）", max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="立项批复（或免于审批、备案）时由系统记录的总投资；调整比例的分母，经同意的调整不改变它，重新报批批复后更新",
    )
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True,
                                      help_text="建设单位删除的草稿：保留记录，不再显示")
    awaiting = models.CharField(
        "待办事项", max_length=30, blank=True, help_text="当前状态下等待牵头部门处理的申请：pre_acceptance / acceptance"
    )
    # What the application says it builds, structured for duplicate and split analysis (govit.analysis)
    # and the 申报表 (通州 附件1); the pack's facts stay in `facts`.
    content = models.TextField("建设内容", blank=True)
    functions = models.JSONField("主要功能", default=list, blank=True)
    data_items = models.JSONField("数据资源（信息项）", default=list, blank=True)
    nature = models.CharField("项目性质", max_length=20, choices=ProjectNature.choices, blank=True)
    urgency = models.CharField("紧急程度", max_length=20, choices=Urgency.choices, blank=True)
    plan_year = models.PositiveSmallIntegerField("计划（资金需求）年度", null=True, blank=True, db_index=True)
    preliminary_score = models.DecimalField("初审评分", max_digits=5, decimal_places=2, null=True, blank=True)
    project_code = models.CharField(
        "项目代码", max_length=64, blank=True, help_text="投资项目在线审批监管平台赋予的项目代码（通州 第十四条）"
    )
    # The rest of the 申报表 (通州 附件1): who answers for the project, when it runs, what is prepared,
    # and the money by source (历年已安排 / 本年度申请); filled by the applicant (govit.projects.profile).
    leader_name = models.CharField("项目负责人", max_length=50, blank=True)
    leader_phone = models.CharField("联系电话", max_length=30, blank=True)
    start_month = models.CharField("启动年月", max_length=7, blank=True, help_text="YYYY-MM")
    completion_month = models.CharField("计划完成年月", max_length=7, blank=True, help_text="YYYY-MM")
    planning_prepared = models.BooleanField("前期准备：规划编制", null=True, blank=True)
    planning_reviewed = models.BooleanField("前期准备：规划通过专家论证", null=True, blank=True)
    funding = models.JSONField(
        "资金构成（万元）", default=dict, blank=True,
        help_text="{prior|this_year: {fiscal, self_raised, national, other}}：历年已安排 / 本年度申请",
    )
    form_filler = models.CharField("填表人", max_length=50, blank=True)
    filler_phone = models.CharField("填表人联系电话", max_length=30, blank=True)
    filler_email = models.CharField("电子信箱", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Stored status, so lists page and sort in the database instead of asking the pack per row.
    # Written only by govit.projects.status (from every service's record_event, and by the sweep).
    status_steps = models.JSONField("下一步（存储）", default=list, blank=True)
    status_deadlines = models.JSONField("时限（存储）", default=list, blank=True)
    next_due = models.DateField("本单位最近时限", null=True, blank=True)
    next_due_code = models.CharField("最近时限代码", max_length=50, blank=True)
    overdue_count = models.PositiveSmallIntegerField("逾期义务数", default=0)
    investment_wan = models.DecimalField("总投资（万元）", max_digits=14, decimal_places=2, null=True, blank=True)
    health_score = models.PositiveSmallIntegerField("健康评级", null=True, blank=True)
    status_key = models.CharField("状态依据摘要", max_length=64, blank=True)
    status_as_of = models.DateField("状态计算日期", null=True, blank=True)
    status_valid_until = models.DateField(
        "状态有效期至", null=True, blank=True, help_text="此日起时限随日期变化，督办扫描重新计算；为空表示待计算"
    )
    all_objects = models.Manager()  # deleted drafts included (history, audit)

    objects = ProjectManager()

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering: ClassVar = ["-created_at", "-pk"]
        # Every visible-project query filters deleted_at IS NULL (ProjectManager), so the indexes hold
        # the live rows only: a count or GROUP BY then reads the index alone (PostgreSQL index-only
        # scan; the id is included where the query needs it) instead of visiting the wide rows (facts).
        indexes: ClassVar = [
            models.Index(fields=["jurisdiction", "-created_at", "-id"], name="project_jur_created", condition=LIVE),
            models.Index(fields=["unit", "-created_at", "-id"], name="project_unit_created", condition=LIVE),
            models.Index(fields=["jurisdiction", "state"], name="project_jur_state", include=["id"], condition=LIVE),
            models.Index(fields=["jurisdiction", "updated_at"], name="project_jur_updated", include=["id"],
                         condition=LIVE),
            models.Index(fields=["jurisdiction", "next_due"], name="project_jur_next_due", condition=LIVE),
            models.Index(fields=["status_valid_until"], name="project_status_valid", condition=LIVE),
            # Covers the inbox's filter and order, so it reads the index only (no wide rows).
            models.Index(fields=["jurisdiction", "state", "awaiting", "updated_at"], name="project_inbox",
                         include=["id"], condition=LIVE),
            # The inbox's third branch: projects asking for an acceptance in any other state.
            models.Index(fields=["jurisdiction", "awaiting", "updated_at"], name="project_jur_awaiting",
                         include=["id", "state"], condition=LIVE),
            # The supervision dashboard's GROUP BYs, answered from the index alone.
            models.Index(fields=["jurisdiction", "unit"], name="project_jur_unit", condition=LIVE),
            models.Index(fields=["jurisdiction", "health_score"], name="project_jur_health", condition=LIVE),
            # 有未验收的项目 (unit facts): built projects of a unit still waiting for acceptance, by 建成 date.
            models.Index(
                "unit",
                Cast(KeyTextTransform("completed", KeyTransform("dates", "facts")), output_field=models.CharField()),
                name="project_unit_completed",
                condition=models.Q(state__in=["construction", "trial_run", "pre_acceptance"]),
            ),
        ]
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.name

    # --- the state machine: called only from govit.projects.services -----------------------

    @transition(field=state, source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def to_submitted(self) -> None: ...

    @transition(field=state, source=[S.SUBMITTED], target=S.DRAFT)
    def to_draft(self) -> None:
        """撤回: the applicant withdraws an application the lead office has not yet accepted."""

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

    @transition(field=state, source=list(CHANGE_STATES), target=S.UNDER_REVIEW)
    def to_change_review(self) -> None:
        """重新报批: an adjustment beyond what the pack lets the unit or the office decide goes back to review."""
        self.state_before_reapproval = self.state

    @transition(field=state, source=[S.UNDER_REVIEW], target=RETURN_VALUE(*CHANGE_STATES))
    def back_from_change_review(self) -> str:
        previous = self.state_before_reapproval
        self.state_before_reapproval = ""
        return previous

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
    SUPERVISION_CONTRACT = "supervision_contract", "监理合同"
    ACCEPTANCE_EXTENSION = "acceptance_extension", "延期验收申请（已同意）"
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
    outline_check = models.JSONField(
        "提纲检查", default=dict, blank=True,
        help_text="建议书、可研（DOCX）与政策包提纲（通州 附件2、附件3）的比对结果；空表示未检查",
    )
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
        indexes: ClassVar = [models.Index(fields=["project", "kind"], name="projectevent_project_kind")]

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
    REAPPROVAL = "reapproval", "待重新报批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "不同意"


# Adjustments that stand: counted together against the approved estimate where the pack says so.
COUNTED_CHANGE_STATUSES = (ChangeStatus.FILED, ChangeStatus.APPROVED)
OPEN_CHANGE_STATUSES = (ChangeStatus.PENDING, ChangeStatus.REAPPROVAL)


class ChangeRequest(models.Model):
    """A proposed adjustment (the contract's `change` facts) with the pack's ratio and route."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="changes")
    change = models.JSONField("调整内容")
    description = models.TextField("调整说明")
    ratio = models.FloatField("调整比例", null=True, blank=True,
                              help_text="政策包计算的比例（累计计算的政策包含此前各次调整）")
    estimate_wan = models.DecimalField("比较基数：批复概算（万元）", max_digits=12, decimal_places=2, null=True,
                                       blank=True)
    document_no = models.CharField("重新报批批复文号", max_length=100, blank=True)
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
        indexes: ClassVar = [models.Index(fields=["status"], name="change_status")]

    def __str__(self) -> str:
        return f"{self.project} 调整 {self.get_status_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "不同意"


class AcceptanceExtension(models.Model):
    """延期验收申请 (通州 第三十条): the unit cannot apply for acceptance in time and asks for a later date."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="acceptance_extensions")
    reason = models.TextField("不能按期申请验收的原因")
    requested_until = models.DateField("申请延期至")
    deadline = models.DateField("原申请验收期限")
    citations = models.JSONField("依据条款", default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
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
        verbose_name = "延期验收申请"
        verbose_name_plural = "延期验收申请"
        ordering: ClassVar = ["project", "-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} 延期验收至 {self.requested_until}"


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
