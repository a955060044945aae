"""Project reads: who sees which project, the facts the pack is asked about, inbox and next steps."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govit import policy
from govit.core.models import Role, RoleAssignment, Unit, UnitKind, User
from govit.core.selectors import AnyUser, role_assignments_of
from govit.projects import lifecycle
from govit.projects.models import ChangeRequest, ChangeStatus, Material, Project, ProjectEvent, ProjectState

S = ProjectState
# Roles that act on projects; the three administrators are deliberately absent (三员分立).
PROJECT_ROLES = (Role.APPLICANT, Role.LEAD_OFFICE, Role.LEADERSHIP, Role.MEMBER_REVIEWER)


def projects_visible_to(user: AnyUser | None) -> QuerySet[Project]:
    """Applicant: its own unit's; lead office and leadership: its jurisdiction's; member reviewer:
    projects with an opinion task for its unit; experts and administrators: none (for now)."""
    scope = Q(pk__in=[])
    for ra in role_assignments_of(user).filter(role__in=PROJECT_ROLES):
        if ra.role == Role.APPLICANT and ra.unit_id:
            scope |= Q(unit_id=ra.unit_id)
        elif ra.role in (Role.LEAD_OFFICE, Role.LEADERSHIP):
            scope |= Q(jurisdiction_id=ra.jurisdiction_id)
        elif ra.role == Role.MEMBER_REVIEWER and ra.unit_id:
            scope |= Q(opinion_tasks__unit_id=ra.unit_id)
    return (
        Project.objects.filter(pk__in=Project.objects.filter(scope).values("pk"))
        .select_related("jurisdiction", "unit")
        .order_by("-created_at", "-pk")
    )


def project_for(user: AnyUser | None, pk: int) -> Project:
    """The project if the user may see it; raises Project.DoesNotExist otherwise (→ 404)."""
    return projects_visible_to(user).get(pk=pk)


def assignment_for(user: AnyUser | None, role: str, *, jurisdiction_id: int,
                   unit_id: int | None = None) -> RoleAssignment | None:
    qs = role_assignments_of(user).filter(role=role, jurisdiction_id=jurisdiction_id)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.first()


def users_with_role(role: str, *, jurisdiction_id: int, unit_id: int | None = None) -> list[User]:
    qs = RoleAssignment.objects.filter(role=role, jurisdiction_id=jurisdiction_id, user__is_active=True)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return [ra.user for ra in qs.select_related("user")]


def users_of_unit(unit: Unit) -> list[User]:
    qs = RoleAssignment.objects.filter(unit=unit, user__is_active=True).select_related("user")
    return list({ra.user_id: ra.user for ra in qs}.values())


def unit_facts(unit: Unit) -> dict[str, Any]:
    """The contract's `unit` facts: those computed from the unit's projects, and every kind of
    active restriction recorded or computed by supervision (govit.supervision.UnitSanction)."""
    from govit.supervision.selectors import active_sanction_facts

    facts = computed_unit_facts(unit)
    for kind, active in active_sanction_facts(unit).items():
        facts[kind] = bool(facts.get(kind)) or active
    return facts


def computed_unit_facts(unit: Unit) -> dict[str, Any]:
    """The contract's `unit` facts, from what the platform knows about the unit.

    `has_unaccepted_projects`: another project completed over a year ago and still not accepted
    (未进行验收); `failed_acceptance`: another project whose latest acceptance decision failed.
    """
    a_year_ago = (timezone.localdate() - timedelta(days=365)).isoformat()
    waiting = list(
        Project.objects.filter(unit=unit, state__in=[S.TRIAL_RUN, S.PRE_ACCEPTANCE, S.CONSTRUCTION]).values_list(
            "pk", "facts"
        )
    )
    unaccepted = any((facts.get("dates") or {}).get("completed", "9999") < a_year_ago for _, facts in waiting)
    last_decision: dict[int, str] = {}
    decisions = ProjectEvent.objects.filter(
        project_id__in=[pk for pk, _ in waiting], kind__in=["acceptance.pass", "acceptance.fail"]
    ).order_by("at", "pk")
    for project_id, kind in decisions.values_list("project_id", "kind"):
        last_decision[project_id] = kind
    failed = "acceptance.fail" in last_decision.values()
    return {
        "kind": "township" if unit.kind == UnitKind.TOWNSHIP else "department",
        "has_unaccepted_projects": unaccepted,
        "failed_acceptance": failed,
    }


def project_policy_input(project: Project, *, extra_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    facts = dict(project.facts)
    facts.setdefault("name", project.name)
    facts.setdefault("unit_name", project.unit.name)
    if extra_facts:
        facts.update(extra_facts)
    return {"pack": project.pack_id, "project": facts, "unit": unit_facts(project.unit)}


def project_evaluation(project: Project, *, extra_facts: dict[str, Any] | None = None,
                       as_of: date | None = None) -> dict[str, Any]:
    """The pack's full answer (policy contract JSON) for the project's facts as they stand."""
    data = project_policy_input(project, extra_facts=extra_facts)
    return policy.evaluate(data, project.pack_id, (as_of or timezone.localdate()).isoformat())


def evaluation_summary(result: dict[str, Any]) -> dict[str, Any]:
    """What a timeline event keeps of an evaluation: verdict and the findings that matter."""
    return {
        "verdict": result["verdict"],
        "as_of": result["as_of"],
        "findings": [
            {"rule": f["rule"], "severity": f["severity"], "citation": f["citation"], "message": f["message"]}
            for f in result["findings"]
            if f["severity"] in ("block", "missing", "conflict", "warn")
        ],
    }


def determination(result: dict[str, Any], name: str) -> tuple[Any, list[dict[str, Any]]]:
    found = result.get("determinations", {}).get(name)
    if not found:
        return None, []
    pack = result["pack"]["id"]
    return found.get("value"), [{"pack": pack, **{k: v for k, v in c.items() if k != "pack"}}
                                for c in found.get("citations", [])]


def uploaded_codes(project: Project) -> set[str]:
    return set(Material.objects.filter(project=project).values_list("doc_code", flat=True))


def application_checklist(project: Project) -> tuple[list[str], list[dict[str, Any]]]:
    """Documents the pack requires at submission (运维类 projects use `application_operation` if given)."""
    names = ["application"]
    if project.facts.get("category") == "operation":
        names.insert(0, "application_operation")
    for name in names:
        entry = lifecycle.checklist(project.pack_id, name)
        if entry is not None:
            return list(entry.get("documents", [])), lifecycle.checklist_citations(project.pack_id, entry)
    return [], []


def timeline(project: Project) -> QuerySet[ProjectEvent]:
    return project.events.select_related("actor").order_by("at", "pk")


def lead_office_inbox(user: AnyUser | None) -> list[dict[str, Any]]:
    """What waits on the lead office in the user's jurisdictions, oldest first."""
    from govit.reviews.models import OpinionTask, ReviewBody, TaskStatus

    jurisdiction_ids = list(
        role_assignments_of(user).filter(role=Role.LEAD_OFFICE).values_list("jurisdiction_id", flat=True)
    )
    if not jurisdiction_ids:
        return []
    items: list[dict[str, Any]] = []
    projects = Project.objects.filter(jurisdiction_id__in=jurisdiction_ids).select_related("unit")
    labels = {
        S.SUBMITTED: "新申报项目，待初审或组织审查",
        S.PRELIMINARY_REVIEW: "初审中，待作出初审结论",
        S.IN_LIBRARY: "已入库，待列入年度计划",
        S.PLANNED: "已列入年度计划，待组织审查或批复",
    }
    open_tasks = set(
        OpinionTask.objects.filter(project__in=projects, status=TaskStatus.OPEN).values_list("project_id", flat=True)
    )
    for project in projects.order_by("updated_at"):
        text = labels.get(project.state)
        if project.state == S.UNDER_REVIEW and project.pk not in open_tasks:
            text = "审查意见已全部出具，待作出审批决定"
        if project.awaiting == "pre_acceptance":
            text = "建设单位申请预验收（前置审核）"
        elif project.awaiting == "acceptance":
            text = "建设单位申请竣工验收"
        if text:
            items.append({"kind": "project", "project": project, "text": text, "since": project.updated_at})
    for change in ChangeRequest.objects.filter(project__in=projects, status=ChangeStatus.PENDING).select_related(
        "project"
    ):
        items.append(
            {"kind": "change", "project": change.project, "text": "调整申请待审核", "since": change.requested_at}
        )
    for task in OpinionTask.objects.filter(
        project__in=projects, status=TaskStatus.OPEN, body=ReviewBody.EXPERTS
    ).select_related("project"):
        items.append(
            {"kind": "expert_task", "project": task.project, "text": "专家评审意见待录入", "since": task.created_at}
        )
    return sorted(items, key=lambda item: item["since"])


