"""Web pages of the project lifecycle: the applicant's projects, the project page with every action
its viewer may take, the lead office inbox and the portfolio overview.

Views are thin: reads through selectors and presenters, writes through `govit.projects.services`.
A refusal (`DomainError`) re-renders the page with the service's Chinese message, the cited
articles as links and what is missing; a success redirects (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from govit import policy
from govit.analysis.selectors import project_panel
from govit.core import lists, paging
from govit.core.db_router import reads_from_replica
from govit.core.models import Role, User
from govit.core.selectors import role_assignments_of, user_roles
from govit.policy import labels, vocabulary
from govit.projects import authority, lifecycle, presenters, services
from govit.projects import forms as pf
from govit.projects.documents import application_form_response, material_response
from govit.projects.errors import DomainError
from govit.projects.lists import INBOX_LIST, PROJECT_COLUMNS
from govit.projects.models import (
    ChangeStatus,
    Evaluation,
    EvaluationKind,
    Material,
    OperationRecord,
    ProgressReport,
    Project,
    ProjectState,
)
from govit.projects.profile import project_update_profile
from govit.projects.selectors import (
    PROJECT_SORT,
    assignment_for,
    determination,
    filter_projects,
    lead_office_inbox_rows,
    portfolio_cells,
    project_evaluation,
    project_for,
    project_next_steps,
    projects_visible_to,
    stage_counts,
    timeline,
    unit_facts,
)
from govit.projects.status import status_view
from govit.regulations.evaluation import readable
from govit.web.confirm import Confirmation, confirm_first

S = ProjectState
# Columns a web list row never reads (its status is stored).
WEB_LIST_DEFERRED = ("facts", "content", "functions", "data_items")
# Review routes that go through opinion tasks (the rest are exempt or filing).
ROUTED = ("approval", "joint_review", "department_opinions")


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _get_project(request: HttpRequest, pk: int) -> Project:
    try:
        return project_for(request.user, pk)
    except Project.DoesNotExist:
        raise Http404("未找到该项目，或您无权查看。") from None


def _roles_on(user: Any, project: Project) -> set[str]:
    roles = set()
    if assignment_for(user, Role.APPLICANT, jurisdiction_id=project.jurisdiction_id, unit_id=project.unit_id):
        roles.add(Role.APPLICANT)
    if assignment_for(user, Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id):
        roles.add(Role.LEAD_OFFICE)
    return roles


def _held_roles(user: Any) -> set[str]:
    return user_roles(user)


def _require_any_role(request: HttpRequest, *roles: str) -> None:
    if not _held_roles(request.user) & set(roles):
        raise Forbidden("您的角色不能使用此页面。")


# --- actions on the project page -------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    slug: str
    label: str
    done: str
    call: Callable[[Project, User, forms.Form | None, str | None], Any]
    form: type[forms.Form] | None = None
    cited: bool = False
    primary: bool = True
    hint: str = ""
    confirm: Confirmation | None = None  # destructive: asked first (govit.web.confirm)


def _d(form: forms.Form | None, name: str) -> Any:
    return form.cleaned_data.get(name) if form is not None else None


def _cite(form: forms.Form | None) -> dict[str, Any] | None:
    return form.citation() if isinstance(form, pf.CitedForm) else None


def _review_route(p: Project, u: User, f: forms.Form | None, ip: str | None) -> Any:
    from govit.reviews.services import review_route

    return review_route(project=p, actor=u, due_days=_d(f, "due_days"), source_ip=ip)


ACTIONS: dict[str, Action] = {a.slug: a for a in [
    Action("submit", "提交申报", "已提交申报，等待领导小组办公室受理。",
           lambda p, u, f, ip: services.project_submit(project=p, actor=u, source_ip=ip)),
    Action("withdraw", "撤回申报", "申报已撤回，项目回到草稿。",
           lambda p, u, f, ip: services.project_withdraw(project=p, actor=u, reason=_d(f, "reason") or "",
                                                         source_ip=ip), pf.NoteForm, primary=False,
           hint="领导小组办公室受理前可以撤回，撤回后可修改再申报。",
           confirm=Confirmation("撤回本项目的申报？", "项目回到草稿，领导小组办公室不再办理；修改后可以重新提交申报。",
                                "撤回申报")),
    Action("delete", "删除草稿", "草稿已删除。",
           lambda p, u, f, ip: services.project_delete(project=p, actor=u, source_ip=ip), primary=False,
           confirm=Confirmation("删除这份项目草稿？", "草稿及其材料不再显示在项目列表中，此操作不能在页面上撤销。",
                                "删除草稿")),
    Action("supervision-request", "申请统一监理服务", "已向领导小组办公室申请统一监理服务。",
           lambda p, u, f, ip: services.supervision_service_request(project=p, actor=u,
                                                                    note=_d(f, "reason") or "", source_ip=ip),
           pf.NoteForm, hint="项目投资额100万元及以下的，由建设单位向领导小组办公室申请统一监理服务。"),
    Action("preliminary-review-start", "受理并开始初审", "已受理，项目进入初审。",
           lambda p, u, f, ip: services.preliminary_review_start(project=p, actor=u, source_ip=ip)),
    Action("preliminary-review-decide", "提交初审结论", "初审结论已记录。",
           lambda p, u, f, ip: services.preliminary_review_decide(
               project=p, actor=u, decision=_d(f, "decision"), reason=_d(f, "reason") or "", citation=_cite(f),
               source_ip=ip),
           pf.ReviewDecisionForm, cited=True),
    Action("review-route", "组织审查（派发审查意见任务）", "已按政策包派发审查意见任务。", _review_route, pf.RouteForm,
           hint="按本办法确定的审查主体逐一派发意见任务。"),
    Action("approval-decide", "提交审批决定", "审批决定已记录。",
           lambda p, u, f, ip: services.approval_decide(
               project=p, actor=u, decision=_d(f, "decision"), reason=_d(f, "reason") or "",
               document_no=_d(f, "document_no") or "", citation=_cite(f), approved_on=_d(f, "approved_on"),
               source_ip=ip),
           pf.ApprovalDecisionForm, cited=True,
           hint="批复前须所有审查意见已出具、报批材料齐全。"),
    Action("approval-exempt", "办理免于审批", "项目已免于审批，可以实施。",
           lambda p, u, f, ip: services.approval_exempt(project=p, actor=u, reason=_d(f, "reason") or "",
                                                        source_ip=ip), pf.NoteForm),
    Action("filing", "办理备案", "项目已备案。",
           lambda p, u, f, ip: services.filing_record(project=p, actor=u, reason=_d(f, "reason") or "",
                                                      source_ip=ip), pf.NoteForm),
    Action("procurement-start", "启动招标采购", "已记录启动采购。",
           lambda p, u, f, ip: services.procurement_start(project=p, actor=u, started_on=_d(f, "on"),
                                                          source_ip=ip), pf.DateForm),
    Action("construction-start", "签订合同、开工建设", "项目已进入建设阶段。",
           lambda p, u, f, ip: services.construction_start(project=p, actor=u, started_on=_d(f, "on"),
                                                           source_ip=ip), pf.DateForm,
           hint="须实行工程监理的项目，开工前须上传监理合同。"),
    Action("completion", "报告建成", "已报告建成。",
           lambda p, u, f, ip: services.completion_report(project=p, actor=u, completed_on=_d(f, "completed_on"),
                                                          trial_started_on=_d(f, "trial_started_on"), source_ip=ip),
           pf.CompletionForm),
    Action("pre-acceptance-request", "申请预验收", "已申请预验收，等待领导小组办公室审核。",
           lambda p, u, f, ip: services.pre_acceptance_request(project=p, actor=u, source_ip=ip)),
    Action("pre-acceptance-decide", "提交预验收结论", "预验收结论已记录。",
           lambda p, u, f, ip: services.pre_acceptance_decide(project=p, actor=u, decision=_d(f, "decision"),
                                                              reason=_d(f, "reason") or "", source_ip=ip),
           pf.PassFailForm),
    Action("acceptance-request", "申请竣工验收", "已申请竣工验收，等待组织验收。",
           lambda p, u, f, ip: services.acceptance_request(project=p, actor=u, requested_on=_d(f, "on"),
                                                           source_ip=ip), pf.DateForm),
    Action("acceptance-decide", "提交验收结论", "验收结论已记录。",
           lambda p, u, f, ip: services.acceptance_decide(project=p, actor=u, decision=_d(f, "decision"),
                                                          reason=_d(f, "reason") or "", accepted_on=_d(f, "on"),
                                                          source_ip=ip),
           pf.PassFailForm),
    Action("go-live", "记录投入运行", "已记录投入运行。",
           lambda p, u, f, ip: services.go_live_record(project=p, actor=u, go_live_on=_d(f, "on"), source_ip=ip),
           pf.DateForm),
    Action("operation", "保存运维记录", "运维记录已保存。",
           lambda p, u, f, ip: services.operation_record_create(
               project=p, actor=u, period=_d(f, "period"), content=_d(f, "content"), cost_wan=_d(f, "cost_wan"),
               incidents=_d(f, "incidents") or "", source_ip=ip),
           pf.OperationForm, primary=False),
    Action("self-evaluation", "提交自评价", "自评价已提交。",
           lambda p, u, f, ip: services.self_evaluation_submit(
               project=p, actor=u, summary=_d(f, "summary"), goals_met=_d(f, "goals_met"), score=_d(f, "score"),
               late_reason=_d(f, "late_reason") or "", source_ip=ip),
           pf.EvaluationForm),
    Action("post-evaluation", "录入后评价", "后评价已录入。",
           lambda p, u, f, ip: services.post_evaluation_record(
               project=p, actor=u, summary=_d(f, "summary"), goals_met=_d(f, "goals_met"), score=_d(f, "score"),
               source_ip=ip),
           pf.EvaluationForm),
    Action("suspend", "暂停项目", "项目已暂停。",
           lambda p, u, f, ip: services.project_suspend(project=p, actor=u, reason=_d(f, "reason"),
                                                        citation=_cite(f), source_ip=ip),
           pf.ReasonCitationForm, cited=True, primary=False,
           confirm=Confirmation("暂停本项目？", "暂停期间项目的各项办理停止；可随时“恢复项目”，"
                                "回到暂停前的环节继续办理。", "暂停项目")),
    Action("resume", "恢复项目", "项目已恢复。",
           lambda p, u, f, ip: services.project_resume(project=p, actor=u, reason=_d(f, "reason") or "",
                                                       source_ip=ip), pf.NoteForm),
    Action("terminate", "终止项目", "项目已终止。",
           lambda p, u, f, ip: services.project_terminate(project=p, actor=u, reason=_d(f, "reason"),
                                                          citation=_cite(f), source_ip=ip),
           pf.ReasonCitationForm, cited=True, primary=False,
           confirm=Confirmation("终止本项目？", "终止后项目不再继续建设，且不能恢复；终止原因和依据条款记入项目记录。",
                                "终止项目")),
]}


def _describe_action(request: HttpRequest, pk: int, slug: str) -> Confirmation | None:
    action = ACTIONS.get(slug)
    if action is None or action.confirm is None:
        return None
    _get_project(request, pk)  # a project outside the user's scope is not found, not confirmed
    return action.confirm


def _applicant_actions(project: Project) -> list[str]:
    state, pack = project.state, project.pack_id
    sequence = lifecycle.main_sequence(pack)
    completed = bool((project.facts.get("dates") or {}).get("completed"))
    slugs = []
    if state in (S.DRAFT, S.RETURNED):
        slugs.append("submit")
    if state == S.SUBMITTED:
        slugs.append("withdraw")
    if state == S.DRAFT:
        slugs.append("delete")
    if state in (S.APPROVED, S.FILED, S.PROCUREMENT) and _needs_unified_supervision(project):
        slugs.append("supervision-request")
    if lifecycle.successor(pack, state) == S.PROCUREMENT or (state == S.FILED and S.FILED not in sequence):
        slugs.append("procurement-start")
    if state == S.PROCUREMENT:
        slugs.append("construction-start")
    if state == S.CONSTRUCTION and not completed:
        slugs.append("completion")
    if S.PRE_ACCEPTANCE in sequence:
        if state == lifecycle.predecessor(pack, S.PRE_ACCEPTANCE) and completed:
            slugs.append("pre-acceptance-request")
        if state == S.PRE_ACCEPTANCE and project.awaiting == "pre_acceptance_passed":
            slugs.append("acceptance-request")
    elif state == lifecycle.predecessor(pack, S.ACCEPTED) and completed and project.awaiting != "acceptance":
        slugs.append("acceptance-request")
    if state == S.ACCEPTED:
        slugs.append("go-live")
    if state == S.IN_OPERATION:
        slugs.append("self-evaluation")
    if state in (S.IN_OPERATION, S.EVALUATED):
        slugs.append("operation")
    return slugs


def _needs_unified_supervision(project: Project) -> bool:
    from govit.projects.services.construction import supervision_rule, unified_supervision_requested

    _value, rule, _ = supervision_rule(project, project_evaluation(project))
    return bool(rule.get("request_to")) and not unified_supervision_requested(project)


def _decider_actions(project: Project, user: Any, result: dict[str, Any]) -> list[str]:
    """Steps the user's unit takes because the pack names it (行政审批局, 发改委 …), for any role."""
    state, pack = project.state, project.pack_id
    route, _ = determination(result, "review_route")
    slugs = []

    def may(stage: str, route_of: str | None = None) -> bool:
        allowed = authority.may_decide(user, project, stage, route_of)
        if allowed is None:  # the pack names nobody: the lead office decides
            return assignment_for(user, Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id) is not None
        return allowed

    reapproval = state == S.UNDER_REVIEW and bool(project.state_before_reapproval)
    if ((state == lifecycle.predecessor(pack, S.APPROVED) and route in ROUTED) or reapproval) and \
            may(S.APPROVED, route):
        slugs.append("approval-decide")
    if state == S.PRE_ACCEPTANCE and project.awaiting == "pre_acceptance" and may(S.PRE_ACCEPTANCE):
        slugs.append("pre-acceptance-decide")
    if project.awaiting == "acceptance" and may(S.ACCEPTED):
        slugs.append("acceptance-decide")
    return slugs


