"""The pre-check (预检) form: project facts as the policy contract names them, every field optional.

A field's name is its fact path with "__" for ".", e.g. `security__mlps_level` for
`project.security.mlps_level` and `unit__kind` for `unit.kind`. Blank fields stay out of the facts,
so the engine reports what is missing instead of guessing.
"""

from __future__ import annotations

from typing import Any

from django import forms

from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.policy import labels, load_pack, pack_ids

BLANK = [("", "未填")]


def _choices(mapping: dict[Any, str]) -> list[tuple[Any, str]]:
    return BLANK + [(str(k), v) for k, v in mapping.items()]


def _tri(label: str) -> forms.TypedChoiceField:
    """是 / 否 / 未填: a yes-no fact whose absence must stay distinguishable from 否."""
    return forms.TypedChoiceField(
        label=label,
        choices=list(labels.TRI_STATE.items()),
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )


def _amount(label: str) -> forms.FloatField:
    return forms.FloatField(
        label=label, min_value=0, required=False, widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
        error_messages={"min_value": "不能为负数，请填写 0 或正数。", "invalid": "请填写数字。"},
    )


def _date_widget() -> forms.DateInput:
    # ISO format: <input type="date"> only accepts YYYY-MM-DD, whatever the page's locale.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=_date_widget(),
        error_messages={"invalid": "请填写有效日期，格式：年-月-日。"},
    )


def _choice(label: str, mapping: dict[Any, str]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=_choices(mapping), required=False)


def _checkboxes(label: str, mapping: dict[str, str]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=list(mapping.items()), required=False, widget=forms.CheckboxSelectMultiple
    )


P, N = labels.PROJECT_FACTS, labels.NESTED_FACTS

TRI_PROJECT = [
    "in_project_library", "in_annual_plan", "started_before_approval", "cross_department",
    "mandated_by_higher_level", "urgent_national_security", "emergency", "already_in_plan_document",
    "on_gov_cloud", "on_gov_network", "connected_to_sharing_platform", "connected_to_office_platform",
    "resource_catalog", "sharing_analysis_chapter", "shares_data_as_required", "duplicate_data_collection",
    "provides_data_interface", "requirements_clear", "performance_goals_clear", "internal_integration_done",
    "data_survey_done", "replaceable_by_existing", "industry_dept_approved", "similar_project_split",
    "obsolete_technology",
]

# Sections of the page: (title, field names, open by default).
SECTIONS: list[tuple[str, list[str], bool]] = [
    ("评估依据", ["pack", "as_of"], True),
    ("项目基本情况", ["name", "category", "delivery", "procurement_kind", "service_kind", "classified",
                      "total_investment_wan", "annual_om_wan", "funding_sources"], True),
    ("建设内容", ["contains"], True),
    ("部署、共享与集约", ["on_gov_cloud", "on_gov_network", "connected_to_sharing_platform",
                         "connected_to_office_platform", "resource_catalog", "sharing_analysis_chapter",
                         "shares_data_as_required", "duplicate_data_collection", "provides_data_interface",
                         "replaceable_by_existing"], True),
    ("申报条件", ["requirements_clear", "performance_goals_clear", "internal_integration_done",
                  "data_survey_done", "industry_dept_approved", "in_project_library", "in_annual_plan",
                  "already_in_plan_document", "cross_department", "mandated_by_higher_level",
                  "urgent_national_security", "emergency", "similar_project_split", "started_before_approval",
                  "obsolete_technology"], False),
    ("原项目（升级改造项目填写）", [f"prior_project__{k}" for k in labels.PRIOR_PROJECT_FACTS], False),
    ("安全保障", [f"security__{k}" for k in labels.SECURITY_FACTS], False),
    ("采购服务条件", [f"service_purchase__{k}" for k in labels.SERVICE_PURCHASE_FACTS], False),
    ("合同约定", [f"contract__{k}" for k in labels.CONTRACT_FACTS], False),
    ("关键日期", [f"dates__{k}" for k in labels.DATE_FACTS], False),
    ("建设内容和投资调整", [f"change__{k}" for k in labels.CHANGE_FACTS], False),
    ("建设单位情况", [f"unit__{k}" for k in labels.UNIT_FACTS], False),
]


