"""Print views (申报表, project summary) and XLSX exports of project lists and the annual plan."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from govit.policy import labels
from govit.projects import lifecycle, presenters
from govit.projects.application_form import application_form
from govit.projects.exports import plan_filename, plan_xlsx, projects_xlsx, xlsx_response
from govit.projects.models import Project, ProjectState
from govit.projects.selectors import filter_projects, project_for, projects_visible_to, timeline

S = ProjectState


def _project(request: HttpRequest, pk: int) -> Project:
    try:
        return project_for(request.user, pk)
    except Project.DoesNotExist:
        raise Http404("未找到该项目，或您无权查看。") from None


@login_required
def application_form_print(request: HttpRequest, pk: int) -> HttpResponse:
    """申报表 (通州 附件1) as a printable page."""
    project = _project(request, pk)
    return render(request, "projects/print_application_form.html", {"project": project,
                                                                    "form": application_form(project)})


@login_required
def project_summary_print(request: HttpRequest, pk: int) -> HttpResponse:
    """项目概况 as a printable page: the project, its money by year, materials and its history."""
    project = _project(request, pk)
    facts = project.facts
    return render(request, "projects/print_summary.html", {
        "project": project, "form": application_form(project), "state_label": S(project.state).label,
        "pack": lifecycle.load_pack(project.pack_id), "years": project.year_amounts.order_by("year"),
        "materials": project.materials.order_by("doc_code", "-uploaded_at"),
        "events": [{"at": e.at, "label": presenters.EVENT_LABELS.get(e.kind, e.kind), "reason": e.reason}
                   for e in timeline(project)[:60]],
        "sources": "、".join(labels.FUNDING_SOURCES.get(s, s) for s in facts.get("funding_sources") or []),
        "printed": timezone.localdate(),
    })


@login_required
def project_list_xlsx(request: HttpRequest) -> HttpResponse:
    """The project list as XLSX, with the list page's filters (q, state, overdue) and ?year."""
    today = timezone.localdate()
    qs = filter_projects(projects_visible_to(request.user), query=request.GET.get("q", "").strip()[:50],
                         overdue=request.GET.get("overdue") == "1", today=today)
    state = request.GET.get("state", "")
    if state in S.values:
        qs = qs.filter(state=state)
    try:
        year = int(request.GET.get("year") or today.year + 1)
    except ValueError:
        year = today.year + 1
    projects = qs.select_related("unit").prefetch_related("year_amounts").order_by("unit__name", "pk")[:5000]
    title = f"政务信息化项目清单（{S(state).label}）" if state else "政务信息化项目清单"
    return xlsx_response(projects_xlsx(projects, title=title, year=year),
                         f"{title}-{today.isoformat()}.xlsx")


@login_required
def plan_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    from govit.planning import selectors

    plan = selectors.plans_visible_to(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("未找到该年度计划，或您无权查看。")
    return xlsx_response(plan_xlsx(plan), plan_filename(plan))
