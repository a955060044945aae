"""The 申报表 profile of a project (通州 附件1): 项目负责人、联系电话、项目性质、启动年月、计划完成年月、
前期准备、资金构成 (历年已安排 / 本年度申请 by source), 填表人; with the 紧急程度 and plan year the
annual plan proposal reads. Validated here, written by `project_update_profile` (the applicant,
while the application is a draft or returned) and read by the 申报表 export and print view.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from govit.core.models import User
from govit.projects.errors import InvalidInput, audit_refusals
from govit.projects.models import Project, ProjectNature, ProjectState, Urgency

S = ProjectState
TEXT_FIELDS = {"leader_name": ("项目负责人", 50), "leader_phone": ("联系电话", 30), "form_filler": ("填表人", 50),
               "filler_phone": ("填表人联系电话", 30), "filler_email": ("电子信箱", 100)}
MONTH_FIELDS = {"start_month": "启动年月", "completion_month": "计划完成年月"}
BOOL_FIELDS = {"planning_prepared": "规划编制", "planning_reviewed": "规划通过专家论证"}
FUNDING_ROWS = {"prior": "历年已安排资金", "this_year": "本年度申请资金"}
FUNDING_SOURCES = {"fiscal": "其中申请财政拨款", "self_raised": "单位自筹", "national": "国家下拨", "other": "其它"}
PROFILE_KEYS = (*TEXT_FIELDS, *MONTH_FIELDS, *BOOL_FIELDS, "funding", "nature", "urgency", "plan_year")
_MONTH = re.compile(r"^(\d{4})[-年./](\d{1,2})月?$")
_PHONE = re.compile(r"^[0-9+\-（）() ]{5,30}$")


def _month(value: Any, label: str) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(f"字段“{label}”：请按“2027-03”填写年月（收到“{text}”）。")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def _amount(value: Any, label: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"字段“{label}”：“{value}”不是金额（万元）。") from None
    if not number.is_finite() or number < 0 or number > Decimal("10000000"):
        raise InvalidInput(f"字段“{label}”：金额须为 0 至 1000 万万元之间的数。")
    return str(number.quantize(Decimal("0.01")))


def clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    """The profile's stored values from user input; unknown keys and bad values raise with the field."""
    unknown = sorted(set(data) - set(PROFILE_KEYS))
    if unknown:
        raise InvalidInput(f"申报表字段 {'、'.join(unknown)} 无效。")
    clean: dict[str, Any] = {}
    for key, (label, size) in TEXT_FIELDS.items():
        if key in data:
            text = str(data[key] or "").strip()
            if len(text) > size:
                raise InvalidInput(f"字段“{label}”：不超过 {size} 字。")
            if text and key.endswith("phone") and not _PHONE.match(text):
                raise InvalidInput(f"字段“{label}”：“{text}”不是电话号码。")
            if text and key == "filler_email" and "@" not in text:
                raise InvalidInput(f"字段“{label}”：“{text}”不是电子信箱。")
            clean[key] = text
    for key, label in MONTH_FIELDS.items():
        if key in data:
            clean[key] = _month(data[key], label)
    if clean.get("start_month") and clean.get("completion_month") and clean["completion_month"] < clean["start_month"]:
        raise InvalidInput("字段“计划完成年月”：不能早于启动年月。")
    for key, label in BOOL_FIELDS.items():
        if key in data:
            value = data[key]
            if value in (None, ""):
                clean[key] = None
            elif value in (True, False, "true", "false", "是", "否", "1", "0"):
                clean[key] = value in (True, "true", "是", "1")
            else:
                raise InvalidInput(f"字段“前期准备：{label}”：请选“是”或“否”。")
    if "funding" in data:
        clean["funding"] = _funding(data["funding"] or {})
    for key, choices, label in (("nature", ProjectNature, "项目性质"), ("urgency", Urgency, "紧急程度")):
        if key in data:
            value = str(data[key] or "").strip()
            by_label = {c.label: c.value for c in choices}
            value = by_label.get(value, value)
            if value and value not in choices.values:
                raise InvalidInput(f"字段“{label}”：请选择 {'、'.join(by_label)}。")
            clean[key] = value
    if "plan_year" in data:
        year = data["plan_year"]
        if year in (None, ""):
            clean["plan_year"] = None
        else:
            try:
                clean["plan_year"] = int(year)
            except (TypeError, ValueError):
                raise InvalidInput(f"字段“资金需求年度”：“{year}”不是年度。") from None
            if not 2000 <= clean["plan_year"] <= 2100:
                raise InvalidInput("字段“资金需求年度”：年度无效。")
    return clean


def _funding(data: Any) -> dict[str, dict[str, str]]:
    if not isinstance(data, dict):
        raise InvalidInput("字段“资金构成”：应为 {prior: {...}, this_year: {...}}。")
    clean: dict[str, dict[str, str]] = {}
    for row, row_label in FUNDING_ROWS.items():
        given = data.get(row) or {}
        if not isinstance(given, dict):
            raise InvalidInput(f"字段“资金构成·{row_label}”：应为各来源的金额。")
        unknown = sorted(set(given) - set(FUNDING_SOURCES))
        if unknown:
            raise InvalidInput(f"字段“资金构成·{row_label}”：未知的资金来源 {'、'.join(unknown)}。")
        values = {k: _amount(given.get(k), f"资金构成·{row_label}·{label}") for k, label in FUNDING_SOURCES.items()}
        clean[row] = {k: v for k, v in values.items() if v is not None}
    unknown_rows = sorted(set(data) - set(FUNDING_ROWS))
    if unknown_rows:
        raise InvalidInput(f"字段“资金构成”：未知的行 {'、'.join(unknown_rows)}。")
    return {k: v for k, v in clean.items() if v}


def funding_total(project: Project, row: str) -> Decimal | None:
    values = (project.funding or {}).get(row) or {}
    return sum((Decimal(v) for v in values.values()), Decimal(0)) if values else None


@audit_refusals
def project_update_profile(*, project: Project, actor: User, profile: dict[str, Any],
                           source_ip: str | None = None) -> Project:
    """The applicant fills the 申报表 fields while the application is a draft or returned."""
    from govit.projects.services.common import lock_project, record_event, require_applicant, wrong_state

    clean = clean_profile(profile)
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state not in (S.DRAFT, S.RETURNED):
            raise wrong_state(project, "修改申报表信息（仅草稿或退回的项目可以修改）")
        changed = [k for k, v in clean.items() if getattr(project, k) != v]
        for key in changed:
            setattr(project, key, clean[key])
        record_event(project=project, actor=actor, kind="update", from_state=project.state, source_ip=source_ip,
                     details={"fields": changed})
    return project
