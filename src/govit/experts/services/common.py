"""Shared pieces of the expert services: constants of the review form, role checks, sealing sensitive fields."""

from __future__ import annotations

from typing import Any

from govit import policy
from govit.core import crypto
from govit.core.models import Jurisdiction, User
from govit.experts.models import (
    SENSITIVE_FIELDS,
    Draw,
    Expert,
)
from govit.experts.selectors import is_lead_office_of
from govit.experts.validation import FieldInvalid, clean_expert_fields
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied

ID_INDEX_PURPOSE = "expert.id_number"
# Scoring criteria of the expert review form (the form's design, not a regulatory number).
CRITERIA = {
    "necessity": "建设必要性",
    "technical": "技术方案合理性",
    "investment": "投资估算合理性",
    "security": "网络安全与密码应用",
    "sharing": "集约共享与数据资源",
}
SCORE_MAX = 10
PERIOD_KINDS = {"year": "年", "quarter": "季度", "month": "月"}


# --- helpers ---------------------------------------------------------------------------------


def require_lead_office(actor: User, jurisdiction_id: int) -> None:
    if not is_lead_office_of(actor, jurisdiction_id):
        raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以管理专家库和组织专家抽取。")


def lock_draw(draw: Draw) -> None:
    Draw.objects.select_for_update().filter(pk=draw.pk).exists()
    draw.refresh_from_db()


def cite(pack_id: str, citation: dict[str, Any] | None) -> str:
    if not citation:
        return ""
    return f"《{policy.load_pack(pack_id).title}》{lifecycle.cite_text(citation)}"


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, purpose=ID_INDEX_PURPOSE) if id_number else ""


def seal(expert: Expert, values: dict[str, str]) -> None:
    """Encrypt all three sensitive fields under the current key (so `key_id` names one key)."""
    for name in SENSITIVE_FIELDS:
        expert.set_sensitive(name, values.get(name, ""))
    expert.key_id = crypto.current_sm4_key_id()
    expert.id_number_index = id_number_index(values.get("id_number", ""))


def duplicate_of(jurisdiction: Jurisdiction, index: str, *, exclude_pk: int | None = None) -> Expert | None:
    if not index:
        return None
    qs = Expert.objects.filter(jurisdiction=jurisdiction, id_number_index=index)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def link_user_check(user: User | None, jurisdiction: Jurisdiction, *, exclude_pk: int | None = None) -> None:
    if user is None:
        return
    from govit.core.models import Role, RoleAssignment

    if not RoleAssignment.objects.filter(user=user, role=Role.EXPERT, jurisdiction=jurisdiction).exists():
        raise InvalidInput(f"账号 {user.get_username()} 在本行政区域没有“评审专家”角色，不能关联。")
    if Expert.objects.filter(user=user).exclude(pk=exclude_pk).exists():
        raise InvalidInput(f"账号 {user.get_username()} 已关联其他专家。")


def clean_raw(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return clean_expert_fields(raw)
    except FieldInvalid as exc:
        raise InvalidInput(f"「{exc.label}」{exc.message}") from exc