def _lead_actions(project: Project, result: dict[str, Any], user: Any = None) -> list[str]:
    state, pack = project.state, project.pack_id
    sequence = lifecycle.main_sequence(pack)
    slugs = []
    has_preliminary = S.PRELIMINARY_REVIEW in sequence
    if state == S.SUBMITTED and has_preliminary:
        slugs.append("preliminary-review-start")
    if state == (S.PRELIMINARY_REVIEW if has_preliminary else S.SUBMITTED):
        slugs.append("preliminary-review-decide")
    route, _ = determination(result, "review_route")
    if state == lifecycle.predecessor(pack, S.UNDER_REVIEW):
        slugs += {"exempt": ["approval-exempt"], "filing": ["filing"]}.get(route, ["review-route"])
    if state in services.CHANGE_STATES and project.changes.filter(status=ChangeStatus.REAPPROVAL).exists():
        slugs.append("review-route")
    if S.FILED in sequence and state == lifecycle.predecessor(pack, S.FILED):
        slugs.append("filing")
    if state == S.EVALUATED and not project.evaluations.filter(kind=EvaluationKind.POST).exists():
        slugs.append("post-evaluation")
    if state == S.SUSPENDED:
        slugs.append("resume")
    if state not in (S.SUSPENDED, S.TERMINATED, S.REJECTED, S.EVALUATED):
        slugs.append("suspend")
    if state not in (S.TERMINATED, S.REJECTED, S.EVALUATED):
        slugs.append("terminate")
    return slugs


