"""Web pages that follow a project after approval: progress reports, adjustments (调整) and acceptance
extensions (延期验收申请). Thin like `views`: reads through selectors, writes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from govit import policy
from govit.core.models import Role
from govit.policy import labels
from govit.projects import forms as pf
from govit.projects import lifecycle, presenters, services
from govit.projects.errors import DomainError
from govit.projects.models import AcceptanceExtension, ChangeRequest, ChangeStatus, Project, ReportKind
from govit.projects.selectors import approved_estimate, change_preview, change_rules
from govit.projects.views import _get_project, _invalid, _ip, _percent, _refused, _roles_on


def _applicant_project(request: HttpRequest, pk: int) -> Project:
    project = _get_project(request, pk)
    if Role.APPLICANT not in _roles_on(request.user, project):
        raise Forbidden("只有本项目的建设单位可以办理此事项。")
    return project


@login_required
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    project = _applicant_project(request, pk)
    deadlines = {d["code"]: d for d in policy.load_pack(project.pack_id).data.get("deadlines", [])}
    kinds = [k for k, code in ((ReportKind.QUARTERLY, "progress_report_due"),
                               (ReportKind.YEARLY, "performance_report_due")) if code in deadlines]
    basis = [{"label": d.get("label", ""), "links": presenters.cite_links([d["citation"]], project.pack_id)}
             for code, d in deadlines.items() if code in ("progress_report_due", "performance_report_due")]
    form = pf.ReportForm(request.POST or None, kinds=kinds)
    refusal, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.progress_report_submit(project=project, actor=request.user, source_ip=_ip(request),
                                                **form.cleaned_data)
            except DomainError as exc:
                refusal, status = presenters.refusal_context(exc, project.pack_id), exc.status
            else:
                messages.success(request, "报告已报送。")
                return redirect(reverse("projects:detail", args=[project.pk]) + "#reports")
        else:
            status = 400
    return render(request, "projects/report_form.html", {
        "project": project, "form": form, "refusal": refusal, "basis": basis, "kinds": kinds,
    }, status=status)


def _preview_context(project: Project, form: pf.ChangeForm) -> dict[str, Any]:
    if not form.is_valid() and any(n != "description" for n in form.errors):
        return {"preview": None}
    change = {k: (float(v) if k.endswith("_wan") else v) for k, v in form.cleaned_data.items()
              if k != "description" and v not in (None, "")}
    if not change:
        return {"preview": None}
    try:
        found = change_preview(project, change)
    except policy.FactsError as exc:
        return {"preview": {"error": "；".join(exc.errors)}}
    route = found["route"] or "apply_then_file"
    return {"preview": {
        "ratio": found["ratio"], "route": route, "route_label": labels.CHANGE_ROUTE.get(route, route),
        "silent": found["route"] is None, "links": presenters.cite_links(found["citations"], project.pack_id),
        "ratio_text": _percent(found["ratio"]),
        "limit_text": _percent(lifecycle.parameter(project.pack_id, "change_limit_ratio")),
    }}


@login_required
def change_new(request: HttpRequest, pk: int) -> HttpResponse:
    project = _applicant_project(request, pk)
    form = pf.ChangeForm(request.POST or None)
    refusal, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.change_request_create(project=project, actor=request.user, change=form.change(),
                                                         description=form.cleaned_data["description"],
                                                         source_ip=_ip(request))
            except DomainError as exc:
                refusal, status = presenters.refusal_context(exc, project.pack_id), exc.status
            else:
                messages.success(request, {
                    ChangeStatus.FILED: "已依规自行调整并报备。",
                    ChangeStatus.REAPPROVAL: "该调整须按原审批程序重新报批，已通知领导小组办公室组织审查。",
                }.get(created.status, "调整申请已提交，等待领导小组办公室审核。"))
                return redirect(reverse("projects:detail", args=[project.pk]) + "#changes")
        else:
            status = 400
    context = {"project": project, "form": form, "refusal": refusal,
               "approved_total": approved_estimate(project), "rules": change_rules(project.pack_id),
               **(_preview_context(project, form) if form.is_bound else {"preview": None})}
    return render(request, "projects/change_form.html", context, status=status)


@login_required
@require_POST
def change_preview_partial(request: HttpRequest, pk: int) -> HttpResponse:
    project = _applicant_project(request, pk)
    form = pf.ChangeForm(request.POST)
    return render(request, "projects/_change_preview.html", {"project": project, **_preview_context(project, form)})


@login_required
@require_POST
def change_decide(request: HttpRequest, pk: int, change_id: int) -> HttpResponse:
    project = _get_project(request, pk)
    change = ChangeRequest.objects.filter(project=project, pk=change_id).first()
    if change is None:
        raise Http404("未找到该调整申请。")
    form = pf.ChangeDecisionForm(request.POST, prefix=f"change{change.pk}")
    if not form.is_valid():
        return _invalid(request, project)
    try:
        services.change_request_decide(change_request=change, actor=request.user,
                                       decision=form.cleaned_data["decision"],
                                       comment=form.cleaned_data["comment"] or "", source_ip=_ip(request))
    except DomainError as exc:
        return _refused(request, project, exc)
    messages.success(request, "调整申请已审核。")
    return redirect(reverse("projects:detail", args=[project.pk]) + "#changes")


class ExtensionForm(pf.AccessibleForm):
    reason = forms.CharField(label="不能按期申请验收的原因", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请说明不能按期申请验收的原因。"})
    requested_until = forms.DateField(label="申请延期至", widget=forms.DateInput(format="%Y-%m-%d",
                                                                            attrs={"type": "date"}),
                                      error_messages={"required": "请填写申请延期至的日期。",
                                                      "invalid": "请填写有效日期，格式：年-月-日。"})


@login_required
def extension_new(request: HttpRequest, pk: int) -> HttpResponse:
    """延期验收申请 (通州 第三十条): the applicant asks the lead office for a later acceptance date."""
    project = _applicant_project(request, pk)
    rule = policy.load_pack(project.pack_id).data.get("acceptance_extension") or {}
    if not rule:
        raise Http404("本办法未规定申请竣工验收的期限。")
    form = ExtensionForm(request.POST or None)
    refusal, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.acceptance_extension_request(project=project, actor=request.user,
                                                      reason=form.cleaned_data["reason"],
                                                      requested_until=form.cleaned_data["requested_until"],
                                                      source_ip=_ip(request))
            except DomainError as exc:
                refusal, status = presenters.refusal_context(exc, project.pack_id), exc.status
            else:
                messages.success(request, "延期验收申请已提交，等待领导小组办公室审核。")
                return redirect(reverse("projects:detail", args=[project.pk]) + "#extensions")
        else:
            status = 400
    return render(request, "projects/extension_form.html", {
        "project": project, "form": form, "refusal": refusal, "rule": rule,
        "links": presenters.cite_links(lifecycle.checklist_citations(project.pack_id, rule), project.pack_id),
    }, status=status)


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int, extension_id: int) -> HttpResponse:
    project = _get_project(request, pk)
    extension = AcceptanceExtension.objects.filter(project=project, pk=extension_id).first()
    if extension is None:
        raise Http404("未找到该延期验收申请。")
    form = pf.ChangeDecisionForm(request.POST, prefix=f"ext{extension.pk}")
    if not form.is_valid():
        return _invalid(request, project)
    try:
        services.acceptance_extension_decide(extension=extension, actor=request.user,
                                             decision=form.cleaned_data["decision"],
                                             comment=form.cleaned_data["comment"] or "", source_ip=_ip(request))
    except DomainError as exc:
        return _refused(request, project, exc)
    messages.success(request, "延期验收申请已审核。")
    return redirect(reverse("projects:detail", args=[project.pk]) + "#extensions")