PACK_SECTION = "本办法特有事项"


def pack_fact_field(spec: dict[str, Any]) -> forms.Field:
    """A form field for a fact the pack declares (type, values, label, help, citation)."""
    label = spec["label"]
    kind = spec["type"]
    values = spec.get("values")
    mapping = values if isinstance(values, dict) else {v: str(v) for v in values or []}
    if kind == "bool":
        field: forms.Field = _tri(label)
    elif kind in ("number", "integer"):
        field = _amount(label)
    elif kind == "date":
        field = _date(label)
    elif kind == "enum":
        field = _choice(label, mapping)
    elif kind == "list":
        field = _checkboxes(label, mapping)
    else:
        field = forms.CharField(label=label, required=False, max_length=500)
    citation = spec.get("citation") or (spec.get("citations") or [None])[0]
    cite = f"（第{citation['article']}条）" if citation else ""
    field.help_text = f"{spec.get('help', '')}{cite}".strip()
    return field


def pack_fact_fields(pack_id: str | None) -> dict[str, forms.Field]:
    """Form fields (name → field) for the pack's own facts: `project.x` → "x", `unit.x` → "unit__x"."""
    from govit.policy import PackError, load_pack
    from govit.policy.declarations import declared_facts

    if not pack_id:
        return {}
    try:
        data = load_pack(pack_id).data
    except PackError:
        return {}
    fields = {}
    for path, spec in declared_facts(data).items():
        root, _, name = path.partition(".")
        fields[name if root == "project" else f"unit__{name}"] = pack_fact_field(spec)
    return fields


def _pack_choices() -> list[tuple[str, str]]:
    return [(pid, load_pack(pid).title) for pid in pack_ids()]


