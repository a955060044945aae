"""Supervision pages: the dashboard per jurisdiction (lead office, leadership) and its drill-down list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from govit.core.db_router import reads_from_replica
from govit.core.lists import Column, ListSpec, export_audit
from govit.core.paging import Sort
from govit.core.selectors import assignments_of
from govit.projects.models import ProjectState
from govit.supervision.models import OPEN_RECTIFICATION_STATUSES, ObligationStatus, SweepRun
from govit.supervision.selectors import (
    SUPERVISOR_ROLES,
    dashboard_for,
    latest_ratings,
    supervised_projects,
)


def _scope(request: HttpRequest):
    jurisdictions = list(dict.fromkeys(
        ra.jurisdiction for ra in assignments_of(request.user) if ra.role in SUPERVISOR_ROLES))
    if not jurisdictions:
        raise PermissionDenied("只有领导小组办公室和领导可以查看监督管理。")
    chosen = next((j for j in jurisdictions if str(j.pk) == request.GET.get("jurisdiction")), jurisdictions[0])
    return supervised_projects(request.user).filter(jurisdiction=chosen), jurisdictions, chosen


@login_required
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    _, jurisdictions, chosen = _scope(request)
    data = {**dashboard_for(request.user, chosen.pk)}
    data["list_url"] = reverse("supervision:projects") + f"?jurisdiction={chosen.pk}"
    return render(request, "supervision/dashboard.html", {
        "data": data, "jurisdictions": jurisdictions, "chosen": chosen,
        "last_sweep": SweepRun.objects.filter(finished_at__isnull=False).first(),
    })


FILTERS = {"stage": "阶段", "unit": "建设单位", "year": "资金年度", "overdue": "逾期义务", "rating": "健康评级"}


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects, jurisdictions, chosen = _scope(request)
    applied = []
    if stage := request.GET.get("stage"):
        projects = projects.filter(state=stage)
        applied.append(("阶段", ProjectState(stage).label if stage in ProjectState.values else stage))
    if (unit := request.GET.get("unit", "")).isdigit():
        projects = projects.filter(unit_id=int(unit))
        applied.append(("建设单位", projects.first().unit.name if projects.exists() else unit))
    if (year := request.GET.get("year", "")).isdigit():
        projects = projects.filter(year_amounts__year=int(year)).distinct()
        applied.append(("资金年度", year))
    if overdue := request.GET.get("overdue"):
        match = Q(obligations__status=ObligationStatus.OVERDUE)
        if overdue != "any":
            match &= Q(obligations__code=overdue)
        projects = projects.filter(match).distinct()
        from govit.policy.labels import DEADLINE

        applied.append(("逾期义务", "任一" if overdue == "any" else DEADLINE.get(overdue, overdue)))
    if (rating := request.GET.get("rating", "")).isdigit():
        projects = projects.filter(health_score=int(rating))
        applied.append(("健康评级", rating))
    rows = projects.annotate(
        overdue=Count("obligations", filter=Q(obligations__status=ObligationStatus.OVERDUE), distinct=True),
        open_orders=Count("rectification_orders",
                          filter=Q(rectification_orders__status__in=OPEN_RECTIFICATION_STATUSES), distinct=True),
    ).defer("facts", "content", "functions", "data_items", "status_steps", "status_deadlines").select_related("unit")
    lst = SUPERVISION_LIST.run(request, rows, on_export=export_audit(request, "监督管理项目清单"))
    if lst.response is not None:
        return lst.response
    ratings = latest_ratings(lst.rows)
    kept = ("jurisdiction", "stage", "unit", "year", "overdue", "rating")
    keep = [(k, v) for k, v in request.GET.items() if k in kept]
    return render(request, "supervision/project_list.html", {
        "rows": [(p, ratings.get(p.pk)) for p in lst.rows], "applied": applied, "chosen": chosen, "lst": lst,
        "keep": keep, "jurisdictions": jurisdictions, "page": lst.page, "links": lst.links,
    })


SUPERVISION_LIST = ListSpec(
    title="监督管理项目清单",
    columns=[Column("项目名称", lambda p: p.name), Column("建设单位", lambda p: p.unit.name),
             Column("阶段", lambda p: p.get_state_display()), Column("健康评级", lambda p: p.health_score),
             Column("逾期义务", lambda p: p.overdue), Column("未销号整改", lambda p: p.open_orders)],
    sort=Sort(options={
        "unit": ("按建设单位", ("unit__name", "name", "pk")),
        "name": ("按项目名称", ("name", "pk")),
        "overdue": ("逾期义务最多", ("-overdue", "unit__name", "pk")),
        "orders": ("未销号整改最多", ("-open_orders", "unit__name", "pk")),
        "rating": ("健康评级", (F("health_score").asc(nulls_last=True), "unit__name", "pk")),
    }, default="unit"),
    search=("name__icontains", "unit__name__icontains"), search_placeholder="项目名称或建设单位", per_page=50,
)
