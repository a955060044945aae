"""The 申报表 fields of the project form (通州 附件1): 项目负责人、联系电话、项目性质、紧急程度、启动年月、
计划完成年月、前期准备、资金构成 (历年已安排 / 本年度申请 by source), 填表人. Named `pf_*` so they never
mix with the pack facts; validated by `govit.projects.profile.clean_profile`."""

from __future__ import annotations

from typing import Any

from django import forms

from govit.projects.models import ProjectNature, Urgency
from govit.projects.profile import FUNDING_ROWS, FUNDING_SOURCES, clean_profile

PREFIX = "pf_"
_YES_NO = [("", "未填"), ("true", "是"), ("false", "否")]
_MONTH = {"placeholder": "2027-03", "pattern": r"\d{4}-\d{2}", "inputmode": "numeric"}


def profile_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "pf_leader_name": forms.CharField(label="项目负责人", max_length=50, required=False),
        "pf_leader_phone": forms.CharField(label="联系电话", max_length=30, required=False),
        "pf_nature": forms.ChoiceField(label="项目性质", required=False,
                                       choices=[("", "请选择"), *ProjectNature.choices],
                                       help_text="“新建”“续建”或“维护”（附件1 备注2）。续建项目在年度计划建议中必列。"),
        "pf_urgency": forms.ChoiceField(label="紧急程度", required=False, choices=[("", "请选择"), *Urgency.choices],
                                        help_text="领导小组办公室按“先急后缓、量力而行”核定年度拟建计划（第七条）。"),
        "pf_start_month": forms.CharField(label="启动年月", required=False, max_length=8,
                                          widget=forms.TextInput(attrs=_MONTH)),
        "pf_completion_month": forms.CharField(label="计划完成年月", required=False, max_length=8,
                                               widget=forms.TextInput(attrs=_MONTH)),
        "pf_planning_prepared": forms.ChoiceField(label="前期准备：规划编制", required=False, choices=_YES_NO),
        "pf_planning_reviewed": forms.ChoiceField(label="前期准备：规划通过专家论证", required=False, choices=_YES_NO),
    }
    for row, row_label in FUNDING_ROWS.items():
        for source, source_label in FUNDING_SOURCES.items():
            fields[f"pf_funding_{row}_{source}"] = forms.DecimalField(
                label=f"{row_label}·{source_label.replace('其中申请', '')}（万元）", required=False, min_value=0,
                max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
                error_messages={"invalid": "请填写金额（万元）。", "min_value": "不能为负数。"})
    fields["pf_form_filler"] = forms.CharField(label="填表人", max_length=50, required=False)
    fields["pf_filler_phone"] = forms.CharField(label="填表人联系电话", max_length=30, required=False)
    fields["pf_filler_email"] = forms.CharField(label="电子信箱", max_length=100, required=False)
    return fields


def profile_from(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The profile for `clean_profile` / `project_update_profile` from the form's cleaned data."""
    profile: dict[str, Any] = {}
    funding: dict[str, dict[str, Any]] = {}
    for name, value in cleaned.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        if key.startswith("funding_"):
            row, _, source = key[len("funding_"):].rpartition("_")
            if row.endswith("_self"):  # self_raised splits at its own underscore
                row, source = row[: -len("_self")], f"self_{source}"
            if value is not None:
                funding.setdefault(row, {})[source] = str(value)
            continue
        profile[key] = value
    profile["funding"] = funding
    return profile


def initial_profile(project: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for key in ("leader_name", "leader_phone", "nature", "urgency", "start_month", "completion_month",
                "form_filler", "filler_phone", "filler_email"):
        initial[f"{PREFIX}{key}"] = getattr(project, key)
    for key in ("planning_prepared", "planning_reviewed"):
        value = getattr(project, key)
        initial[f"{PREFIX}{key}"] = "" if value is None else ("true" if value else "false")
    for row, values in (project.funding or {}).items():
        for source, amount in values.items():
            initial[f"{PREFIX}funding_{row}_{source}"] = amount
    return initial


def validate_profile(form: forms.Form) -> None:
    """Add clean_profile's message to the form (the field it names) instead of failing later."""
    from govit.projects.errors import InvalidInput

    try:
        clean_profile(profile_from(form.cleaned_data))
    except InvalidInput as exc:
        target = next((n for n, f in form.fields.items() if n.startswith(PREFIX) and f.label and
                       f"“{f.label.split('：')[-1]}”" in exc.message), None)
        form.add_error(target, exc.message)
