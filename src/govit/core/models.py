"""Core models: jurisdictions, units, users and their role assignments, API tokens, audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", "省（自治区、直辖市）"
    CITY = "city", "地级市"
    PREFECTURE = "prefecture", "自治州（地区、盟）"
    DISTRICT = "district", "市辖区"
    COUNTY = "county", "县（县级市、旗）"
    TOWNSHIP = "township", "乡镇（街道、苏木）"


class Jurisdiction(models.Model):
    """An administrative area whose government pays for and regulates projects (e.g. 通州区)."""

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=20, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    pack_ids = models.JSONField("适用政策包", default=list, blank=True)

    class Meta:
        verbose_name = "行政区域"
        verbose_name_plural = "行政区域"
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    LEAD_OFFICE = "lead_office", "领导小组办公室（牵头部门）"
    DATA_BUREAU = "data_bureau", "政务数据管理部门"
    NETSEC = "netsec", "网信部门"
    SECRECY_CRYPTO = "secrecy_crypto", "保密机要（密码管理）部门"
    POLICE = "police", "公安部门"
    FINANCE = "finance", "财政部门"
    DEVELOPMENT_REFORM = "development_reform", "发展改革部门"
    APPROVAL_BUREAU = "approval_bureau", "行政审批部门"
    ECONOMY_IT = "economy_it", "经济和信息化部门"
    AUDIT = "audit", "审计部门"
    ARCHIVES = "archives", "档案部门"
    NATIONAL_SECURITY = "national_security", "国家安全部门"
    GOVERNMENT = "government", "人民政府（办公室）"
    CONSTRUCTION_DEPARTMENT = "construction_department", "项目建设单位"
    TOWNSHIP = "township", "乡镇（街道、苏木）"


class Unit(models.Model):
    """A government body inside a jurisdiction: a reviewing department or a project builder."""

    name = models.CharField("单位名称", max_length=100)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT, related_name="units"
    )
    kind = models.CharField("单位类型", max_length=30, choices=UnitKind.choices)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering: ClassVar = ["jurisdiction__code", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="core_unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """The kind's Chinese name: the platform's, or the one the jurisdiction's pack declares."""
        if self.kind in UnitKind.values:
            return str(self.get_kind_display())
        from govit.core.onboarding import unit_kind_label

        return unit_kind_label(self)


class User(AbstractUser):
    """A person who signs in. Scope (jurisdiction, unit) comes from role assignments."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    password_changed_at = models.DateTimeField("口令修改时间", null=True, blank=True)
    # The unit the account works for (set when the account is opened or imported); roles are still
    # granted by the security administrator.
    unit = models.ForeignKey("Unit", verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="members")
    # Set when someone else chose the password (initial password, reset): the next sign-in must change
    # it, no token is issued and no administrator role is granted until the holder has.
    must_change_password = models.BooleanField("须修改初始密码", default=False)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_username()

    def __str__(self) -> str:
        return self.display_name


class Role(models.TextChoices):
    APPLICANT = "applicant", "项目建设单位"
    LEAD_OFFICE = "lead_office", "领导小组办公室"
    MEMBER_REVIEWER = "member_reviewer", "会审成员单位"
    EXPERT = "expert", "评审专家"
    LEADERSHIP = "leadership", "领导"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class RoleAssignment(models.Model):
    """Grants `user` the `role` within one jurisdiction (and, for most roles, on behalf of one unit)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT, related_name="role_assignments"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role", "jurisdiction"], name="core_role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.jurisdiction}"


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    WRITE = "write", "读写"


