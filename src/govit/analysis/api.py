"""Analysis API at /api/v1/analysis: check one application, scan, findings (confirm / dismiss),
existing systems and the 台账 import. Lead office and leadership read; the lead office writes.
Shapes follow cli-contract.md (the same JSON as `govit analysis check|scan`, `govit inventory import`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Field, File, Form, Router
from ninja.files import UploadedFile

from govit.analysis import selectors, services
from govit.analysis.models import ExistingSystem, Finding
from govit.core.models import Jurisdiction, Unit, User
from govit.core.schemas import Schema
from govit.projects.errors import DomainError, InvalidInput, PermissionDenied

router = Router(tags=["analysis"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _json(body: dict[str, Any], status: int) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            body = exc.as_dict() if hasattr(exc, "as_dict") else {"detail": exc.message}
            return _json({"code": type(exc).__name__, **body}, exc.status)
        except (Finding.DoesNotExist, ExistingSystem.DoesNotExist, Jurisdiction.DoesNotExist):
            return _json({"code": "not_found", "detail": "未找到，或您无权查看。"}, 404)

    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def _jurisdiction(request: HttpRequest, code: str, *, lead: bool = False) -> Jurisdiction:
    allowed = selectors.lead_jurisdictions(_user(request)) if lead else selectors.jurisdictions_of(_user(request))
    found = next((j for j in allowed if j.code == str(code).strip()), None)
    if found is None:
        if Jurisdiction.objects.filter(code=str(code).strip()).exists():
            raise PermissionDenied("只有本级领导小组办公室（牵头部门）和领导可以使用重复建设与拆分分析。")
        raise InvalidInput(f"字段 jurisdiction：没有行政区划代码为“{code}”的行政区域。")
    return found


class ErrorOut(Schema):
    code: str
    detail: str


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CheckIn(Schema):
    jurisdiction: str = Field(description="行政区划代码，例如 320612")
    project: dict[str, Any] = Field(description="name、unit_name、content、functions、data_items、"
                                                "total_investment_wan、plan_year、category")


@router.post("/check", response={200: dict[str, Any], **ERRORS}, summary="一个申报项目与已有系统、项目比对")
@errors
def check(request: HttpRequest, payload: CheckIn) -> Any:
    from govit.analysis.checks import analysis_check

    return analysis_check(jurisdiction=_jurisdiction(request, payload.jurisdiction), project=payload.project)


class ScanIn(Schema):
    jurisdiction: str


@router.post("/scan", response={200: dict[str, Any], **ERRORS}, summary="比对行政区域内全部项目并保存结论")
@errors
def scan(request: HttpRequest, payload: ScanIn) -> Any:
    jurisdiction = _jurisdiction(request, payload.jurisdiction, lead=True)
    run = services.analysis_scan(jurisdiction=jurisdiction, actor=_user(request), source_ip=_ip(request))
    return run.as_dict()


def finding_out(f: Finding) -> dict[str, Any]:
    return {"id": f.pk, "code": f.code, "severity": f.severity, "status": f.status, "active": f.active,
            "project": {"id": f.project_id, "name": f.project.name, "unit_name": f.project.unit.name},
            "related": f.related_names, "related_refs": f.related, "score": f.score, "evidence": f.evidence,
            "citation": f.citation, "citations": f.citations, "message": f.message, "fact": f.fact,
            "detected_at": f.detected_at.isoformat(), "last_seen_at": f.last_seen_at.isoformat(),
            "decided_at": f.decided_at.isoformat() if f.decided_at else None, "decision_reason": f.decision_reason}


@router.get("/findings", response={200: dict[str, Any], **ERRORS}, summary="分析结论列表")
@errors
def findings(request: HttpRequest, jurisdiction: str | None = None, code: str = "", status: str = "",
             limit: int = 50, offset: int = 0) -> Any:
    qs = selectors.findings_visible_to(_user(request))
    if jurisdiction:
        qs = qs.filter(jurisdiction=_jurisdiction(request, jurisdiction))
    qs = selectors.filter_findings(qs, code=code, status=status, show_inactive=True)
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    total = qs.count()
    items = [finding_out(f) for f in qs[offset:offset + limit]]
    nxt = f"{request.path}?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    return {"count": total, "next": nxt, "items": items}


class ReasonIn(Schema):
    reason: str = Field(description="确认或排除的理由（记入项目时间线和审计日志）")


def _finding(request: HttpRequest, finding_id: int) -> Finding:
    return selectors.findings_visible_to(_user(request)).get(pk=finding_id)


@router.post("/findings/{int:finding_id}/confirm", response={200: dict[str, Any], **ERRORS}, summary="确认结论")
@errors
def confirm(request: HttpRequest, finding_id: int, payload: ReasonIn) -> Any:
    finding = services.finding_confirm(finding=_finding(request, finding_id), actor=_user(request),
                                       reason=payload.reason, source_ip=_ip(request))
    return finding_out(finding)


@router.post("/findings/{int:finding_id}/dismiss", response={200: dict[str, Any], **ERRORS}, summary="排除结论")
@errors
def dismiss(request: HttpRequest, finding_id: int, payload: ReasonIn) -> Any:
    finding = services.finding_dismiss(finding=_finding(request, finding_id), actor=_user(request),
                                       reason=payload.reason, source_ip=_ip(request))
    return finding_out(finding)


class SystemIn(Schema):
    unit_name: str
    name: str
    content: str = ""
    functions: list[str] = []
    data_items: list[str] = []
    go_live_year: int | None = None
    investment_wan: float | None = None
    shares_data: bool = True


def system_out(s: ExistingSystem) -> dict[str, Any]:
    return {"id": s.pk, "jurisdiction": s.jurisdiction.code, "unit_name": s.unit.name, "name": s.name,
            "content": s.content, "functions": s.functions, "data_items": s.data_items,
            "go_live_year": s.go_live_year,
            "investment_wan": float(s.investment_wan) if s.investment_wan is not None else None,
            "shares_data": s.shares_data, "updated_at": s.updated_at.isoformat()}


@router.get("/systems", response={200: dict[str, Any], **ERRORS}, summary="存量系统台账")
@errors
def systems(request: HttpRequest, jurisdiction: str | None = None, limit: int = 50, offset: int = 0) -> Any:
    qs = selectors.systems_visible_to(_user(request)).order_by("jurisdiction__code", "unit__name", "name", "pk")
    if jurisdiction:
        qs = qs.filter(jurisdiction=_jurisdiction(request, jurisdiction))
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    total = qs.count()
    nxt = f"{request.path}?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    return {"count": total, "next": nxt, "items": [system_out(s) for s in qs[offset:offset + limit]]}


def _unit(jurisdiction: Jurisdiction, name: str) -> Unit:
    unit = Unit.objects.filter(jurisdiction=jurisdiction, name=name.strip()).first()
    if unit is None:
        raise InvalidInput(f"字段 unit_name：{jurisdiction.name}没有名为“{name}”的单位。")
    return unit


@router.post("/systems", response={201: dict[str, Any], **ERRORS}, summary="登记存量系统")
@errors
def system_create(request: HttpRequest, payload: SystemIn, jurisdiction: str) -> Any:
    place = _jurisdiction(request, jurisdiction, lead=True)
    system = services.system_create(jurisdiction=place, unit=_unit(place, payload.unit_name), actor=_user(request),
                                    data=payload.model_dump(exclude={"unit_name"}), source_ip=_ip(request))
    return 201, system_out(system)


@router.put("/systems/{int:system_id}", response={200: dict[str, Any], **ERRORS}, summary="修改存量系统")
@errors
def system_update(request: HttpRequest, system_id: int, payload: SystemIn) -> Any:
    system = ExistingSystem.objects.filter(jurisdiction__in=selectors.lead_jurisdictions(_user(request))).get(
        pk=system_id)
    system = services.system_update(system=system, actor=_user(request), unit=_unit(system.jurisdiction,
                                                                                    payload.unit_name),
                                    data=payload.model_dump(exclude={"unit_name"}), source_ip=_ip(request))
    return system_out(system)


@router.post("/inventory/import", response={200: dict[str, Any], **ERRORS}, summary="导入存量系统台账（.xlsx）")
@errors
def inventory_import(request: HttpRequest, jurisdiction: Form[str], file: File[UploadedFile],
                     dry_run: Form[bool] = False) -> Any:
    from govit.analysis.inventory import inventory_import as run
    from govit.analysis.inventory import read_xlsx
    from govit.analysis.jobs import IMPORT_MAX_BYTES
    from govit.core import uploads

    place = _jurisdiction(request, jurisdiction, lead=True)
    data = file.read(IMPORT_MAX_BYTES + 1)
    try:
        uploads.validate_upload(data=data, filename=file.name or "inventory.xlsx", allowed={"xlsx"},
                                max_bytes=IMPORT_MAX_BYTES)
    except uploads.UploadRejected as exc:
        raise InvalidInput(str(exc)) from exc
    _, rows = read_xlsx(data)
    outcome = run(jurisdiction=place, rows=rows, actor=_user(request), dry_run=dry_run,
                  source=f"存量台账 {file.name}", source_ip=_ip(request))
    if not outcome.ok:
        return _json({"code": "invalid_rows", "detail": f"未导入任何数据：{len(outcome.errors)} 处错误。",
                      **outcome.as_dict()}, 400)
    return outcome.as_dict()