class PrecheckForm(ProductErrorsMixin, BoundedForm):
    pack = forms.ChoiceField(label="适用办法（政策包）", choices=(), widget=forms.Select(attrs={"class": "wide"}))
    as_of = forms.DateField(
        label="评估日期", required=False, widget=_date_widget(), help_text="不填则按今天评估。",
        error_messages={"invalid": "请填写有效日期，格式：年-月-日。"},
    )
    name = forms.CharField(label=P["name"], required=False, max_length=200)
    category = _choice(P["category"], labels.CATEGORY)
    delivery = _choice(P["delivery"], labels.DELIVERY)
    procurement_kind = _choice(P["procurement_kind"], labels.PROCUREMENT_KIND)
    service_kind = _choice(P["service_kind"], labels.SERVICE_KIND)
    classified = _tri(P["classified"])
    total_investment_wan = _amount(P["total_investment_wan"])
    annual_om_wan = _amount(P["annual_om_wan"])
    funding_sources = _checkboxes(P["funding_sources"], labels.FUNDING_SOURCES)
    contains = _checkboxes(P["contains"], labels.CONTAINS)

    prior_project__accepted = _tri(N["prior_project"]["accepted"])
    prior_project__matches_business = _tri(N["prior_project"]["matches_business"])
    prior_project__vendor_supported = _tri(N["prior_project"]["vendor_supported"])
    prior_project__usage = _choice(N["prior_project"]["usage"], labels.USAGE)

    security__mlps_level = _choice(N["security"]["mlps_level"], labels.MLPS_LEVEL)
    security__mlps_compliant = _tri(N["security"]["mlps_compliant"])
    security__crypto_compliant = _tri(N["security"]["crypto_compliant"])
    security__major_risk = _tri(N["security"]["major_risk"])
    security__key_parts_certified = _tri(N["security"]["key_parts_certified"])
    security__domestic_products = _tri(N["security"]["domestic_products"])
    security__secure_reliable_products = _tri(N["security"]["secure_reliable_products"])

    service_purchase__not_goods_or_works = _tri(N["service_purchase"]["not_goods_or_works"])
    service_purchase__cheaper_than_self_build = _tri(N["service_purchase"]["cheaper_than_self_build"])
    service_purchase__multiple_providers = _tri(N["service_purchase"]["multiple_providers"])
    service_purchase__security_ok = _tri(N["service_purchase"]["security_ok"])

    contract__build_months = _amount(N["contract"]["build_months"])
    contract__free_om_months = _amount(N["contract"]["free_om_months"])
    contract__hardware_term_years = _amount(N["contract"]["hardware_term_years"])
    contract__om_service_years = _amount(N["contract"]["om_service_years"])

    dates__approved = _date(N["dates"]["approved"])
    dates__procurement_started = _date(N["dates"]["procurement_started"])
    dates__construction_started = _date(N["dates"]["construction_started"])
    dates__completed = _date(N["dates"]["completed"])
    dates__trial_started = _date(N["dates"]["trial_started"])
    dates__go_live = _date(N["dates"]["go_live"])
    dates__accepted = _date(N["dates"]["accepted"])
    dates__acceptance_requested = _date(N["dates"]["acceptance_requested"])

    change__approved_total_wan = _amount(N["change"]["approved_total_wan"])
    change__increase_wan = _amount(N["change"]["increase_wan"])
    change__decrease_wan = _amount(N["change"]["decrease_wan"])
    change__new_content_wan = _amount(N["change"]["new_content_wan"])
    change__procurement_savings_wan = _amount(N["change"]["procurement_savings_wan"])
    change__basis = _choice(N["change"]["basis"], labels.CHANGE_BASIS)
    change__goal_unchanged = _tri(N["change"]["goal_unchanged"])

    unit__kind = _choice(labels.UNIT_FACTS["kind"], labels.UNIT_KIND)
    unit__has_unaccepted_projects = _tri(labels.UNIT_FACTS["has_unaccepted_projects"])
    unit__failed_acceptance = _tri(labels.UNIT_FACTS["failed_acceptance"])
    unit__data_collection_incomplete = _tri(labels.UNIT_FACTS["data_collection_incomplete"])
    unit__data_sharing_violation = _tri(labels.UNIT_FACTS["data_sharing_violation"])
    unit__security_violation = _tri(labels.UNIT_FACTS["security_violation"])

    def __init__(self, *args: Any, pack_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pack"].choices = _pack_choices()
        for name in TRI_PROJECT:
            self.fields[name] = _tri(P[name])
        # The chosen pack's own facts (a new fact in a pack needs no code).
        chosen = pack_id or (self.data.get("pack") if self.is_bound else None) or self.initial.get("pack")
        self.pack_fields = pack_fact_fields(chosen)
        for name, field in self.pack_fields.items():
            self.fields.setdefault(name, field)

    def sections(self) -> list[dict[str, Any]]:
        """The bound fields grouped for display."""
        result = [
            {"title": title, "fields": [self[name] for name in names], "open": is_open
             or any(self[name].errors for name in names)}
            for title, names, is_open in SECTIONS
        ]
        if self.pack_fields:
            result.insert(2, {"title": PACK_SECTION, "fields": [self[n] for n in self.pack_fields], "open": True})
        return result

    def to_input(self) -> dict[str, Any]:
        """The contract's input JSON from the cleaned data; blank fields are left out."""
        data = self.cleaned_data
        result: dict[str, Any] = {"pack": data["pack"], "project": {}, "unit": {}}
        if data.get("as_of"):
            result["as_of"] = data["as_of"].isoformat()
        for name, value in data.items():
            if name in ("pack", "as_of") or value in (None, "", []):
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            if name == "security__mlps_level":
                value = int(value)
            parts = name.split("__")
            target = result["unit"] if parts[0] == "unit" else result["project"]
            path = parts[1:] if parts[0] == "unit" else parts
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
        return result

    def add_facts_errors(self, fields: list[tuple[str, str]]) -> None:
        """Put the engine's (field path, message) pairs next to their form field when one matches."""
        for path, message in fields:
            field = _form_field(path)
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, f"字段 {path}：{message}" if path else message)


def _form_field(path: str) -> str | None:
    """The form field for a fact path: project.prior_project.accepted → prior_project__accepted."""
    parts = path.split(".")
    if parts[0] == "project":
        parts = parts[1:]
    parts = [p for p in parts if not p.isdigit()]
    return "__".join(parts) or None
