"""Web pages of the analysis: 重复建设与拆分分析 (findings with evidence, confirm or dismiss, scan),
the 存量系统台账 (list, one system, upload with progress) and the applicant's duplicate pre-check.

Views are thin: reads through selectors, writes through services; refusals show the service's
Chinese message.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from govit.analysis import selectors, services
from govit.analysis.forms import DecisionForm, SystemForm, UploadForm
from govit.analysis.inventory import COLUMNS, REQUIRED
from govit.analysis.jobs import IMPORT_MAX_BYTES, import_job_start
from govit.analysis.models import ExistingSystem, FindingCode, FindingStatus
from govit.core.models import Jurisdiction, Role, Unit
from govit.core.selectors import role_assignments_of
from govit.projects.errors import DomainError


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _jurisdiction(request: HttpRequest, *, lead: bool = False) -> Jurisdiction:
    choices = selectors.lead_jurisdictions(request.user) if lead else selectors.jurisdictions_of(request.user)
    if not choices:
        raise Forbidden("只有领导小组办公室（牵头部门）和领导可以查看重复建设与拆分分析。")
    chosen = request.POST.get("jurisdiction") or request.GET.get("jurisdiction")
    return next((j for j in choices if str(j.pk) == chosen), choices[0])


# --- findings --------------------------------------------------------------------------------


@login_required
def findings(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    base = selectors.findings_visible_to(request.user).filter(jurisdiction=jurisdiction)
    code, status = request.GET.get("code", ""), request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:50]
    show_inactive = request.GET.get("inactive") == "1"
    qs = selectors.filter_findings(base, code=code, status=status, query=query, show_inactive=show_inactive)
    page = Paginator(list(qs), 30).get_page(request.GET.get("page"))
    return render(request, "analysis/findings.html", {
        "jurisdiction": jurisdiction, "jurisdictions": selectors.jurisdictions_of(request.user),
        "rows": [selectors.finding_row(f, request.user) for f in page], "page": page,
        "counts": selectors.counts(base), "codes": FindingCode.choices, "statuses": FindingStatus.choices,
        "code": code, "status": status, "query": query, "show_inactive": show_inactive,
        "can_scan": selectors.is_lead_of(request.user, jurisdiction.pk), "form": DecisionForm(),
        "systems": ExistingSystem.objects.filter(jurisdiction=jurisdiction).count(),
    })


@login_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request, lead=True)
    try:
        run = services.analysis_scan(jurisdiction=jurisdiction, actor=request.user, source_ip=_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"比对完成：共 {len(run.findings)} 条结论（新增 {run.created}，"
                                  f"不再检出 {run.inactive}）。")
    return redirect(f"{_findings_url()}?jurisdiction={jurisdiction.pk}")


def _findings_url() -> str:
    from django.urls import reverse

    return reverse("analysis:findings")


@login_required
@require_POST
def decide(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.findings_visible_to(request.user).filter(pk=finding_id).first()
    if finding is None:
        raise Http404("未找到该分析结论。")
    form = DecisionForm(request.POST)
    back = request.POST.get("next") or f"{_findings_url()}?jurisdiction={finding.jurisdiction_id}"
    if not back.startswith("/") or back.startswith("//"):
        back = _findings_url()
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    service = services.finding_confirm if form.cleaned_data["decision"] == "confirm" else services.finding_dismiss
    try:
        service(finding=finding, actor=request.user, reason=form.cleaned_data["reason"], source_ip=_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        verb = "确认" if form.cleaned_data["decision"] == "confirm" else "排除"
        messages.success(request, f"已{verb}：{finding.project.name}（{FindingCode(finding.code).label}）。")
    return redirect(back)


# --- existing systems ------------------------------------------------------------------------


@login_required
def systems(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request, lead=True)
    qs = selectors.systems_visible_to(request.user).filter(jurisdiction=jurisdiction)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(unit__name__icontains=query) | Q(content__icontains=query))
    page = Paginator(list(qs.order_by("unit__name", "name")), 50).get_page(request.GET.get("page"))
    return render(request, "analysis/systems.html", {"jurisdiction": jurisdiction, "page": page, "query": query,
                                                     "jurisdictions": selectors.lead_jurisdictions(request.user)})


def _unit(jurisdiction: Jurisdiction, form: SystemForm) -> Unit | None:
    unit = Unit.objects.filter(jurisdiction=jurisdiction, name=form.cleaned_data["unit_name"].strip()).first()
    if unit is None:
        form.add_error("unit_name", f"{jurisdiction.name}没有名为“{form.cleaned_data['unit_name']}”的单位。")
    return unit


def _system_page(request: HttpRequest, form: SystemForm, jurisdiction: Jurisdiction, system: Any = None,
                 status: int = 200) -> HttpResponse:
    units = Unit.objects.filter(jurisdiction=jurisdiction).order_by("name").values_list("name", flat=True)
    return render(request, "analysis/system_form.html", {"form": form, "system": system, "units": list(units),
                                                         "jurisdiction": jurisdiction}, status=status)


@login_required
def system_new(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request, lead=True)
    form = SystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = _unit(jurisdiction, form)
        if unit is not None:
            try:
                system = services.system_create(jurisdiction=jurisdiction, unit=unit, actor=request.user,
                                                data=form.values(), source_ip=_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已登记存量系统“{system.name}”。")
                return redirect("analysis:systems")
    return _system_page(request, form, jurisdiction, status=400 if form.errors else 200)


@login_required
def system_edit(request: HttpRequest, system_id: int) -> HttpResponse:
    system = ExistingSystem.objects.filter(pk=system_id, jurisdiction__in=selectors.lead_jurisdictions(
        request.user)).select_related("unit", "jurisdiction").first()
    if system is None:
        raise Http404("未找到该存量系统。")
    form = SystemForm(request.POST or None, initial=SystemForm.initial_from(system))
    if request.method == "POST" and form.is_valid():
        unit = _unit(system.jurisdiction, form)
        if unit is not None:
            try:
                services.system_update(system=system, actor=request.user, data=form.values(), unit=unit,
                                       source_ip=_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已保存“{form.cleaned_data['name']}”。")
                return redirect("analysis:systems")
    return _system_page(request, form, system.jurisdiction, system, status=400 if form.errors else 200)


# --- upload ----------------------------------------------------------------------------------


@login_required
def inventory_upload(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request, lead=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error("file", f"文件不能超过 {IMPORT_MAX_BYTES // 1024 // 1024} MB。")
        else:
            try:
                job = import_job_start(data=upload.read(), file_name=upload.name, jurisdiction=jurisdiction,
                                       actor=request.user, dry_run=form.cleaned_data["dry_run"],
                                       source_ip=_ip(request))
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("analysis:import-job", import_id=job.pk)
    return render(request, "analysis/import.html", {
        "form": form, "columns": COLUMNS, "required": REQUIRED, "jurisdiction": jurisdiction,
        "jobs": selectors.import_jobs_visible_to(request.user)[:10],
        "jurisdictions": selectors.lead_jurisdictions(request.user),
    }, status=400 if form.errors else 200)


@login_required
def import_job(request: HttpRequest, import_id: int) -> HttpResponse:
    job = selectors.import_jobs_visible_to(request.user).filter(pk=import_id).first()
    if job is None:
        raise Http404("未找到该导入任务。")
    template = "analysis/_import_progress.html" if request.headers.get("HX-Request") else "analysis/import_job.html"
    return render(request, template, {"job": job, "errors": (job.result or {}).get("errors", [])})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    import openpyxl

    _jurisdiction(request, lead=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "存量系统台账"
    sheet.append([f"{c}*" if c in REQUIRED else c for c in COLUMNS])
    sheet.append(["（示例）社会救助综合管理系统", "存量系统", "区民政局", "低保、特困、临时救助网上申请和审批",
                  "低保申请审批、特困人员供养管理、临时救助", "姓名、身份证号码、家庭人均收入、低保金额", 2019, 260,
                  "", "", "", "", "", "", "", "", "", "是"])
    sheet.append(["（示例）困难群众帮扶平台", "项目", "区乡村振兴局", "困难群众帮扶申请和资金发放",
                  "帮扶申请审核、帮扶资金发放", "姓名、身份证号码、家庭收入", 2027, 85, "已申报", "新建", "否",
                  "较急", "", "否", "", "新建", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''inventory-import-template.xlsx"
    return response


# --- the applicant's duplicate pre-check -----------------------------------------------------


@login_required
@require_POST
def precheck_duplicates(request: HttpRequest) -> HttpResponse:
    """The project form's live panel: what the draft resembles (other units by name and unit only)."""
    from govit.analysis.checks import draft_check
    from govit.analysis.engine.lexicon import split_list
    from govit.projects.models import Project

    ra = role_assignments_of(request.user).filter(role=Role.APPLICANT, unit__isnull=False).select_related(
        "unit", "jurisdiction").first()
    if ra is None:
        raise Forbidden("只有项目建设单位可以预检。")
    project_id = request.GET.get("project")
    exclude = None
    if project_id and project_id.isdigit():
        exclude = Project.objects.filter(pk=int(project_id), unit=ra.unit).values_list("pk", flat=True).first()
    name = request.POST.get("name", "").strip()[:200]
    content = request.POST.get("content", "")[:20000]
    functions, data_items = split_list(request.POST.get("functions")), split_list(request.POST.get("data_items"))
    likely: list[dict[str, Any]] = []
    if name or content or functions:
        result = draft_check(jurisdiction=ra.jurisdiction, unit=ra.unit, name=name, content=content,
                             functions=functions, data_items=data_items, exclude_project=exclude)
        likely = selectors.likely_duplicates(result.similar, ra.unit_id)
    return render(request, "analysis/_likely_duplicates.html", {"likely": likely, "checked": bool(name or content)})
