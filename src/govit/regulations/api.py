"""Policy API at /api/v1/policy: evaluate project facts, list and read the policy packs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Router
from ninja.errors import ValidationError
from pydantic import ConfigDict, model_serializer

from govit.core import api_errors, paging
from govit.core.api_errors import ErrorOut
from govit.core.api_paging import api_page, choice_filter, page_schema, sort_description
from govit.core.schemas import Schema
from govit.policy import EvaluationInput, FactsError
from govit.projects.errors import NotFound
from govit.regulations.evaluation import evaluate_all, evaluate_one
from govit.regulations.selectors import pack_detail, pack_or_none, pack_summaries

router = Router(tags=["policy"])

_OPEN = ConfigDict(extra="allow")


class CitationOut(Schema):
    """An article: 第十二条（三） is article 12, item 3. Absent parts are left out of the JSON."""

    model_config = _OPEN
    pack: str | None = None
    article: int
    item: int | None = None
    annex: int | None = None

    @model_serializer(mode="wrap")
    def _without_empty_parts(self, handler):  # type: ignore[no-untyped-def]
        return {key: value for key, value in handler(self).items() if value is not None}


class FindingOut(Schema):
    model_config = _OPEN
    rule: str
    severity: Literal["block", "warn", "info", "missing", "conflict"]
    citation: CitationOut
    citations: list[CitationOut] | None = None
    message: str
    facts: dict[str, Any] = {}
    missing_facts: list[str] | None = None


class DeterminationOut(Schema):
    """A determination the contract does not name (a pack may add some, e.g. merged_documents)."""

    model_config = _OPEN
    value: Any
    citations: list[CitationOut]
    conflict: bool | None = None
    basis: list[str] | None = None


class BoolDeterminationOut(DeterminationOut):
    value: bool | None


class TextDeterminationOut(DeterminationOut):
    value: str | None


class ListDeterminationOut(DeterminationOut):
    value: list[str] | None


class NumberDeterminationOut(DeterminationOut):
    value: float | None


class DeadlineDueOut(Schema):
    """One deadline of the `deadlines` determination: a date (`due`) or a window (`from` … `until`)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    code: str = Field(description="procurement_start_due、acceptance_application_due、trial_run_earliest_end、"
                                  "self_evaluation_window、progress_report_due、performance_report_due …")
    label: str | None = None
    due: date | None = Field(default=None, description="期限（单一日期的期限）")
    window_from: date | None = Field(default=None, alias="from", description="期间起（期间类期限）")
    until: date | None = Field(default=None, description="期间止（期间类期限）")
    status: Literal["upcoming", "due", "overdue", "met", "not_yet_open", "open", "closed"] | None = None
    citation: CitationOut | None = None


class DeadlinesDeterminationOut(DeterminationOut):
    value: list[DeadlineDueOut] | None


class DeterminationsOut(Schema):
    """The contract's determinations, each `{value, citations}`; omitted where the pack says nothing."""

    model_config = _OPEN
    __pydantic_extra__: dict[str, DeterminationOut]  # type: ignore[assignment]
    in_scope: BoolDeterminationOut | None = Field(default=None, description="本办法是否适用")
    review_route: TextDeterminationOut | None = Field(
        default=None, description="not_applicable exempt filing approval joint_review department_opinions")
    review_bodies: ListDeterminationOut | None = Field(default=None, description="审查主体")
    approval_documents: ListDeterminationOut | None = Field(default=None, description="审批材料")
    documents_may_merge: BoolDeterminationOut | None = Field(default=None, description="可否合并编报")
    supervision: TextDeterminationOut | None = Field(
        default=None, description="required expected unified_service not_required")
    acceptance_documents: ListDeterminationOut | None = Field(default=None, description="验收材料")
    change_route: TextDeterminationOut | None = Field(
        default=None, description="self_adjust_and_file apply_then_file full_reapproval")
    change_ratio: NumberDeterminationOut | None = Field(default=None, description="调整比例")
    deadlines: DeadlinesDeterminationOut | None = Field(default=None, description="时限")
    om_funding: TextDeterminationOut | None = Field(default=None, description="allowed denied")
    contract_terms: TextDeterminationOut | None = Field(default=None, description="ok violates")
    unit_may_apply: BoolDeterminationOut | None = Field(default=None, description="本单位可否申报新项目")


class PackInfoOut(Schema):
    model_config = _OPEN
    id: str
    title: str
    doc_number: str
    status: Literal["in_force", "expired", "not_yet_in_force"]
    valid_from: date | None
    valid_until: date | None
    digest: str
    days_left: int | None = None
    doc_number_known: bool = True
    valid_from_known: bool = True
    text_complete: bool = Field(default=True, description="false：政策包依据的办法文本不完整")
    missing_articles: list[int] = []


class TraceEntryOut(Schema):
    model_config = _OPEN
    kind: str
    name: str
    result: Any = None
    facts: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    missing: list[str] = []


class EvaluationOut(Schema):
    """The policy contract's output (shared/design/policy-contract.md)."""

    model_config = _OPEN
    pack: PackInfoOut
    as_of: date
    verdict: Literal["eligible", "blocked", "incomplete"]
    findings: list[FindingOut]
    determinations: DeterminationsOut
    trace: list[TraceEntryOut]
    facts: dict[str, Any] = Field(default={}, description="评估时读取的、调用方给出的事实")