def _make_form(action: Action, project: Project, data: Any = None) -> forms.Form | None:
    if action.form is None:
        return None
    kwargs: dict[str, Any] = {"prefix": action.slug}
    if action.cited:
        kwargs["pack_id"] = project.pack_id
    return action.form(data, **kwargs) if data is not None else action.form(**kwargs)


def _actions_for(project: Project, roles: set[str], result: dict[str, Any], user: Any = None,
                 bound: dict[str, forms.Form] | None = None) -> list[dict[str, Any]]:
    slugs = []
    if Role.APPLICANT in roles:
        slugs += _applicant_actions(project)
    if Role.LEAD_OFFICE in roles:
        slugs += [s for s in _lead_actions(project, result) if s not in slugs]
    slugs += [s for s in _decider_actions(project, user, result) if s not in slugs]
    bound = bound or {}
    rows = []
    for slug in slugs:
        action = ACTIONS[slug]
        rows.append({"action": action, "form": bound.get(slug) or _make_form(action, project),
                     "url": reverse("projects:action", args=[project.pk, slug])})
    return rows


# --- pages -----------------------------------------------------------------------------------


def _project_row(project: Project, roles: set[str], today: Any) -> dict[str, Any]:
    """A list row from the stored status: no pack evaluation while rendering."""
    stored = status_view(project, today)
    result = {"pack": {"id": project.pack_id}, "determinations": {"deadlines": {"value": stored["deadlines"]}}}
    deadlines = [d for d in presenters.deadline_rows(result, today) if d["status"] in (
        "due_soon", "overdue", "upcoming", "open", "due")]
    if roles == {Role.APPLICANT}:
        deadlines = [d for d in deadlines if d["code"] not in presenters.LEAD_OFFICE_DEADLINES]
    deadlines = sorted(deadlines, key=lambda d: d["when"])[:2]
    rows = presenters.next_step_rows({"steps": stored["steps"]}, project.pack_id)
    for row in rows:
        row["mine"] = row["role"] in roles
    amount = project.investment_wan if project.status_as_of else project.facts.get("total_investment_wan")
    return {"project": project, "state_label": S(project.state).label, "next": rows, "deadlines": deadlines,
            "amount": amount}


