"""One JSON error shape for everything under /api/v1, whatever the settings (DEBUG on or off).

    {"code": "transition_refused", "detail": "不能提交申报：……（第七条）。", "field": null,
     "citations": [{"pack": "tongzhou-2023", "article": 7}], "missing": ["proposal"], "errors": []}

- `code`: stable snake_case, one of ERROR_CODES (docs/api.md lists them); programs branch on it;
- `detail`: Chinese, says what went wrong and what to do next;
- `field`: the input at fault (``name``, ``facts.total_investment_wan``, ``file`` …) or null;
- `citations` / `missing`: the articles and the missing items when the policy pack is the reason;
- `errors`: for validation errors, every field at fault (`field` is the first of them).

Three layers produce it, so endpoints added later inherit it without doing anything:
1. `install(api)` registers django-ninja exception handlers (domain refusals, validation, auth,
   throttling, missing objects, database conflicts, anything else → 500 without a traceback);
2. `ApiErrorMiddleware` turns what Django itself answers under /api/v1 (unknown route 404, 405,
   413, a 500 page, a CSRF page …) into the same shape, and adds `code` to a JSON error lacking one;
3. `govit.core.api_openapi.document_errors(schema)` adds the error responses (and the
   Idempotency-Key header) to every operation of the OpenAPI document.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import ConfigDict

from govit.core.schemas import Schema

logger = logging.getLogger("govit.api")

API_PREFIX = "/api/v1/"


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


# --- the codes ---------------------------------------------------------------------------------

ERROR_CODES: dict[str, tuple[int, str]] = {
    # 400
    "bad_request": (400, "请求格式有误"),
    "invalid_json": (400, "请求体不是有效的 JSON"),
    "invalid_input": (400, "输入内容有误（`field` 指出哪一项）"),
    "invalid_citation": (400, "所注明的条款在该政策包中不存在"),
    "invalid_file": (400, "上传的文件类型、名称或内容不被接受"),
    "invalid_idempotency_key": (400, "Idempotency-Key 请求头格式有误"),
    "invalid_paging": (400, "列表的分页、排序或筛选参数有误（`field` 指出哪一项）"),
    # 401
    "unauthenticated": (401, "未登录，或令牌无效、已过期、已吊销"),
    # 403
    "forbidden": (403, "无权访问"),
    "permission_denied": (403, "当前角色（在该行政区域或单位）无权办理此事项"),
    "csrf_failed": (403, "网页登录会话的 CSRF 校验未通过（系统对接请改用 Bearer 令牌）"),
    "admin_separation": (403, "三员分立：系统、安全、审计管理员不能访问业务功能"),
    "otp_required": (403, "需要先完成动态口令（双因素）验证"),
    "password_expired": (403, "密码已过期，需先修改密码"),
    "password_change_required": (403, "初始密码或重置后的一次性密码须先由本人修改"),
    "token_read_only": (403, "只读（read）令牌不能用于写操作"),
    "not_the_deciding_body": (403, "办法规定该环节由其他机关（单位）决定（附依据条款）"),
    # 404
    "not_found": (404, "对象不存在，或不在您的可见范围内（两者不作区分）"),
    "endpoint_not_found": (404, "接口路径不存在"),
    # 405
    "method_not_allowed": (405, "该接口不支持此 HTTP 方法（见 Allow 响应头）"),
    # 409
    "transition_refused": (409, "政策包或项目状态不允许此操作（附依据条款和缺少事项）"),
    "wrong_state": (409, "项目当前状态不能办理此事项（可能已被他人办理，请刷新）"),
    "stage_not_in_pack": (409, "该政策包未设此环节"),
    "blocked_by_pack": (409, "政策包的阻断性规定未满足（附依据条款）"),
    "documents_missing": (409, "所需材料不全（`missing` 列出材料代码）"),
    "conflict": (409, "与现有数据冲突（例如重复记录）"),
    "concurrent_update": (409, "其他操作正在同时修改同一数据，本次未生效，可稍后重试"),
    "idempotency_key_reused": (409, "同一 Idempotency-Key 已用于内容不同的请求"),
    "idempotency_in_progress": (409, "同一 Idempotency-Key 的前一个请求仍在处理中，可稍后重试"),
    "out_of_scope": (409, "项目不属于该办法的适用范围（附依据条款，说明应适用的办法）"),
    "scope_undetermined": (409, "缺少判断适用范围所需的事实，暂不能申报"),
    "date_in_future": (409, "所填日期晚于今天：只能登记已经发生的事实"),
    "date_before_previous_step": (409, "所填日期早于其前一环节的日期"),
    "inside_trial_run": (409, "试运行期未满，不能申请或组织验收"),
    "period_not_begun": (409, "报告期间尚未开始，不能报送"),
    "period_before_approval": (409, "报告期间在项目批复之前结束，无需报送"),
    "already_reported": (409, "已报告建成，无需重复报告"),
    "already_requested": (409, "已提出同一申请，无需重复申请"),
    "not_completed": (409, "项目尚未报告建成"),
    "no_deadline": (409, "尚未确定相应期限"),
    "window_not_open": (409, "自评价期尚未开始"),
    "acceptance_extension_required": (409, "已超过申请竣工验收的期限，须先经批准延期验收"),
    "extension_not_applicable": (409, "该办法未规定申请竣工验收的期限，无需延期"),
    "extension_pending": (409, "已有一项延期验收申请正在审核"),
    "extension_decided": (409, "该延期验收申请已处理"),
    "change_pending": (409, "已有一项调整申请正在审核或重新报批"),
    "change_decided": (409, "该调整申请已处理"),
    "reapproval_required": (409, "该调整须按原审批程序重新报批"),
    "route_exempt": (409, "本项目免于审批，应办理“免于审批”"),
    "route_filing": (409, "本项目实行备案，应办理“备案”"),
    "route_not_exempt": (409, "本项目须按程序审批，不能免于审批"),
    "route_not_filing": (409, "本项目须按程序审批，不适用备案"),
    "route_not_reviewed": (409, "本项目的审查路径无须组织审查"),
    "opinions_pending": (409, "尚有审查意见未出具"),
    "opinion_disagrees": (409, "有审查主体出具了不同意意见"),
    "experts_must_be_drawn": (409, "专家意见须由随机抽取的专家组评审签名后出具，不能代为录入"),
    "task_closed": (409, "该审查意见任务已出具或已取消"),
    "funding_year_missing": (409, "项目未填写资金需求年度"),
    "outline_incomplete": (409, "建议书或可研缺少政策包提纲规定的必备章节"),
    "plan_year_mismatch": (409, "项目的资金需求年度与计划年度不符"),
    "supervision_service_not_requested": (409, "须先申请统一监理服务"),
    "supervision_service_not_applicable": (409, "本项目不适用统一监理服务"),
    # 413 / 415
    "payload_too_large": (413, "请求体超过大小上限"),
    "file_too_large": (413, "上传的文件超过大小上限"),
    "unsupported_media_type": (415, "不支持的请求内容类型"),
    # 422
    "validation_error": (422, "请求参数不符合接口定义（`errors` 逐项列出）"),
    # 429
    "rate_limited": (429, "请求过于频繁（见 Retry-After 响应头）"),
    # 5xx
    "internal_error": (500, "服务器内部错误（已记录，附错误编号）"),
    "service_unavailable": (503, "服务暂时不可用（数据库或依赖服务不可用）"),
}

DEFAULT_CODE_BY_STATUS = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited", 500: "internal_error", 503: "service_unavailable",
}

DEFAULT_DETAIL = {
    "bad_request": "请求格式有误，请检查请求方法、路径、请求头和请求体。",
    "unauthenticated": ("未登录，或令牌无效、已过期、已吊销。"
                        "请在 Authorization 请求头中提供有效的 Bearer 令牌（gvt_…）。"),
    "forbidden": "无权访问此接口。",
    "csrf_failed": "CSRF 校验未通过：网页会话调用接口须带 X-CSRFToken 请求头；系统对接请改用 Bearer 令牌。",
    "not_found": "未找到该对象，或您无权查看。",
    "conflict": "与现有数据冲突，本次操作未生效。请刷新后核对。",
    "concurrent_update": "其他操作正在同时修改同一数据，本次操作未生效，请稍后重试。",
    "payload_too_large": "请求体超过大小上限。",
    "unsupported_media_type": "不支持的请求内容类型，请使用 application/json 或 multipart/form-data。",
    "validation_error": "请求参数不符合接口定义。",
    "rate_limited": "请求过于频繁，请稍后重试。",
    "internal_error": "服务器内部错误，请稍后重试；如持续出现，请联系系统管理员。",
    "service_unavailable": "服务暂时不可用，请稍后重试。",
}


def status_of(code: str, fallback: int) -> int:
    entry = ERROR_CODES.get(code)
    return entry[0] if entry else fallback


# --- the shape -------------------------------------------------------------------------------


class ErrorCitation(Schema):
    pack: str | None = Field(default=None, description="政策包编号")
    article: int = Field(description="条")
    item: int | None = Field(default=None, description="项")
    annex: int | None = Field(default=None, description="附件")


class FieldError(Schema):
    field: str = Field(description="出错的参数，例如 name、facts.total_investment_wan、query.limit")
    code: str = Field(description="错误类型（pydantic 的错误类型，如 missing、int_parsing）")
    detail: str = Field(description="中文说明")


def _code_is_required(schema: dict[str, Any]) -> None:
    schema["required"] = ["code", *[name for name in schema.get("required", []) if name != "code"]]


class ErrorOut(Schema):
    """Every error under /api/v1.

    `code` defaults to "" only so a handler that still returns `Status(404, {"detail": …})` is not
    turned into a 500: ApiErrorMiddleware fills in the code from the status. On the wire it is always
    present, and the OpenAPI document says so.
    """

    model_config = ConfigDict(json_schema_extra=_code_is_required)

    code: str = Field(default="", description="稳定的错误代码（snake_case），见 docs/api.md")
    detail: str = Field(description="中文说明，指明原因和下一步")
    field: str | None = Field(default=None, description="出错的输入项（如有）")
    citations: list[ErrorCitation] = Field(default=[], description="所依据的条款（政策包是原因时）")
    missing: list[str] = Field(default=[], description="缺少的事项，例如材料代码（政策包是原因时）")
    errors: list[FieldError] = Field(default=[], description="参数校验错误逐项列出（422）")


def error_body(code: str, detail: str, *, field: str | None = None, citations: Iterable[dict[str, Any]] = (),
               missing: Iterable[str] = (), errors: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"code": code, "detail": detail, "field": field, "citations": list(citations),
            "missing": list(missing), "errors": list(errors)}


def error_response(status: int, code: str, detail: str | None = None, *, headers: dict[str, str] | None = None,
                   **fields: Any) -> HttpResponse:
    body = error_body(code, detail or DEFAULT_DETAIL.get(code) or ERROR_CODES.get(code, (0, "请求失败"))[1] + "。",
                      **fields)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def has_chinese(text: object) -> bool:
    return isinstance(text, str) and re.search(r"[\u4e00-\u9fff]", text) is not None


# --- validation errors in Chinese ------------------------------------------------------------

_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # ninja puts the body under the handler's parameter name (`payload`); a client never sees it.
        if source == "body" and len(parts) > 1:
            parts.pop(0)
        if source in ("query", "path", "header", "cookie") and parts:
            return ".".join(parts)
    return ".".join(parts) or "body"


def _choices(ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace(" or ", "、").replace(", ", "、")


_REASONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda c: "必填，不能缺少",
    "string_type": lambda c: "应为字符串",
    "int_type": lambda c: "应为整数",
    "int_parsing": lambda c: "应为整数",
    "int_from_float": lambda c: "应为整数（不能有小数）",
    "float_type": lambda c: "应为数字",
    "float_parsing": lambda c: "应为数字",
    "decimal_parsing": lambda c: "应为数字",
    "decimal_type": lambda c: "应为数字",
    "bool_type": lambda c: "应为 true 或 false",
    "bool_parsing": lambda c: "应为 true 或 false",
    "date_type": lambda c: "应为日期（YYYY-MM-DD）",
    "date_parsing": lambda c: "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": lambda c: "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": lambda c: "应为日期（YYYY-MM-DD），不能带时刻",
    "datetime_type": lambda c: "应为日期时间（ISO 8601）",
    "datetime_parsing": lambda c: "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": lambda c: "应为日期时间（ISO 8601）",
    "literal_error": lambda c: f"应为以下之一：{_choices(c)}",
    "enum": lambda c: f"应为以下之一：{_choices(c)}",
    "greater_than": lambda c: f"应大于 {c.get('gt')}",
    "greater_than_equal": lambda c: f"应不小于 {c.get('ge')}",
    "less_than": lambda c: f"应小于 {c.get('lt')}",
    "less_than_equal": lambda c: f"应不大于 {c.get('le')}",
    "string_too_short": lambda c: f"长度应不少于 {c.get('min_length')} 个字符",
    "string_too_long": lambda c: f"长度应不超过 {c.get('max_length')} 个字符",
    "too_short": lambda c: f"应至少有 {c.get('min_length')} 项",
    "too_long": lambda c: f"应不超过 {c.get('max_length')} 项",
    "string_pattern_mismatch": lambda c: "格式不符合要求",
    "dict_type": lambda c: "应为对象（JSON object）",
    "model_type": lambda c: "应为对象（JSON object）",
    "model_attributes_type": lambda c: "应为对象（JSON object）",
    "list_type": lambda c: "应为数组（JSON array）",
    "tuple_type": lambda c: "应为数组（JSON array）",
    "set_type": lambda c: "应为数组（JSON array）",
    "json_invalid": lambda c: "不是有效的 JSON",
    "json_type": lambda c: "不是有效的 JSON",
    "extra_forbidden": lambda c: "不是可识别的字段",
    "url_parsing": lambda c: "应为网址",
    "url_scheme": lambda c: "网址应以 http:// 或 https:// 开头",
    "uuid_parsing": lambda c: "应为 UUID",
    "finite_number": lambda c: "应为有限数字",
    "multiple_of": lambda c: f"应为 {c.get('multiple_of')} 的整数倍",
    "decimal_max_digits": lambda c: f"有效数字不超过 {c.get('max_digits')} 位",
    "decimal_max_places": lambda c: f"小数不超过 {c.get('decimal_places')} 位",
    "value_error": lambda c: _value_error(c),
    "assertion_error": lambda c: _value_error(c),
}


def _value_error(ctx: dict[str, Any]) -> str:
    message = str(ctx.get("error", ""))
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message if has_chinese(message) else "取值无效"


def field_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for err in errors:
        kind = str(err.get("type", "value_error"))
        ctx = err.get("ctx") or {}
        reason = _REASONS.get(kind)
        text = reason(ctx) if reason else (str(err.get("msg")) if has_chinese(err.get("msg")) else "取值无效")
        field = _field_name(err.get("loc") or ())
        if ctx.get("path"):  # a key inside a dict-valued field (govit.core.schemas)
            field = f"{field}.{ctx['path']}"
        result.append({"field": field, "code": kind, "detail": text})
    return result


def validation_response(errors: Iterable[dict[str, Any]]) -> HttpResponse:
    items = field_errors(errors)
    listed = "；".join(f"{e['field']}：{e['detail']}" for e in items[:10])
    more = f"等 {len(items)} 项" if len(items) > 10 else ""
    detail = f"请求参数有误：{listed}{more}。" if items else DEFAULT_DETAIL["validation_error"]
    return error_response(422, "validation_error", detail, field=items[0]["field"] if items else None, errors=items)


# --- exceptions → responses ------------------------------------------------------------------


def _is_db_conflict(exc: BaseException) -> bool:
    """Lock timeouts, deadlocks and serialization failures: someone else is writing the same rows."""
    cause = exc.__cause__ or exc.__context__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if sqlstate in {"40001", "40P01", "55P03"}:
        return True
    text = str(exc).lower()
    return any(s in text for s in ("database is locked", "database table is locked", "deadlock", "could not serialize"))


def _model_label(exc: django_exceptions.ObjectDoesNotExist) -> str:
    from django.apps import apps

    for model in apps.get_models():
        if type(exc) is model.DoesNotExist:
            return str(model._meta.verbose_name)
    return "对象"


def _ninja_http_error(exc: HttpError) -> HttpResponse:
    from govit.core.middleware import ADMIN_SEPARATION_MESSAGE

    status = exc.status_code
    message = str(exc)
    code = DEFAULT_CODE_BY_STATUS.get(status, "bad_request" if status < 500 else "internal_error")
    headers: dict[str, str] = {}
    if getattr(exc, "govit_code", None) in ERROR_CODES:
        code = exc.govit_code  # type: ignore[attr-defined]
    elif isinstance(exc, AuthenticationError):
        code, message = "unauthenticated", DEFAULT_DETAIL["unauthenticated"]
    elif isinstance(exc, Throttled):
        wait = exc.wait
        message = f"请求过于频繁，请在 {int(wait) + 1} 秒后重试。" if wait else DEFAULT_DETAIL["rate_limited"]
    elif message == ADMIN_SEPARATION_MESSAGE:
        code = "admin_separation"
    elif message.startswith("CSRF"):
        code, message = "csrf_failed", DEFAULT_DETAIL["csrf_failed"]
    elif message.startswith("Cannot parse request body"):
        code = "invalid_json"
        where = re.search(r"line (\d+) column (\d+)", message)
        message = "请求体不是有效的 JSON" + (f"（第 {where[1]} 行第 {where[2]} 列附近）" if where else "") + "。"
    if not has_chinese(message):
        message = DEFAULT_DETAIL.get(code) or ERROR_CODES.get(code, (0, "请求失败"))[1] + "。"
    return error_response(status, code, message, headers=headers)


def exception_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The JSON error for any exception raised while answering an /api/v1 request."""
    from django_fsm import ConcurrentTransition, TransitionNotAllowed

    from govit.core.paging import PagingError
    from govit.projects.errors import DomainError

    if isinstance(exc, DomainError):
        body = exc.as_dict()
        return error_response(status_of(exc.code, exc.status), exc.code, exc.message, field=body.get("field"),
                              citations=body.get("citations") or [], missing=body.get("missing") or [])
    if isinstance(exc, PagingError):
        return error_response(400, exc.code, exc.message, field=exc.field)
    if isinstance(exc, ValidationError):
        return validation_response(exc.errors)
    if isinstance(exc, HttpError):
        return _ninja_http_error(exc)
    if isinstance(exc, django_exceptions.ObjectDoesNotExist):
        return error_response(404, "not_found", f"未找到该{_model_label(exc)}，或您无权查看。")
    if isinstance(exc, Http404):
        return error_response(404, "not_found")
    if isinstance(exc, TransitionNotAllowed):
        return error_response(409, "wrong_state", "项目状态已经变化，不能办理此事项。请刷新后查看当前状态。")
    if isinstance(exc, ConcurrentTransition):
        return error_response(409, "concurrent_update")
    if isinstance(exc, (django_exceptions.RequestDataTooBig, django_exceptions.TooManyFieldsSent,
                        django_exceptions.TooManyFilesSent)):
        return too_large_response()
    if isinstance(exc, django_exceptions.PermissionDenied):
        message = str(exc)
        return error_response(403, "forbidden", message if has_chinese(message) else None)
    if isinstance(exc, django_exceptions.ValidationError):
        messages = [str(m) for m in exc.messages]
        field = next(iter(exc.message_dict), None) if hasattr(exc, "error_dict") else None
        return error_response(400, "invalid_input", "输入内容有误：" + "；".join(messages) + "。", field=field)
    if isinstance(exc, django_exceptions.SuspiciousOperation):
        return error_response(400, "bad_request")
    if isinstance(exc, OverflowError):
        # A number beyond what the database stores (e.g. an id of 2**64) reached a query.
        return error_response(422, "validation_error", "请求参数有误：数值超出允许范围。")
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity conflict on %s %s: %s", request.method, request.path, exc)
        return error_response(409, "conflict")
    if isinstance(exc, OperationalError):
        if _is_db_conflict(exc):
            logger.warning("Concurrent write on %s %s: %s", request.method, request.path, exc)
            return error_response(409, "concurrent_update")
        logger.exception("Database unavailable on %s %s", request.method, request.path)
        return error_response(503, "service_unavailable", "数据库暂时不可用，请稍后重试。")
    return internal_error_response(request, exc)