class ApiToken(models.Model):
    """A bearer token for system-to-system API calls. Only the SM3 digest of the token is stored."""

    user = models.ForeignKey(User, verbose_name="所属用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要（SM3）", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    scope = models.CharField("权限范围", max_length=10, choices=TokenScope.choices, default=TokenScope.READ)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEntryImmutableError(Exception):
    """Raised when code tries to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditEntryImmutableError("Audit entries are append-only; update() is refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutableError("Audit entries are append-only; delete() is refused.")


class AuditEntry(models.Model):
    """One append-only audit record, chained to the previous one by an HMAC-SM3 hash.

    Write entries only through `govit.core.services.audit_record`.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    timestamp = models.DateTimeField("时间")
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    object_repr = models.CharField("对象描述", max_length=255, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=AuditOutcome.choices)
    source_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True)
    entry_hash = models.CharField("本条哈希", max_length=64)
    # The jurisdiction the entry concerns (hashed when set): an audit administrator reads their own
    # jurisdiction's entries and the platform-wide ones (blank).
    # Nullable: adding it is a plain ALTER TABLE (SQLite would otherwise rebuild the guarded table).
    jurisdiction_code = models.CharField(  # noqa: DJ001 (see above)
        "行政区划代码", max_length=12, null=True, blank=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering: ClassVar = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutableError("Audit entries are append-only; saving an existing entry is refused.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutableError("Audit entries are append-only; delete() is refused.")

    @property
    def action_label(self) -> str:
        from govit.core.audit_actions import audit_action_label

        return audit_action_label(self.action)


class AuditChainHead(models.Model):
    """The single row (pk=1) holding the last sequence number and hash of the audit chain.

    Writers lock it with select_for_update, which serialises appends; verification compares the
    chain's tail with it, which detects deletion of the newest entries.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    # HMAC-SM3 over (chain, seq, hash) with a key derived from the audit key (govit.core.checkpoints).
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords (等保 password policy: no reuse of the last N)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("口令哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史口令"
        verbose_name_plural = "历史口令"
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d}"


class RoleLedgerAction(models.TextChoices):
    GRANT = "grant", "授予"
    REVOKE = "revoke", "撤销"


class RoleLedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditEntryImmutableError("Role ledger entries are append-only; update() is refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutableError("Role ledger entries are append-only; delete() is refused.")


class RoleLedgerEntry(models.Model):
    """One grant or revocation of a role assignment, chained by HMAC-SM3 like the audit log.

    Replaying the ledger gives the set of assignments that should exist; `govit roles verify`
    compares it with the `RoleAssignment` table, so a row added, edited or deleted by SQL is found.
    Written only by `govit.core.services.role_assign` / `role_revoke`.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    timestamp = models.DateTimeField("时间")
    action = models.CharField("动作", max_length=10, choices=RoleLedgerAction.choices)
    assignment_id = models.BigIntegerField("授权记录标识")
    user_id_value = models.BigIntegerField("用户标识")
    role = models.CharField("角色", max_length=30)
    jurisdiction_id_value = models.BigIntegerField("行政区域标识")
    unit_id_value = models.BigIntegerField("单位标识", null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True)
    entry_hash = models.CharField("本条哈希", max_length=64)

    objects = RoleLedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "角色授权台账"
        verbose_name_plural = "角色授权台账"
        ordering: ClassVar = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.role}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutableError("Role ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutableError("Role ledger entries are append-only; delete() is refused.")


class RoleLedgerHead(models.Model):
    """Single row (pk=1): last seq and hash of the role ledger (detects a deleted tail)."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "角色授权台账链头"
        verbose_name_plural = "角色授权台账链头"

    def __str__(self) -> str:
        return f"role ledger head #{self.last_seq}"


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", "待本人确认"
    CONFIRMED = "confirmed", "已确认"
    CANCELLED = "cancelled", "已撤回"


class RoleGrantRequest(models.Model):
    """An administrator role offered by the security administrator, granted only when the new holder
    confirms it with a code from their own second factor (govit.core.account_services)."""

    user = models.ForeignKey(User, verbose_name="被授权人", on_delete=models.CASCADE,
                             related_name="role_grant_requests")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name="行政区域", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    requested_by = models.ForeignKey(User, verbose_name="授权人", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_by_name = models.CharField("授权人名称", max_length=150, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    expires_at = models.DateTimeField("确认期限")
    status = models.CharField("状态", max_length=10, choices=RoleGrantStatus.choices, default=RoleGrantStatus.PENDING)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "管理员角色授权确认"
        verbose_name_plural = "管理员角色授权确认"
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.get_status_display()}"