@login_required
@reads_from_replica
def project_list(request: HttpRequest) -> HttpResponse:
    """The applicant's projects by stage, with what is required next; others see their visible projects.

    Filtered, counted, sorted and paged in the database; each row reads the stored status.
    """
    _require_any_role(request, Role.APPLICANT, Role.LEAD_OFFICE, Role.LEADERSHIP, Role.MEMBER_REVIEWER)
    today = timezone.localdate()
    query = request.GET.get("q", "").strip()[:50]
    overdue = request.GET.get("overdue") == "1"
    qs = filter_projects(projects_visible_to(request.user), query=query, overdue=overdue, today=today)
    by_state = stage_counts(qs)
    state = request.GET.get("state", "")
    if state in S.values:
        qs = qs.filter(state=state)
        count = by_state.get(state, 0)
    else:
        state, count = "", sum(by_state.values())
    sort = PROJECT_SORT.resolve(request.GET.get("sort"))
    if request.GET.get("export") == "xlsx":  # the filtered, sorted set, not just the page
        rows = list(qs.order_by(*PROJECT_SORT.order_by(sort)).select_related("unit")[:lists.EXPORT_LIMIT])
        lists.export_audit(request, "项目")(len(rows))
        return lists.xlsx_response("项目", PROJECT_COLUMNS, rows)
    page = paging.web_page(request, qs.order_by(*PROJECT_SORT.order_by(sort)).defer(*WEB_LIST_DEFERRED),
                           count=count)
    held = _held_roles(request.user)
    rows = [_project_row(p, held, today) for p in page.items]
    return render(request, "projects/list.html", {
        "rows": rows, "count": count, "query": query, "state": state, "show_unit": held != {Role.APPLICANT},
        "states": [(s, S(s).label, by_state.get(s, 0)) for s in S.values], "can_create": Role.APPLICANT in held,
        "title": "我的项目" if held == {Role.APPLICANT} else "项目", "page": page,
        "links": paging.page_links(request, page), "sort": sort, "sorts": PROJECT_SORT.choices(),
        "overdue": overdue, "export_url": lists.export_url(request),
    })