def project_next_steps(project: Project, user: AnyUser | None = None) -> dict[str, Any]:
    """What is needed next, by whom, from the pack: missing documents, open tasks, deadlines."""
    from govit.reviews.models import OpinionTask, TaskStatus

    result = project_evaluation(project)
    have = uploaded_codes(project)
    steps: list[dict[str, Any]] = []
    state = project.state

    def step(action: str, label: str, role: str, **extra: Any) -> None:
        steps.append({"action": action, "label": label, "role": role, **extra})

    if state in (S.DRAFT, S.RETURNED):
        docs, cites = application_checklist(project)
        step("submit", "上传申报材料并提交申报", Role.APPLICANT,
             missing=[d for d in docs if d not in have], citations=cites)
    elif state == S.SUBMITTED:
        step("preliminary_review_start" if lifecycle.stage_listed(project.pack_id, S.PRELIMINARY_REVIEW)
             else "review_route", "受理并开展初审/审查", Role.LEAD_OFFICE)
    elif state == S.PRELIMINARY_REVIEW:
        step("preliminary_review_decide", "作出初审结论（退回、不予立项或入库）", Role.LEAD_OFFICE)
    elif state == S.IN_LIBRARY:
        step("plan_item_add", "列入年度建设计划", Role.LEAD_OFFICE)
    elif state in (S.UNDER_REVIEW, S.PLANNED):
        tasks = OpinionTask.objects.filter(project=project, status=TaskStatus.OPEN).select_related("unit")
        for task in tasks:
            step("opinion_submit", f"出具{task.aspect}", Role.MEMBER_REVIEWER,
                 unit=task.unit.name if task.unit else "评审专家", due=task.due_date.isoformat())
        if not tasks and state == lifecycle.predecessor(project.pack_id, S.APPROVED):
            docs, cites = determination(result, "approval_documents")
            step("approval_decide", "作出审批决定", Role.LEAD_OFFICE,
                 missing=[d for d in docs or [] if d not in have], citations=cites)
        elif not tasks and state == lifecycle.predecessor(project.pack_id, S.PLANNED):
            step("plan_item_add", "列入年度建设计划", Role.LEAD_OFFICE)
        elif not tasks:
            step("review_route", "组织审查（按政策包派发审查意见任务）", Role.LEAD_OFFICE)
    elif state in (S.APPROVED, S.FILED):
        step("procurement_start", "启动招标采购", Role.APPLICANT)
    elif state == S.PROCUREMENT:
        step("construction_start", "签订合同、开工建设", Role.APPLICANT)
    elif state in (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE):
        docs, cites = determination(result, "acceptance_documents")
        step("acceptance_request", "准备验收材料、申请验收", Role.APPLICANT,
             missing=[d for d in docs or [] if d not in have], citations=cites)
    elif state == S.ACCEPTED:
        step("go_live_record", "投入运行", Role.APPLICANT)
    elif state == S.IN_OPERATION:
        step("self_evaluation_submit", "开展自评价", Role.APPLICANT)
    deadlines, _ = determination(result, "deadlines")
    return {
        "state": state,
        "state_label": S(state).label,
        "verdict": result["verdict"],
        "steps": steps,
        "deadlines": deadlines or [],
    }


def change_preview(project: Project, change: dict[str, Any]) -> dict[str, Any]:
    """What the pack says of a proposed change before it is requested: ratio, route and articles.

    Raises `policy.FactsError` on malformed change facts. `route` is None where the pack is silent
    (the service then sends the request to the lead office).
    """
    proposed = dict(change)
    proposed.setdefault("approved_total_wan", project.facts.get("total_investment_wan"))
    parsed = policy.parse_input({"project": {"change": proposed}})
    clean = parsed.project.model_dump(mode="json", exclude_unset=True, exclude_none=True)["change"]
    result = project_evaluation(project, extra_facts={"change": clean})
    route, cites = determination(result, "change_route")
    ratio, ratio_cites = determination(result, "change_ratio")
    return {"route": route, "ratio": ratio, "citations": cites or ratio_cites}
