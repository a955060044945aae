"""Expert library (信息化专家库), verifiable random draws of review panels, expert reviews and fees.

Sensitive fields (phone, ID number, bank account) are stored only as SM4-GCM ciphertext tokens
naming their key id (`govit.core.crypto.encrypt_text_ring`), bound to the expert's `uid` by the
associated data; the ID number also has a blind index (HMAC-SM3) for duplicate detection.
Write them only through `govit.experts.services`.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models

from govit.core import crypto
from govit.core.models import Jurisdiction, Unit
from govit.projects.models import Project

SENSITIVE_FIELDS = ("phone", "id_number", "bank_account")


class ExpertCategory(models.TextChoices):
    NETWORK_SECURITY = "network_security", "网络安全"
    SOFTWARE_ENGINEERING = "software_engineering", "软件工程"
    DATA_GOVERNANCE = "data_governance", "数据治理"
    CRYPTOGRAPHY = "cryptography", "密码应用"
    COST_FINANCE = "cost_finance", "工程造价/财务"
    INDUSTRY = "industry", "行业业务"
    LEGAL = "legal", "法律"


class Expert(models.Model):
    """One expert of a jurisdiction's library, optionally linked to a user with the `expert` role."""

    uid = models.UUIDField("标识", default=uuid.uuid4, unique=True, editable=False)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="所属专家库（行政区域）", on_delete=models.PROTECT, related_name="experts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField("姓名", max_length=50)
    employer = models.CharField("工作单位", max_length=200)
    title = models.CharField("职称", max_length=50, blank=True)
    categories = models.JSONField("专业类别", default=list)
    available = models.BooleanField("可抽取", default=True)
    declared_conflicts = models.JSONField("申报的回避单位", default=list, blank=True)
    phone_enc = models.TextField("手机号码（密文）", blank=True)
    id_number_enc = models.TextField("身份证号（密文）", blank=True)
    bank_account_enc = models.TextField("银行账号（密文）", blank=True)
    key_id = models.CharField("密钥编号", max_length=16, blank=True, db_index=True)
    id_number_index = models.CharField("身份证号盲索引", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家"
        ordering: ClassVar = ["jurisdiction__code", "name", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["jurisdiction", "id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="experts_unique_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def _aad(self, field: str) -> bytes:
        return f"govit.expert.{field}:{self.uid}".encode()

    def decrypted(self, field: str) -> str:
        """The plaintext of a sensitive field ("" when empty)."""
        token = getattr(self, f"{field}_enc")
        return crypto.decrypt_text_ring(token, associated_data=self._aad(field)) if token else ""

    def set_sensitive(self, field: str, value: str) -> None:
        """Encrypt `value` into the field under the current ring key (call only from services)."""
        token = crypto.encrypt_text_ring(value, associated_data=self._aad(field)) if value else ""
        setattr(self, f"{field}_enc", token)

    @property
    def category_labels(self) -> list[str]:
        return [ExpertCategory(c).label for c in self.categories if c in ExpertCategory.values]

    def masked(self, field: str) -> str:
        """The field with all but the last four characters hidden (for lists)."""
        value = self.decrypted(field)
        return ("*" * max(len(value) - 4, 0) + value[-4:]) if value else ""

    @property
    def masked_phone(self) -> str:
        return self.masked("phone")

    @property
    def masked_id(self) -> str:
        return self.masked("id_number")


class DrawPurpose(models.TextChoices):
    APPROVAL_REVIEW = "approval_review", "立项评审"
    ACCEPTANCE = "acceptance", "验收评审"
    CONSULTING = "consulting", "项目咨询"
    OTHER = "other", "其他评审"


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", "已承诺（待抽取）"
    DRAWN = "drawn", "已抽取"
    OPEN = "open", "评审中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


class Draw(models.Model):
    """One random draw of an expert panel for a project's review, verifiable after the fact.

    At commit the eligible candidates are frozen (`candidates`, with `candidates_digest`) and only
    the seed's SM3 (`seed_commitment`) is published; the seed itself waits encrypted. Execution
    reveals it (`seed`); anyone can then recompute the panel (`govit experts verify-draw ID`).
    """

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="expert_draws")
    purpose = models.CharField("评审事项", max_length=20, choices=DrawPurpose.choices)
    requested = models.JSONField("各类别抽取人数")
    reserve_per_category = models.PositiveSmallIntegerField("各类别备选人数")
    exclusions = models.JSONField("回避参数", default=dict, blank=True)
    excluded = models.JSONField("被回避的专家及原因", default=dict, blank=True)
    candidates = models.JSONField("各类别候选专家（排序后）", default=dict)
    candidates_digest = models.CharField("候选名单摘要（SM3）", max_length=64)
    committee_other_members = models.PositiveSmallIntegerField("审查委员会非专家成员人数", default=0)
    seed_commitment = models.CharField("种子承诺值 SM3(种子)", max_length=64)
    seed_sealed = models.TextField("种子（揭示前加密保存）", blank=True)
    seed = models.CharField("种子（抽取后公开）", max_length=64, blank=True)
    algorithm = models.CharField("算法版本", max_length=40)
    status = models.CharField("状态", max_length=12, choices=DrawStatus.choices, default=DrawStatus.COMMITTED)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="承诺人", on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField("承诺时间", auto_now_add=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField("抽取时间", null=True, blank=True)
    opened_at = models.DateTimeField("开始评审时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取消人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = "专家抽取"
        verbose_name_plural = "专家抽取"
        ordering: ClassVar = ["-committed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_purpose_display()} · 第 {self.pk} 号抽取"


class MemberRole(models.TextChoices):
    PANEL = "panel", "评审专家"
    RESERVE = "reserve", "备选专家"


class MemberStatus(models.TextChoices):
    INVITED = "invited", "已邀请"
    ACCEPTED = "accepted", "已确认参加"
    DECLINED = "declined", "已谢绝"
    STANDBY = "standby", "备选待用"
    REPLACED = "replaced", "已递补"


class DrawMember(models.Model):
    """An expert the draw picked: on the panel or the reserve list, with the rank the seed gave."""

    draw = models.ForeignKey(Draw, verbose_name="抽取", on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="draw_memberships")
    category = models.CharField("抽取类别", max_length=30, choices=ExpertCategory.choices)
    rank = models.PositiveSmallIntegerField("类别内排序")
    initial_role = models.CharField("抽取时身份", max_length=10, choices=MemberRole.choices)
    role = models.CharField("当前身份", max_length=10, choices=MemberRole.choices)
    status = models.CharField("状态", max_length=10, choices=MemberStatus.choices)
    replaces = models.OneToOneField(
        "self", verbose_name="递补的专家", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    no_conflict_declared_at = models.DateTimeField("无利害关系声明时间", null=True, blank=True)
    decline_reason = models.CharField("谢绝原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "抽取结果"
        verbose_name_plural = "抽取结果"
        ordering: ClassVar = ["draw", "category", "rank"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["draw", "expert"], name="experts_member_unique_expert"),
            models.UniqueConstraint(fields=["draw", "category", "rank"], name="experts_member_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} · {self.expert} · {self.get_role_display()}"

    @property
    def is_active_panel(self) -> bool:
        return self.role == MemberRole.PANEL and self.status in (MemberStatus.INVITED, MemberStatus.ACCEPTED)


class ReviewOpinion(models.TextChoices):
    AGREE = "agree", "同意"
    CONDITIONAL = "conditional", "有条件同意"
    DISAGREE = "disagree", "不同意"


class ExpertReview(models.Model):
    """One expert's signed review: scores per criterion, opinion, and the SM3 digest that signs it."""

    member = models.OneToOneField(DrawMember, verbose_name="评审专家", on_delete=models.PROTECT, related_name="review")
    scores = models.JSONField("评分")
    opinion = models.CharField("意见", max_length=15, choices=ReviewOpinion.choices)
    comments = models.TextField("评审意见")
    no_conflict = models.BooleanField("无利害关系声明")
    canonical = models.TextField("签名内容（规范化 JSON）")
    signature_digest = models.CharField("签名摘要（SM3）", max_length=64)
    signed_at = models.DateTimeField("签名时间")

    class Meta:
        verbose_name = "专家评审意见"
        verbose_name_plural = "专家评审意见"
        ordering: ClassVar = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.member.expert} · {self.get_opinion_display()}"


class FeeRecord(models.Model):
    """An expert fee (专家评审费) for one review, paid by the unit the pack names (or the lead office)."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="fees")
    member = models.OneToOneField(
        DrawMember, verbose_name="评审", on_delete=models.PROTECT, related_name="fee", null=True, blank=True
    )
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    service_date = models.DateField("评审日期")
    period = models.CharField("所属月份", max_length=7, db_index=True, help_text="YYYY-MM")
    payer = models.ForeignKey(Unit, verbose_name="支付单位", on_delete=models.PROTECT, related_name="+")
    payer_basis = models.CharField("支付单位依据", max_length=200)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "专家费"
        verbose_name_plural = "专家费"
        ordering: ClassVar = ["-service_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.expert} {self.amount} 元 ({self.period})"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "处理中"
    SUCCEEDED = "succeeded", "已导入"
    FAILED = "failed", "未导入"


class ImportJob(models.Model):
    """An Excel import of experts, run as a background job; progress is polled by the page.

    The uploaded file holds plaintext phone and ID numbers, so it is kept SM4-encrypted and
    erased when the job ends.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="专家库", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField("文件名", max_length=200)
    file_sealed = models.TextField("文件（加密）", blank=True)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("导入人数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "专家导入任务"
        verbose_name_plural = "专家导入任务"
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return 100
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
