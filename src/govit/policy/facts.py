"""The facts of a project and its unit, exactly as the policy contract names them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govit import bounds

Category = Literal["new", "rebuild", "expansion", "upgrade", "migration", "operation"]
Delivery = Literal["self_build", "service_purchase"]
ProcurementKind = Literal["software", "equipment", "integration", "service", "security_assessment"]
FundingSource = Literal["local_fiscal", "superior_special", "xinjiang_aid", "self_raised", "enterprise_free",
                        "bond", "other"]
Content = Literal["machine_room", "data_center", "cloud_platform", "network", "servers_storage",
                  "internet_line_lease", "private_line_lease", "terminal_security", "common_system",
                  "website_platform", "standalone_mobile_app", "big_data_platform", "enforcement_system",
                  "public_support_platform", "data_resources", "civil_works", "high_energy"]
ServiceKind = Literal["public_service", "office", "decision_support", "business", "infrastructure"]
ChangeBasis = Literal["higher_level_requirement", "technical_optimization", "business_need", "other"]
Amount = bounds.Amount  # 万元: finite, ≥ 0, ≤ 10^7, ≤ 4 decimals (govit.bounds)
Day = bounds.BoundedDate  # 2000-01-01 .. 2100-12-31

# Unknown facts are ignored (the contract lets callers add fields); they are listed in the trace.
_MODEL = ConfigDict(extra="allow", populate_by_name=True)


class _Facts(BaseModel):
    """Unknown (extra) facts are kept, within the same bounds as the known ones."""

    @model_validator(mode="after")
    def _bounded_extras(self) -> _Facts:
        for name, value in (self.model_extra or {}).items():
            try:
                self.model_extra[name] = bounds.check_value(name, value)  # type: ignore[index]
            except bounds.BoundsError as exc:
                raise ValueError(f"{name}：{exc}") from None
        return self


class PriorProject(_Facts):
    model_config = _MODEL
    accepted: bool | None = None
    matches_business: bool | None = None
    vendor_supported: bool | None = None
    usage: Literal["normal", "low", "idle"] | None = None


class Security(_Facts):
    model_config = _MODEL
    mlps_level: int | None = Field(default=None, ge=1, le=4)
    mlps_compliant: bool | None = None
    crypto_compliant: bool | None = None
    major_risk: bool | None = None
    key_parts_certified: bool | None = None
    domestic_products: bool | None = None
    secure_reliable_products: bool | None = None


class ServicePurchase(_Facts):
    model_config = _MODEL
    not_goods_or_works: bool | None = None
    cheaper_than_self_build: bool | None = None
    multiple_providers: bool | None = None
    security_ok: bool | None = None


class Contract(_Facts):
    model_config = _MODEL
    build_months: bounds.Number | None = Field(default=None, ge=0)
    free_om_months: bounds.Number | None = Field(default=None, ge=0)
    hardware_term_years: bounds.Number | None = Field(default=None, ge=0)
    om_service_years: bounds.Number | None = Field(default=None, ge=0)


class Dates(_Facts):
    model_config = _MODEL
    approved: Day | None = None
    procurement_started: Day | None = None
    construction_started: Day | None = None
    completed: Day | None = None
    trial_started: Day | None = None
    go_live: Day | None = None
    accepted: Day | None = None
    acceptance_requested: Day | None = None


class Change(_Facts):
    model_config = _MODEL
    approved_total_wan: Amount | None = Field(default=None, gt=0)
    increase_wan: Amount | None = Field(default=None, ge=0)
    decrease_wan: Amount | None = Field(default=None, ge=0)
    new_content_wan: Amount | None = Field(default=None, ge=0)
    procurement_savings_wan: Amount | None = Field(default=None, ge=0)
    basis: ChangeBasis | None = None
    goal_unchanged: bool | None = None
    # Earlier adjustments of the same project counted with this one (a pack's cumulative
    # `change_rules`); the platform fills them from its records, a caller may give them for a what-if.
    prior_increase_wan: Amount | None = Field(default=None, ge=0)
    prior_decrease_wan: Amount | None = Field(default=None, ge=0)
    prior_new_content_wan: Amount | None = Field(default=None, ge=0)
    prior_procurement_savings_wan: Amount | None = Field(default=None, ge=0)


class ProjectFacts(_Facts):
    model_config = _MODEL
    name: bounds.Line | None = None
    unit_name: bounds.Line | None = None
    category: Category | None = None
    delivery: Delivery | None = None
    procurement_kind: ProcurementKind | None = None
    classified: bool | None = None
    total_investment_wan: Amount | None = Field(default=None, ge=0)
    annual_om_wan: Amount | None = Field(default=None, ge=0)
    funding_sources: list[FundingSource] | None = None
    in_project_library: bool | None = None
    in_annual_plan: bool | None = None
    started_before_approval: bool | None = None
    cross_department: bool | None = None
    mandated_by_higher_level: bool | None = None
    urgent_national_security: bool | None = None
    emergency: bool | None = None
    already_in_plan_document: bool | None = None
    contains: list[Content] | None = None
    on_gov_cloud: bool | None = None
    on_gov_network: bool | None = None
    connected_to_sharing_platform: bool | None = None
    connected_to_office_platform: bool | None = None
    service_kind: ServiceKind | None = None
    resource_catalog: bool | None = None
    sharing_analysis_chapter: bool | None = None
    shares_data_as_required: bool | None = None
    duplicate_data_collection: bool | None = None
    provides_data_interface: bool | None = None
    requirements_clear: bool | None = None
    performance_goals_clear: bool | None = None
    internal_integration_done: bool | None = None
    data_survey_done: bool | None = None
    replaceable_by_existing: bool | None = None
    industry_dept_approved: bool | None = None
    similar_project_split: bool | None = None
    prior_project: PriorProject | None = None
    security: Security | None = None
    obsolete_technology: bool | None = None
    service_purchase: ServicePurchase | None = None
    contract: Contract | None = None
    dates: Dates | None = None
    change: Change | None = None


class UnitFacts(_Facts):
    model_config = _MODEL
    kind: Literal["department", "township"] | None = None
    # The unit's kind as the platform records it (lead_office, construction_department … or a kind the
    # pack declares in `unit_kinds`); checked against the pack when it is evaluated.
    unit_kind: str | None = None
    has_unaccepted_projects: bool | None = None
    failed_acceptance: bool | None = None
    data_collection_incomplete: bool | None = None
    data_sharing_violation: bool | None = None
    security_violation: bool | None = None


class EvaluationInput(BaseModel):
    model_config = ConfigDict(extra="allow")
    pack: str | None = None
    as_of: Day | None = None
    project: ProjectFacts = Field(default_factory=ProjectFacts)
    unit: UnitFacts = Field(default_factory=UnitFacts)


class FactsError(ValueError):
    """Bad input, with one Chinese message per field naming it.

    `errors` are the messages; `fields` pairs each with its field path ("project.category"), so a form
    can show the message beside its field.
    """

    def __init__(self, errors: list[str], fields: list[tuple[str, str]] | None = None):
        self.errors = errors
        self.fields = fields or [("", message) for message in errors]
        super().__init__("；".join(errors))


_ERROR_TEXT = {
    "float_parsing": "应为数字（单位：万元）",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "literal_error": "取值不在允许范围内",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "list_type": "应为列表",
    "model_type": "应为对象（JSON 对象）",
    "dict_type": "应为对象（JSON 对象）",
    "string_type": "应为文本",
    "greater_than_equal": "不能为负数",
    "greater_than": "应大于 0",
    "less_than_equal": "超出允许的最大值",
    "finite_number": "应为有限的数字",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def parse_input(data: Any) -> EvaluationInput:
    """Validate raw JSON into facts; raise FactsError with Chinese messages naming each field."""
    if not isinstance(data, dict):
        raise FactsError(["输入应为 JSON 对象，包含 pack、as_of、project、unit 字段"])
    try:
        parsed = EvaluationInput.model_validate(data)
    except ValidationError as exc:
        messages, fields = [], []
        for error in exc.errors():
            field = _field_name(error["loc"])
            text = _ERROR_TEXT.get(error["type"], "取值无效")
            if error["type"] == "value_error":
                text = str(error.get("ctx", {}).get("error", "")) or text
            if error["type"] == "literal_error":
                allowed = error.get("ctx", {}).get("expected", "")
                text = f"{text}，可选值：{allowed}"
            text = f"{text}（收到 {bounds.sanitise(repr(error.get('input')))[:80]}）"
            messages.append(f"字段 {field}：{text}")
            fields.append((field, text))
        raise FactsError(messages, fields) from None
    if parsed.pack:
        _check_pack_facts(parsed)
    return parsed


def _check_pack_facts(parsed: EvaluationInput) -> None:
    """When the input names its pack, the pack's own facts are checked here too (same messages)."""
    from govit.policy.declarations import check_declared_input
    from govit.policy.loader import PackError, load_pack

    try:
        pack = load_pack(parsed.pack or "")
    except PackError:
        return  # an unknown pack is reported by whoever evaluates
    given = {"project": parsed.project.model_dump(exclude_none=True), "unit": parsed.unit.model_dump(exclude_none=True)}
    problems = check_declared_input(pack.data, given)
    if problems:
        raise FactsError([f"字段 {field}：{text}" for field, text in problems], problems)


def given_facts(facts: EvaluationInput) -> dict[str, Any]:
    """The facts the caller actually gave, as plain JSON-ready data (absent ones left out)."""
    return {
        "project": facts.project.model_dump(mode="json", exclude_unset=True, exclude_none=True),
        "unit": facts.unit.model_dump(mode="json", exclude_unset=True, exclude_none=True),
    }
