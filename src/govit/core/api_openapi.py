"""The OpenAPI document's share of the error contract: every operation lists the error statuses it can
answer (each in the ErrorOut shape, with the codes of that status) and every POST the Idempotency-Key
header. Applied to the whole document in govit.api, so operations added later inherit it."""

from __future__ import annotations

from typing import Any

from govit.core.api_errors import ERROR_CODES, ErrorOut

_WRITE_METHODS = {"post", "put", "patch", "delete"}

# Every router's tag (ASCII, the first part of its operationIds) and its Chinese description.
TAGS: dict[str, str] = {
    "core": "基础数据：当前用户、本辖区单位和用户",
    "policy": "政策包：按政策包评估项目事实，查阅政策包",
    "projects": "项目：申报、审查、审批、采购、建设、验收、运行、评价全生命周期",
    "opinion_tasks": "审查意见：成员单位和专家出具审查意见",
    "plans": "年度计划：年度建设计划的编制、报批和调整",
    "notifications": "通知：站内通知",
    "experts": "专家库：专家管理、随机抽取、评审和评审费",
    "supervision": "监督管理：督办、整改、约束措施和评级",
    "events": "事件流：按序号拉取生命周期事件",
    "webhooks": "事件推送：订阅、投递记录和重新投递（HMAC-SM3 签名）",
    "analysis": "重复建设与拆分分析：查重、拆分申报和重复采集数据",
}

_SINGULAR = {"projects": "project", "plans": "plan", "notifications": "notification", "experts": "expert",
             "webhooks": "webhook", "events": "event", "opinion_tasks": "task"}


def operation_id(tag: str, function_name: str) -> str:
    """`<tag>_<verb>`: the view function's name without a repeated tag prefix (`project_list` → `projects_list`)."""
    verb = function_name
    for prefix in (f"{tag}_", f"{_SINGULAR.get(tag, tag)}_"):
        if verb.startswith(prefix) and len(verb) > len(prefix):
            verb = verb[len(prefix):]
            break
    return f"{tag}_{verb}"


def _codes_for(status: int) -> str:
    codes = [f"`{code}`（{text}）" for code, (s, text) in ERROR_CODES.items() if s == status]
    return "；".join(codes)


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {500, 503}
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if "{" in path:
        statuses.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses |= {400, 422}
    if method in _WRITE_METHODS:
        statuses |= {400, 409, 413, 415}
    return statuses


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": ("幂等键（1 至 255 个可见 ASCII 字符，建议 UUID）。同一调用方用同一个键重试同一请求，"
                    "返回首次的结果（响应头 Idempotent-Replayed: true），不会重复创建；"
                    "键相同而请求不同返回 409 idempotency_key_reused。"),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def _document_idempotency_key(operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        parameters.append(dict(IDEMPOTENCY_PARAMETER))


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every operation the error responses it can return, each in the ErrorOut shape."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    generated = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in generated.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("ErrorOut", generated)
    used = {tag for operations in schema.get("paths", {}).values() for operation in operations.values()
            if isinstance(operation, dict) for tag in operation.get("tags", [])}
    schema["tags"] = [{"name": name, "description": text} for name, text in TAGS.items() if name in used]
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            if method == "post":
                _document_idempotency_key(operation)
            responses = {str(s): r for s, r in operation.get("responses", {}).items()}
            operation["responses"] = responses
            declared = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            for status in sorted(_error_statuses(path, method, operation) | declared):
                entry = responses.setdefault(str(status), {})
                entry["description"] = f"错误代码：{_codes_for(status)}" if _codes_for(status) else "错误"
                entry["content"] = {"application/json": {"schema": ref}}
    return schema
