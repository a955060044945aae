"""Policy API at /api/v1/policy: evaluate project facts, list and read the policy packs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from govit.policy import EvaluationInput, FactsError
from govit.regulations.evaluation import evaluate_all, evaluate_one
from govit.regulations.selectors import pack_detail, pack_or_none, pack_summaries

router = Router(tags=["政策包"])

_OPEN = ConfigDict(extra="allow")


class ErrorOut(Schema):
    detail: list[str] = Field(description="中文错误说明，每条指明出错的字段")


class NotFoundOut(Schema):
    detail: str


class CitationOut(Schema):
    model_config = _OPEN
    pack: str | None = None
    article: int
    item: int | None = None
    annex: int | None = None


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
    model_config = _OPEN
    value: Any
    citations: list[CitationOut]
    conflict: bool | None = None
    basis: list[str] | None = None


class PackInfoOut(Schema):
    model_config = _OPEN
    id: str
    title: str
    doc_number: str
    status: Literal["in_force", "expired", "not_yet_in_force"]
    valid_from: date
    valid_until: date | None
    digest: str
    days_left: int | None = None


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
    determinations: dict[str, DeterminationOut]
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
    valid_from: date
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
        raise HttpError(422, "参数 as_of 应为日期，格式 YYYY-MM-DD") from None


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
        return Status(400, {"detail": [f"请求体不是合法的 JSON：{exc}"]})
    try:
        result = evaluate_all(data) if all_packs else evaluate_one(data)
    except FactsError as exc:
        return Status(422, {"detail": exc.errors})
    # Returned as is (the schema documents it): the contract lets the engine add fields, and a
    # re-serialisation through the schema would drop or reshape them.
    return JsonResponse(result, safe=False, json_dumps_params={"ensure_ascii": False})


@router.get("/packs", response=list[PackSummaryOut], summary="政策包列表")
def packs(request: HttpRequest, as_of: str | None = None) -> list[dict[str, Any]]:
    return pack_summaries(as_of=_today_or(as_of))


@router.get(
    "/packs/{pack_id}",
    response={200: PackDetailOut, 404: NotFoundOut},
    summary="政策包详情（条款、参数、规则、判定、期限、阶段、材料清单、覆盖情况）",
)
def pack(request: HttpRequest, pack_id: str, as_of: str | None = None) -> Any:
    found = pack_or_none(pack_id)
    if found is None:
        return Status(404, {"detail": f"未找到政策包“{pack_id}”。"})
    return pack_detail(found, as_of=_today_or(as_of))
