"""Web pages of the annual plan: the plans, the reserve pool, compiling and submitting (lead office),
approval (leadership), the mid-year adjustment and emergency insertion. Writes go through
`govit.planning.services`; refusals show the service's message with the cited articles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Count, F, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from govit import policy
from govit.core.lists import Column, Filter, ListSpec, export_audit
from govit.core.models import Role
from govit.core.paging import Sort
from govit.core.selectors import role_assignments_of
from govit.planning import selectors, services
from govit.planning.forms import PlanAdjustForm, PlanCreateForm, PlanEmergencyForm, PlanItemForm, PlanReturnForm
from govit.planning.models import AnnualPlan, PlanStatus
from govit.projects import lifecycle, presenters
from govit.projects.errors import DomainError
from govit.projects.models import Project, ProjectState


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _is(request: HttpRequest, role: str, jurisdiction_id: int) -> bool:
    return role_assignments_of(request.user).filter(role=role, jurisdiction_id=jurisdiction_id).exists()


def _pack_id(plan: AnnualPlan) -> str:
    return (plan.jurisdiction.pack_ids or [""])[0]


PLAN_LIST = ListSpec(
    title="年度建设计划",
    columns=[Column("年度", lambda p: p.year), Column("行政区域", lambda p: p.jurisdiction.name),
             Column("状态", lambda p: p.get_status_display()), Column("项目数", lambda p: p.item_count),
             Column("计划金额（万元）", lambda p: p.total_wan or 0)],
    sort=Sort(options={
        "year": ("年度（新的在前）", ("-year", "jurisdiction__code", "pk")),
        "year_asc": ("年度（早的在前）", ("year", "jurisdiction__code", "pk")),
        "amount": ("计划金额最多", (F("total_wan").desc(nulls_last=True), "pk")),
    }, default="year"),
    search=("jurisdiction__name__icontains",), search_placeholder="行政区域",
    filters=[Filter("status", "状态", apply=lambda qs, v: qs.filter(status=v), choices=PlanStatus.choices),
             Filter("year", "年度", apply=lambda qs, v: qs.filter(year=int(v)) if v.isdigit() else qs.none())],
)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    jurisdictions = selectors.plan_jurisdictions(request.user)
    if not jurisdictions:
        raise Forbidden("只有领导小组办公室和领导可以查看年度计划。")
    lead = [j for j in jurisdictions if _is(request, Role.LEAD_OFFICE, j.pk)]
    form = PlanCreateForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    refusal, status = None, 200
    if request.method == "POST":
        if not lead:
            raise Forbidden("只有领导小组办公室可以编制年度计划。")
        if form.is_valid():
            try:
                plan = services.plan_create(jurisdiction=lead[0], year=form.cleaned_data["year"], actor=request.user,
                                            source_ip=_ip(request))
            except DomainError as exc:
                refusal, status = presenters.refusal_context(exc, (lead[0].pack_ids or [""])[0]), exc.status
            else:
                messages.success(request, f"已新建 {plan.year} 年度计划。")
                return redirect("planning:detail", plan.pk)
        else:
            status = 400
    lst = PLAN_LIST.run(request, selectors.plans_visible_to(request.user).annotate(
        item_count=Count("items", distinct=True), total_wan=Sum("items__amount_wan")),
        on_export=export_audit(request, "年度计划"))
    if lst.response is not None:
        return lst.response
    plans = [{"plan": p, "total": p.total_wan or 0, "count": p.item_count} for p in lst.rows]
    pools = [{"jurisdiction": j, "projects": selectors.reserve_pool(j),
              "uses_plan": lifecycle.stage_listed((j.pack_ids or [""])[0], ProjectState.PLANNED)} for j in lead]
    return render(request, "planning/plan_list.html", {
        "plans": plans, "lst": lst, "form": form if lead else None, "pools": pools, "refusal": refusal,
    }, status=status)


def _plan_for(request: HttpRequest, plan_id: int) -> AnnualPlan:
    plan = selectors.plans_visible_to(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("未找到该年度计划，或您无权查看。")
    return plan


def _detail(request: HttpRequest, plan: AnnualPlan, *, bound: dict[str, Any] | None = None,
            refusal: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    pack_id = _pack_id(plan)
    is_lead = _is(request, Role.LEAD_OFFICE, plan.jurisdiction_id)
    is_leadership = _is(request, Role.LEADERSHIP, plan.jurisdiction_id)
    pool = selectors.reserve_pool(plan.jurisdiction) if is_lead else []
    urgent = selectors.emergency_candidates(plan.jurisdiction) if is_lead else []
    limit = lifecycle.parameter(pack_id, "plan_adjustments_per_year")
    items = list(plan.items.select_related("project__unit"))
    return render(request, "planning/plan_detail.html", {
        "plan": plan, "items": items, "total": sum((i.amount_wan for i in items), 0),
        "is_lead": is_lead, "is_leadership": is_leadership, "refusal": refusal,
        "pack": policy.load_pack(pack_id),
        "add_form": bound.get("add") or PlanItemForm(projects=pool, prefix="add")
        if is_lead and plan.status == PlanStatus.DRAFT else None,
        "adjust_form": bound.get("adjust") or PlanAdjustForm(projects=pool, prefix="adjust")
        if is_lead and plan.status == PlanStatus.APPROVED else None,
        "emergency_form": bound.get("emergency") or PlanEmergencyForm(projects=urgent, prefix="emergency")
        if is_lead and plan.status == PlanStatus.APPROVED else None,
        "return_form": bound.get("return") or PlanReturnForm(prefix="return")
        if is_leadership and plan.status == PlanStatus.SUBMITTED else None,
        "adjust_limit": limit, "adjust_links": presenters.cite_links(
            lifecycle.parameter_citations(pack_id, "plan_adjustments_per_year"), pack_id),
        "plan_links": presenters.cite_links(lifecycle.stage_citations(pack_id, ProjectState.PLANNED), pack_id),
        "state_labels": dict(ProjectState.choices),
    }, status=status)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _detail(request, _plan_for(request, plan_id))


@login_required
@require_POST
def plan_action(request: HttpRequest, plan_id: int, action: str) -> HttpResponse:
    plan = _plan_for(request, plan_id)
    pack_id = _pack_id(plan)
    forms_by_action = {"add": PlanItemForm, "adjust": PlanAdjustForm, "emergency": PlanEmergencyForm,
                       "return": PlanReturnForm}
    if action not in (*forms_by_action, "submit", "approve", "return"):
        raise Http404("未知的操作。")
    form = None
    if action in forms_by_action:
        pool = selectors.emergency_candidates(plan.jurisdiction) if action == "emergency" \
            else selectors.reserve_pool(plan.jurisdiction)
        form = forms_by_action[action](request.POST, projects=pool, prefix=action)
        if not form.is_valid():
            return _detail(request, plan, bound={action: form}, status=400, refusal={
                "message": "填写有误，请按字段旁的提示修改后重新提交。", "links": [], "missing": []})
    try:
        if action == "submit":
            services.plan_submit(plan=plan, actor=request.user, source_ip=_ip(request))
            done = "年度计划已报请领导审定。"
        elif action == "approve":
            services.plan_approve(plan=plan, actor=request.user, source_ip=_ip(request))
            done = "年度计划已审定，计划内项目已列入年度建设计划。"
        elif action == "return":
            services.plan_return(plan=plan, actor=request.user, comment=form.cleaned_data["comment"],
                                 source_ip=_ip(request))
            done = "年度计划已退回领导小组办公室修改。"
        else:
            data = form.cleaned_data
            project = Project.objects.get(pk=data["project"], jurisdiction=plan.jurisdiction)
            common = {"plan": plan, "project": project, "actor": request.user, "amount_wan": data["amount_wan"],
                      "source_ip": _ip(request)}
            if action == "add":
                services.plan_item_add(**common)
                done = f"已将“{project.name}”列入计划。"
            elif action == "adjust":
                services.plan_adjust(**common, reason=data["reason"])
                done = f"已将“{project.name}”调入年度计划（年中调整）。"
            else:
                services.plan_emergency_insert(**common, reason=data["reason"],
                                               government_consent=data["government_consent"])
                done = f"已将“{project.name}”紧急插入年度计划。"
    except Project.DoesNotExist:
        raise Http404("未找到该项目。") from None
    except DomainError as exc:
        return _detail(request, plan, bound={action: form} if form else None,
                       refusal=presenters.refusal_context(exc, pack_id), status=exc.status)
    messages.success(request, done)
    return redirect("planning:detail", plan.pk)
