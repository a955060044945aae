"""What a pack declares beyond the facts model: its own facts, unit kinds, documents and labels.

A regulation may define units and projects the contract's facts model does not know (开发区,
区属国资公司, 一级预算单位; 楼宇智能化工程). A pack declares them in `facts:` and `unit_kinds:`;
forms, the pre-check, the API schema and the labels are built from the facts model plus these
declarations, so a new fact needs no code. Pure Python, no Django.
"""

from __future__ import annotations

import difflib
import types
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from govit.policy import labels
from govit.policy.facts import ProjectFacts, UnitFacts

FACT_TYPES = ("bool", "number", "integer", "string", "date", "enum", "list")

# Unit kinds the platform itself knows (core.models.UnitKind); kept here so the engine stays pure.
PLATFORM_UNIT_KINDS: dict[str, str] = {
    "lead_office": "领导小组办公室（牵头部门）", "data_bureau": "政务数据管理部门", "netsec": "网信部门",
    "secrecy_crypto": "保密机要（密码管理）部门", "police": "公安部门", "finance": "财政部门",
    "development_reform": "发展改革部门", "approval_bureau": "行政审批部门", "economy_it": "经济和信息化部门",
    "audit": "审计部门", "archives": "档案部门", "national_security": "国家安全部门",
    "government": "人民政府（办公室）", "construction_department": "项目建设单位",
    "township": "乡镇（街道、苏木）",
}

UNKNOWN_TEXT = "未知"


def nearest(name: str, choices: Any) -> str:
    """' (did you mean X?)' naming the nearest valid name, or '' when none is near."""
    options = sorted({str(c) for c in choices})
    text = str(name)
    # A name that is the start of a valid one (a word left out) first, then the closest spelling.
    found = sorted((c for c in options if len(text) >= 3 and c.startswith(text) and c != text), key=len)[:1]
    found = found or difflib.get_close_matches(text, options, n=1, cutoff=0.5)
    if not found:
        found = [c for c in options if len(text) >= 3 and (text in c or c in text)][:1]
    return f"（最接近的有效名称：{found[0]}）" if found else ""


# --- the contract's facts model, as (path → spec) ---------------------------------------------------


def _annotation_spec(annotation: Any) -> dict[str, Any]:
    """A pydantic field annotation as {type, values?, model?}."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _annotation_spec(args[0]) if len(args) == 1 else {"type": "any"}
    if origin is list:
        args = get_args(annotation)
        inner = _annotation_spec(args[0]) if args else {"type": "string"}
        return {"type": "list", "values": inner.get("values")}
    if origin is Literal:
        return {"type": "enum", "values": list(get_args(annotation))}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"type": "object", "model": annotation}
    simple = {bool: "bool", int: "integer", float: "number", date: "date", str: "string"}
    return {"type": simple.get(annotation, "any")}


def _model_paths(model: type[BaseModel], prefix: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, info in model.model_fields.items():
        spec = _annotation_spec(info.annotation)
        path = f"{prefix}.{name}"
        found[path] = spec
        if spec["type"] == "object":
            found.update(_model_paths(spec["model"], path))
    return found


_CONTRACT_PATHS: dict[str, dict[str, Any]] = {**_model_paths(ProjectFacts, "project"),
                                              **_model_paths(UnitFacts, "unit")}


def contract_fact_paths() -> dict[str, dict[str, Any]]:
    """Every fact path of the contract's facts model with its type and allowed values."""
    return dict(_CONTRACT_PATHS)