def _applicant_unit(request: HttpRequest) -> Any:
    ra = role_assignments_of(request.user).filter(role=Role.APPLICANT, unit__isnull=False).first()
    if ra is None:
        raise Forbidden("只有项目建设单位可以新建项目。")
    return ra


def _precheck_result(pack_id: str, unit: Any, form: pf.ProjectForm) -> dict[str, Any] | None:
    """The live pre-check of the form's facts under the project's pack (None if the form has errors)."""
    if not form.is_valid():
        return None
    data = {"pack": pack_id, "project": form.facts(), "unit": unit_facts(unit)}
    try:
        return readable(policy.evaluate(data, pack_id))
    except policy.FactsError as exc:
        form.add_facts_errors(exc.fields)
        return None


def _form_page(request: HttpRequest, *, form: pf.ProjectForm, pack_id: str, unit: Any,
               project: Project | None, status: int = 200, refusal: dict[str, Any] | None = None) -> HttpResponse:
    if form.is_bound:
        result = _precheck_result(pack_id, unit, form)
    else:
        result = readable(project_evaluation(project)) if project else None
    return render(request, "projects/form.html", {
        "form": form, "project": project, "pack": policy.load_pack(pack_id), "result": result, "refusal": refusal,
        "precheck_url": reverse("projects:precheck-edit", args=[project.pk]) if project
        else reverse("projects:precheck-new"),
    }, status=status)


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    ra = _applicant_unit(request)
    pack_id = (ra.jurisdiction.pack_ids or [None])[0]
    if pack_id is None:
        raise Http404("本行政区域未启用政策包。")
    if request.method != "POST":
        form = pf.ProjectForm(initial={"funding_sources": ["local_fiscal"]}, pack_id=pack_id)
        return _form_page(request, form=form, pack_id=pack_id, unit=ra.unit, project=None)
    form = pf.ProjectForm(request.POST, pack_id=pack_id)
    if not form.is_valid():
        return _form_page(request, form=form, pack_id=pack_id, unit=ra.unit, project=None, status=400)
    try:
        project = services.project_create(actor=request.user, name=form.cleaned_data["name"], facts=form.facts(),
                                          unit=ra.unit, year_amounts=form.year_amounts(), source_ip=_ip(request),
                                          **form.description())
        project_update_profile(project=project, actor=request.user, profile=form.profile(), source_ip=_ip(request))
    except DomainError as exc:
        return _form_page(request, form=form, pack_id=pack_id, unit=ra.unit, project=None, status=exc.status,
                          refusal=presenters.refusal_context(exc, pack_id))
    messages.success(request, "项目已创建（草稿）。请上传申报材料，然后提交申报。")
    return redirect("projects:detail", project.pk)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get_project(request, pk)
    if Role.APPLICANT not in _roles_on(request.user, project):
        raise Forbidden("只有本项目的建设单位可以修改项目信息。")
    if request.method != "POST":
        form = pf.ProjectForm(initial=pf.ProjectForm.initial_from(project), pack_id=project.pack_id)
        return _form_page(request, form=form, pack_id=project.pack_id, unit=project.unit, project=project)
    form = pf.ProjectForm(request.POST, pack_id=project.pack_id)
    if not form.is_valid():
        return _form_page(request, form=form, pack_id=project.pack_id, unit=project.unit, project=project,
                          status=400)
    facts = form.facts()
    # A cleared field is removed: send every editable top-level fact, blank ones as absent.
    editable = {name.split("__")[0] for name in form.fields
                if name not in ("planned_year", "planned_wan", *pf.DESCRIPTION_FIELDS)}
    kept = {k: v for k, v in project.facts.items() if k not in editable or k in facts}
    try:
        services.project_update_facts(project=project, actor=request.user, facts={**kept, **facts},
                                      name=form.cleaned_data["name"], year_amounts=form.year_amounts(),
                                      source_ip=_ip(request), **form.description())
        project_update_profile(project=project, actor=request.user, profile=form.profile(), source_ip=_ip(request))
    except DomainError as exc:
        return _form_page(request, form=form, pack_id=project.pack_id, unit=project.unit, project=project,
                          status=exc.status, refusal=presenters.refusal_context(exc, project.pack_id))
    messages.success(request, "项目信息已保存。")
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def precheck_new(request: HttpRequest) -> HttpResponse:
    ra = _applicant_unit(request)
    pack_id = (ra.jurisdiction.pack_ids or [""])[0]
    form = pf.ProjectForm(request.POST, pack_id=pack_id)
    result = _precheck_result(pack_id, ra.unit, form)
    return render(request, "regulations/_precheck_result.html", {"form": form, "result": result, "oob": True})