def internal_error_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    error_id = uuid.uuid4().hex[:12]
    if exc is not None:
        logger.error("Unhandled error %s on %s %s", error_id, request.method, request.path, exc_info=exc)
    return error_response(500, "internal_error",
                          f"服务器内部错误（错误编号 {error_id}），已记录。"
                          "请稍后重试；如持续出现，请把错误编号告知系统管理员。")


def too_large_response() -> HttpResponse:
    from govit.core.uploads import max_upload_bytes

    limit_mb = max_upload_bytes() / (1024 * 1024)
    return error_response(413, "payload_too_large",
                          f"请求体超过大小上限（上传文件不超过 {limit_mb:g} MB，其他请求体不超过 "
                          f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):g} MB，"
                          f"字段不超过 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个）。")


def install(api: Any) -> None:
    """Register the handlers on a NinjaAPI: every exception class goes through `exception_response`."""
    for exc_class in (Exception, Http404, HttpError, ValidationError):
        api.add_exception_handler(exc_class, exception_response)


# --- what Django answers itself under /api/v1 ------------------------------------------------

_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed")


def body_limit() -> int:
    """The largest request body /api/v1 reads: one upload at its limit plus the form around it."""
    from govit.core.uploads import max_upload_bytes

    return max_upload_bytes() + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def normalise(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An /api/v1 error response in the one shape: HTML and English become Chinese JSON with a code."""
    status = response.status_code
    if status < 400 or getattr(response, "streaming", False):
        return response
    content_type = response.get("Content-Type", "")
    body: Any = None
    if content_type.startswith("application/json"):
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"] and has_chinese(
            body.get("detail")):
        return response
    code = DEFAULT_CODE_BY_STATUS.get(status, "bad_request" if status < 500 else "internal_error")
    detail: str | None = None
    extra: dict[str, Any] = {}
    if isinstance(body, dict):
        if isinstance(body.get("code"), str) and re.fullmatch(r"[a-z][a-z0-9_]*", body["code"]):
            code = body["code"]
        if has_chinese(body.get("detail")):
            detail = body["detail"]
        for name in ("field", "citations", "missing"):
            if body.get(name):
                extra[name] = body[name]
    elif status == 404:
        code = "endpoint_not_found"
        detail = f"接口不存在：{request.method} {request.path}。接口清单见 /api/v1/docs。"
    elif status == 405:
        allowed = response.get("Allow", "")
        detail = f"接口 {request.path} 不支持 {request.method} 方法" + (f"，可用：{allowed}" if allowed else "") + "。"
    elif status == 403 and b"CSRF" in (response.content or b""):
        code = "csrf_failed"
    elif status == 413:
        return too_large_response()
    if status >= 500 and code == "internal_error" and detail is None:
        replacement = internal_error_response(request)
    else:
        replacement = error_response(status, code, detail, **extra)
    for name in _KEPT_HEADERS:
        if name in response:
            replacement[name] = response[name]
    return replacement


class ApiErrorMiddleware:
    """Under /api/v1: refuse bodies over `body_limit()` unread (413), and normalise every error response.

    Sits near the top of settings.MIDDLEWARE so it sees what every inner layer answers (Django's 404
    and 500 pages, ninja's 405, the security middleware's refusals).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request.path):
            return self.get_response(request)
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > body_limit():
            return too_large_response()
        return normalise(request, self.get_response(request))

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if is_api(request.path):
            return exception_response(request, exc)
        return None