def declared_facts(pack_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pack's own facts, path → declaration (type, values, label, help, citation)."""
    return dict(pack_data.get("facts") or {})


def declared_values(spec: dict[str, Any]) -> list[Any] | None:
    values = spec.get("values")
    if values is None:
        return None
    return list(values)


def fact_paths(pack_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The contract's fact paths plus the pack's own, each with its allowed values."""
    paths = contract_fact_paths()
    for path, spec in declared_facts(pack_data).items():
        paths[path] = {"type": spec["type"], "values": declared_values(spec), "declared": True}
    if "unit.unit_kind" in paths:
        paths["unit.unit_kind"] = {"type": "enum", "values": list(unit_kinds(pack_data))}
    return paths


def unit_kinds(pack_data: dict[str, Any]) -> dict[str, str]:
    """Unit kinds a jurisdiction under this pack may have: the platform's, then the pack's own."""
    kinds = dict(PLATFORM_UNIT_KINDS)
    for code, spec in (pack_data.get("unit_kinds") or {}).items():
        kinds[code] = spec.get("label", code)
    return kinds


def declared_documents(pack_data: dict[str, Any]) -> dict[str, str]:
    return {code: spec.get("label", code) for code, spec in (pack_data.get("documents") or {}).items()}


# --- labels -------------------------------------------------------------------------------------------

_DEFAULT_BODY_LABELS = labels.REVIEW_BODIES


def pack_label(pack_data: dict[str, Any], kind: str, name: str, value: Any = None) -> str:
    """The Chinese label a pack gives a name, falling back to the platform's labels.

    `kind` is one of "fact" (name = fact path; with `value`, that value's label), "determination"
    (name = determination; with `value`, the value's label), "document" (name = document code),
    "body" (name = review body code), "unit_kind" (name = unit kind code).
    """
    if kind == "fact":
        path = name if name.startswith(("project.", "unit.", "derived.")) else f"project.{name}"
        spec = declared_facts(pack_data).get(path)
        if spec is not None:
            if value is None:
                return spec.get("label", path)
            if isinstance(value, bool):
                return labels.BOOLEAN[value]
            if isinstance(value, list):
                return "、".join(pack_label(pack_data, "fact", path, v) for v in value) or "无"
            values = spec.get("values")
            return str(values.get(value, value)) if isinstance(values, dict) else str(value)
        if path == "unit.unit_kind" and value is not None:
            return unit_kinds(pack_data).get(value, str(value))
        if value is None:
            return labels.fact_label(path)
        if isinstance(value, list):
            return "、".join(labels.enum_label(path.rsplit(".", 1)[-1], v) for v in value) or "无"
        return labels.enum_label(path.rsplit(".", 1)[-1], value)
    if kind == "determination":
        spec = (pack_data.get("determinations") or {}).get(name, {})
        if value is None:
            return spec.get("label") or labels.DETERMINATION.get(name, name)
        if isinstance(value, list):
            return "、".join(pack_label(pack_data, "determination", name, v) for v in value) or "无"
        own = spec.get("values")
        if isinstance(own, dict) and not isinstance(value, bool) and value in own:
            return str(own[value])
        if name in ("approval_documents", "acceptance_documents", "merged_documents"):
            return pack_label(pack_data, "document", str(value))
        if name == "review_bodies":
            return pack_label(pack_data, "body", str(value))
        return labels.determination_value_label(name, value)
    if kind == "document":
        return declared_documents(pack_data).get(name) or labels.DOCUMENTS.get(name, name)
    if kind == "body":
        own = (pack_data.get("bodies") or {}).get(name)
        return (own or {}).get("label") or _DEFAULT_BODY_LABELS.get(name, name)
    if kind == "unit_kind":
        return unit_kinds(pack_data).get(name, name)
    raise ValueError(f"unknown label kind {kind!r}")


def pack_fact_label(pack_id: str, kind: str, name: str, value: Any = None) -> str:
    """`pack_label` by pack id (loads the pack); the plain label when the pack cannot be loaded."""
    from govit.policy.loader import PackError, load_pack

    try:
        data = load_pack(pack_id).data
    except PackError:
        data = {}
    return pack_label(data, kind, name, value)


# --- checking the declared facts of an input ------------------------------------------------------


def _check_value(spec: dict[str, Any], value: Any) -> str | None:
    kind = spec["type"]
    values = declared_values(spec)
    if kind == "bool" and not isinstance(value, bool):
        return "应为 true 或 false"
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "应为数字" if kind == "number" else "应为整数"
        if kind == "integer" and int(value) != value:
            return "应为整数"
        if "minimum" in spec and value < spec["minimum"]:
            return f"不能小于 {spec['minimum']}"
        if "maximum" in spec and value > spec["maximum"]:
            return f"不能大于 {spec['maximum']}"
    if kind == "string" and not isinstance(value, str):
        return "应为文本"
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "应为日期，格式 YYYY-MM-DD"
    if kind == "enum" and value not in (values or []):
        return f"取值不在允许范围内，可选值：{', '.join(map(str, values or []))}"
    if kind == "list":
        if not isinstance(value, list):
            return "应为列表"
        bad = [v for v in value if values is not None and v not in values]
        if bad:
            return f"取值 {bad[0]!r} 不在允许范围内，可选值：{', '.join(map(str, values or []))}"
    return None


def check_declared_input(pack_data: dict[str, Any], facts: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(field, Chinese message) for each declared fact whose given value is wrong."""
    problems: list[tuple[str, str]] = []
    for path, spec in declared_facts(pack_data).items():
        root, _, name = path.partition(".")
        given = facts.get(root) or {}
        if name not in given or given[name] is None:
            continue
        text = _check_value(spec, given[name])
        if text:
            problems.append((path, f"{text}（收到 {given[name]!r}）"))
    return problems


_JSON_TYPES = {"bool": "boolean", "number": "number", "integer": "integer", "string": "string", "date": "string"}


def _json_schema(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec["type"]
    values = declared_values(spec)
    out: dict[str, Any] = {"title": spec.get("label", ""), "description": spec.get("help", "")}
    if kind == "enum":
        out["enum"] = values
    elif kind == "list":
        out.update({"type": "array", "items": {"enum": values} if values else {}})
    else:
        out["type"] = _JSON_TYPES.get(kind, "string")
        if kind == "date":
            out["format"] = "date"
    labels_of = spec.get("values")
    if isinstance(labels_of, dict):
        out["x-value-labels"] = labels_of
    citation = spec.get("citation") or (spec.get("citations") or [None])[0]
    if citation:
        out["x-citation"] = citation
    return out


def facts_schema(pack_data: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of the input under this pack: the contract's facts model plus the pack's own facts."""
    from govit.policy.facts import EvaluationInput

    schema = EvaluationInput.model_json_schema()
    defs = schema.setdefault("$defs", {})
    for path, spec in declared_facts(pack_data).items():
        root, _, name = path.partition(".")
        model = defs.get("ProjectFacts" if root == "project" else "UnitFacts")
        if model is not None:
            model.setdefault("properties", {})[name] = {**_json_schema(spec), "x-declared-by": pack_data.get("id")}
    unit = defs.get("UnitFacts")
    if unit is not None:
        kinds = unit_kinds(pack_data)
        unit["properties"]["unit_kind"] = {"enum": list(kinds), "x-value-labels": kinds, "title": "单位类型"}
    schema["title"] = f"{pack_data.get('id', '')} 项目事实"
    return schema