class PackSummaryOut(Schema):
    id: str
    title: str
    doc_number: str
    issuer: str
    jurisdiction: str
    status: Literal["in_force", "expired", "not_yet_in_force"]
    status_label: str = Field(description="有效 / 已失效 / 尚未施行")
    valid_from: date | None
    valid_until: date | None
    days_left: int | None = Field(description="有效期内距失效的天数；长期有效或已失效时为空")
    digest: str


class ArticleOut(Schema):
    number: int
    chapter: str = ""
    text: str


class ParameterOut(Schema):
    model_config = _OPEN
    value: Any
    unit: str | None = None
    term: str | None = None
    label: str | None = None
    citation: CitationOut | None = None
    citations: list[CitationOut] | None = None


class RuleOut(Schema):
    model_config = _OPEN
    id: str
    severity: str
    message: str
    citation: CitationOut | None = None
    citations: list[CitationOut] | None = None
    negative_list: bool | None = None
    when: dict[str, Any] | None = None
    exception: dict[str, Any] | None = None


class DeadlineOut(Schema):
    model_config = _OPEN
    code: str
    citation: CitationOut | None = None
    label: str | None = None


class StageOut(Schema):
    model_config = _OPEN
    stage: str
    label: str | None = None
    citation: CitationOut | None = None


class CoverageOut(Schema):
    article: int
    encoded_by: list[str] = Field(description="编码该条款的规则、参数、判定等，如 rule:negative-list/x")
    principle: str | None = Field(description="原则性条款无法计算的原因")


class PackDetailOut(PackSummaryOut):
    articles: list[ArticleOut]
    parameters: dict[str, ParameterOut]
    rules: list[RuleOut]
    determinations: dict[str, dict[str, Any]]
    deadlines: list[DeadlineOut]
    stages: list[StageOut]
    checklists: dict[str, dict[str, Any]]
    principles: dict[int, str]
    coverage: list[CoverageOut]


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its $defs inlined, so it can sit inside the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


_INPUT_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline_refs(EvaluationInput.model_json_schema())}},
    }
}


def _today_or(as_of: str | None) -> date:
    if not as_of:
        return timezone.localdate()
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        raise ValidationError([{"type": "date_parsing", "loc": ("query", "as_of"), "msg": ""}]) from None


@router.post(
    "/evaluate",
    response={200: EvaluationOut | list[EvaluationOut], 400: ErrorOut, 422: ErrorOut},
    summary="按政策包评估项目",
    description="请求体为项目事实（见政策契约）。all_packs=true 时在所有政策包下评估，返回列表（对比视图）。",
    openapi_extra=_INPUT_DOC,
)
def evaluate(request: HttpRequest, all_packs: bool = False) -> Any:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        return api_errors.error_response(400, "invalid_json", f"请求体不是合法的 JSON：{exc}")
    try:
        result = evaluate_all(data) if all_packs else evaluate_one(data)
    except FactsError as exc:
        return api_errors.error_response(
            422, "validation_error", "请求参数有误：" + "；".join(exc.errors) + "。",
            field=next((name for name, _ in exc.fields if name), None),
            errors=[{"field": name or "body", "code": "invalid", "detail": text} for name, text in exc.fields],
        )
    # Returned as is (the schema documents it): the contract lets the engine add fields, and a
    # re-serialisation through the schema would drop or reshape them.
    return JsonResponse(result, safe=False, json_dumps_params={"ensure_ascii": False})


PACK_SORT = paging.Sort({"id": ("编号", ["id"]), "valid_from": ("施行日期（最新在前）", ["-valid_from", "id"])}, "id")


@router.get("/packs", response={200: page_schema(PackSummaryOut, "PackSummaryPageOut"), 400: ErrorOut, 422: ErrorOut},
            summary="政策包列表（分页）",
            description=sort_description(PACK_SORT) + " status（in_force、expired、not_yet_in_force）筛选。")
def packs(request: HttpRequest, as_of: str | None = None, status: str | None = None, sort: str | None = None,
          limit: str | None = None, offset: str | None = None) -> Any:
    rows = pack_summaries(as_of=_today_or(as_of))
    if choice_filter(status, ["in_force", "expired", "not_yet_in_force"], "status"):
        rows = [row for row in rows if row["status"] == status]
    return api_page(request, rows, limit=limit, offset=offset, sort=PACK_SORT, sort_key=sort)


@router.get(
    "/packs/{pack_id}",
    response={200: PackDetailOut, 404: ErrorOut},
    summary="政策包详情（条款、参数、规则、判定、期限、阶段、材料清单、覆盖情况）",
)
def pack(request: HttpRequest, pack_id: str, as_of: str | None = None) -> Any:
    found = pack_or_none(pack_id)
    if found is None:
        raise NotFound(f"未找到政策包“{pack_id}”。")
    return pack_detail(found, as_of=_today_or(as_of))


@router.get(
    "/packs/{pack_id}/facts-schema",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="政策包下的项目事实 JSON Schema（事实模型加本政策包声明的事实和单位类型）",
)
def pack_facts_schema(request: HttpRequest, pack_id: str) -> Any:
    from govit.policy.declarations import facts_schema

    found = pack_or_none(pack_id)
    if found is None:
        raise NotFound(f"未找到政策包“{pack_id}”。")
    return facts_schema(found.data)