@login_required
@require_POST
def precheck_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get_project(request, pk)
    if Role.APPLICANT not in _roles_on(request.user, project):
        raise Forbidden("只有本项目的建设单位可以修改项目信息。")
    form = pf.ProjectForm(request.POST, pack_id=project.pack_id)
    result = _precheck_result(project.pack_id, project.unit, form)
    return render(request, "regulations/_precheck_result.html", {"form": form, "result": result, "oob": True})


def _detail_context(request: HttpRequest, project: Project, *, bound: dict[str, forms.Form] | None = None,
                    upload_form: forms.Form | None = None) -> dict[str, Any]:
    from govit.reviews.selectors import opinion_tasks_for, project_tasks_visible_to

    user = request.user
    roles = _roles_on(user, project)
    result = project_evaluation(project)
    view = presenters.evaluation_view(project, result)
    steps = project_next_steps(project, user, result=result)
    lists = presenters.checklists(project, result)
    needed = [r["code"] for c in lists for r in c["missing"]]
    changes = list(project.changes.select_related("requested_by", "decided_by"))
    closed = project.state in (S.REJECTED, S.TERMINATED)
    pack = policy.load_pack(project.pack_id)
    deadlines = {d["code"] for d in pack.data.get("deadlines", [])}
    report_kinds = [k for k, code in (("quarterly", "progress_report_due"), ("yearly", "performance_report_due"))
                    if code in deadlines]
    return {
        "project": project,
        "pack": pack,
        "roles": roles,
        "is_applicant": Role.APPLICANT in roles,
        "is_lead": Role.LEAD_OFFICE in roles,
        "state_label": S(project.state).label,
        "stepper": presenters.stepper(project),
        "stage_title": lifecycle.stage_label(project.pack_id, project.state)
        if lifecycle.stage_listed(project.pack_id, project.state) else "",
        "next_steps": presenters.next_step_rows(steps, project.pack_id),
        "view": view,
        "checklists": lists,
        "materials": list(project.materials.select_related("uploaded_by")),
        "upload_form": upload_form or (pf.MaterialForm(needed=needed, pack_id=project.pack_id, prefix="material")
                                       if (roles and not closed) else None),
        "tasks": list(project_tasks_visible_to(user, project).order_by("round", "due_date", "pk")),
        # Open tasks the user's own unit answers (a member unit, or the lead office as a review body).
        "my_task_ids": set(opinion_tasks_for(user).filter(project=project, status="open", unit__isnull=False)
                           .values_list("pk", flat=True)),
        "changes": [{"change": c, "ratio": _percent(c.ratio), "route_label": labels.CHANGE_ROUTE.get(c.route, c.route),
                     "links": presenters.cite_links(c.citations, project.pack_id),
                     "decide_form": pf.ChangeDecisionForm(prefix=f"change{c.pk}")
                     if Role.LEAD_OFFICE in roles and c.status == ChangeStatus.PENDING else None}
                    for c in changes],
        "extensions": [{"extension": e, "decide_form": pf.ChangeDecisionForm(prefix=f"ext{e.pk}")
                        if Role.LEAD_OFFICE in roles and e.status == "pending" else None}
                       for e in project.acceptance_extensions.select_related("decided_by")],
        "can_extend": Role.APPLICANT in roles and bool(pack.data.get("acceptance_extension"))
        and project.state in (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE) and project.awaiting != "acceptance"
        and bool((project.facts.get("dates") or {}).get("completed")),
        "approved_estimate": project.approved_estimate_wan,
        "reports": list(ProgressReport.objects.filter(project=project)),
        "report_kinds": report_kinds,
        "can_report": Role.APPLICANT in roles and report_kinds and project.state in services.REPORTING_STATES,
        "can_change": Role.APPLICANT in roles and project.state in services.CHANGE_STATES,
        "operations": list(OperationRecord.objects.filter(project=project)),
        "evaluations": list(Evaluation.objects.filter(project=project)),
        "year_amounts": list(project.year_amounts.all()),
        "plan_items": list(project.plan_items.select_related("plan")),
        "actions": _actions_for(project, roles, result, user, bound),
        "timeline": presenters.timeline_rows(list(timeline(project))),
        "can_edit": Role.APPLICANT in roles and project.state in (S.DRAFT, S.RETURNED),
        "summary": presenters.project_summary(project),
        "resume_label": S(project.state_before_suspension).label if project.state_before_suspension else "",
        "analysis": project_panel(project, user, roles),
    }


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get_project(request, pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


def _refused(request: HttpRequest, project: Project, exc: DomainError, **kwargs: Any) -> HttpResponse:
    project.refresh_from_db()
    context = _detail_context(request, project, **kwargs)
    context["refusal"] = presenters.refusal_context(exc, project.pack_id)
    return render(request, "projects/detail.html", context, status=exc.status)


def _invalid(request: HttpRequest, project: Project, **kwargs: Any) -> HttpResponse:
    context = _detail_context(request, project, **kwargs)
    context["refusal"] = {"message": "填写有误，请按字段旁的提示修改后重新提交。", "links": [], "missing": []}
    return render(request, "projects/detail.html", context, status=400)


@login_required
@require_POST
@confirm_first(_describe_action)
def project_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    project = _get_project(request, pk)
    action = ACTIONS.get(slug)
    if action is None:
        raise Http404("未知的操作。")
    form = _make_form(action, project, request.POST)
    if form is not None and not form.is_valid():
        return _invalid(request, project, bound={slug: form})
    try:
        action.call(project, request.user, form, _ip(request))
    except DomainError as exc:
        return _refused(request, project, exc, bound={slug: form} if form is not None else None)
    messages.success(request, vocabulary.in_pack_words(action.done, project.pack_id))
    if project.deleted_at is not None:
        return redirect("projects:list")
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get_project(request, pk)
    form = pf.MaterialForm(request.POST, request.FILES, prefix="material")
    if not form.is_valid():
        return _invalid(request, project, upload_form=form)
    upload = form.cleaned_data["file"]
    try:
        material = services.material_upload(project=project, actor=request.user,
                                            doc_code=form.cleaned_data["doc_code"], filename=upload.name or "",
                                            data=upload.read(), source_ip=_ip(request))
    except DomainError as exc:
        return _refused(request, project, exc, upload_form=form)
    name = presenters.doc_label(material.doc_code, project.pack_id)
    messages.success(request, f"已上传“{name}”：{material.original_name}。"
                              f"SM3 摘要 {material.sm3}；SHA-256 摘要 {material.sha256}。")
    return redirect(reverse("projects:detail", args=[project.pk]) + "#materials")


@login_required
def material_download(request: HttpRequest, pk: int, material_id: int) -> FileResponse:
    project = _get_project(request, pk)
    material = Material.objects.filter(project=project, pk=material_id).first()
    if material is None:
        raise Http404("未找到该材料。")
    return material_response(material, request)


@login_required
def application_form(request: HttpRequest, pk: int) -> HttpResponse:
    return application_form_response(_get_project(request, pk), request)


def _percent(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else ""


@login_required
@reads_from_replica
def inbox(request: HttpRequest) -> HttpResponse:
    _require_any_role(request, Role.LEAD_OFFICE)
    lst = INBOX_LIST.run(request, lead_office_inbox_rows(
        request.user, kind=request.GET.get("kind", ""), query=request.GET.get("q", "").strip()[:50],
        newest_first=request.GET.get("sort") == "new"), on_export=lists.export_audit(request, "待办"))
    if lst.response is not None:
        return lst.response
    return render(request, "projects/inbox.html", {"rows": lst.rows, "page": lst.page, "lst": lst,
                                                   "links": lst.links})


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Projects by stage and by unit with their amounts (leadership and lead office)."""
    _require_any_role(request, Role.LEADERSHIP, Role.LEAD_OFFICE)
    visible = projects_visible_to(request.user)
    # Totals count applications, not what units are still drafting (草稿, 退回修改).
    unsubmitted = visible.filter(state__in=UNSUBMITTED).count()
    order = list(S.values)
    by_state: dict[str, dict[str, Any]] = {}
    by_unit: dict[str, dict[str, Any]] = {}
    total, count = 0.0, 0
    for state, unit_name, n, amount in portfolio_cells(visible.exclude(state__in=UNSUBMITTED)):
        total += amount
        count += n
        row = by_state.setdefault(state, {"state": state, "label": S(state).label, "count": 0, "amount": 0.0})
        row["count"] += n
        row["amount"] += amount
        unit = by_unit.setdefault(unit_name, {"unit": unit_name, "count": 0, "amount": 0.0, "states": {}})
        unit["count"] += n
        unit["amount"] += amount
        unit["states"][state] = unit["states"].get(state, 0) + n
    states = sorted(by_state.values(), key=lambda r: order.index(r["state"]))
    chart = {"labels": [r["label"] for r in states], "counts": [r["count"] for r in states],
             "amounts": [round(r["amount"], 2) for r in states]}
    units = sorted(by_unit.values(), key=lambda r: -r["amount"])
    for unit in units:
        unit["states_text"] = "、".join(f"{S(k).label} {unit['states'][k]}" for k in order if k in unit["states"])
    return render(request, "projects/portfolio.html", {
        "states": states, "units": units, "total": round(total, 2), "count": count, "chart": chart,
        "unsubmitted": unsubmitted,
    })


UNSUBMITTED = (S.DRAFT, S.RETURNED)
