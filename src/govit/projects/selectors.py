"""Project reads: who sees which project, the facts the pack is asked about, inbox and next steps."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from govit import policy
from govit.analysis.confirmed import attach_evidence, confirmed_facts
from govit.core.models import Role, RoleAssignment, Unit, UnitKind, User
from govit.core.paging import Sort
from govit.core.selectors import AnyUser, assignments_of, jurisdiction_ids_where
from govit.projects import lifecycle
from govit.projects.models import (
    OPEN_CHANGE_STATUSES,
    AcceptanceExtension,
    ChangeRequest,
    ChangeStatus,
    Material,
    Project,
    ProjectEvent,
    ProjectState,
)
from govit.supervision.sanctions import active_sanction_facts

S = ProjectState
# Roles that act on projects; the three administrators are deliberately absent (三员分立).
PROJECT_ROLES = (Role.APPLICANT, Role.LEAD_OFFICE, Role.LEADERSHIP, Role.MEMBER_REVIEWER)


def projects_visible_to(user: AnyUser | None) -> QuerySet[Project]:
    """Applicant: its own unit's; lead office and leadership: its jurisdiction's; member reviewer:
    projects with an opinion task for its unit; experts and administrators: none (for now)."""
    from govit.projects.authority import deciding_assignments

    scope = Q(pk__in=[])
    joined = False  # a scope through opinion tasks joins rows that may repeat a project
    whole: set[int] = set()  # jurisdictions seen whole: a narrower scope inside one adds nothing
    for ra in assignments_of(user):
        if ra.role == Role.APPLICANT and ra.unit_id:
            scope |= Q(unit_id=ra.unit_id)
        elif ra.role in (Role.LEAD_OFFICE, Role.LEADERSHIP):
            scope |= Q(jurisdiction_id=ra.jurisdiction_id)
            whole.add(ra.jurisdiction_id)
        elif ra.role == Role.MEMBER_REVIEWER and ra.unit_id:
            scope |= Q(opinion_tasks__unit_id=ra.unit_id)
            joined = True
    # A body the pack names as the decider of a step (行政审批局, 发改委) sees the applications it may decide.
    # Skipping the ones inside a whole jurisdiction keeps the list one index range (no OR, no sort).
    for ra, packs in deciding_assignments(user):
        if ra.jurisdiction_id in whole:
            continue
        scope |= Q(jurisdiction_id=ra.jurisdiction_id, pack_id__in=packs) & ~Q(state__in=[S.DRAFT, S.RETURNED])
    base = Project.objects.filter(scope) if not joined else Project.objects.filter(
        pk__in=Project.objects.filter(scope).values("pk"))
    return base.select_related("jurisdiction", "unit").order_by("-created_at", "-pk")


def stage_order() -> Case:
    """The lifecycle position of `state`, for sorting by stage in the database."""
    return Case(*(When(state=s, then=Value(i)) for i, s in enumerate(S.values)), default=Value(len(S.values)),
                output_field=IntegerField())


PROJECT_SORT = Sort(options={
    "new": ("最新创建", ("-created_at", "-pk")),
    "stage": ("按阶段", (stage_order(), "-created_at", "-pk")),
    "due": ("时限最近", (F("next_due").asc(nulls_last=True), "-pk")),
    "amount": ("总投资最多", (F("investment_wan").desc(nulls_last=True), "-pk")),
    "updated": ("最近更新", ("-updated_at", "-pk")),
    "name": ("名称", ("name", "pk")),
}, default="new")


# Columns an API list row never reads (a row whose status was never stored loads its facts on demand).
LIST_DEFERRED = ("facts", "content", "functions", "data_items", "status_steps", "status_deadlines")


def filter_projects(qs: QuerySet[Project], *, query: str = "", overdue: bool = False,
                    today: date | None = None) -> QuerySet[Project]:
    """Name/unit search and the overdue filter (a past own deadline, or an overdue duty on record)."""
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(unit__name__icontains=query))
    if overdue:
        qs = qs.filter(Q(next_due__lt=today or timezone.localdate()) | Q(overdue_count__gt=0))
    return qs


def stage_counts(qs: QuerySet[Project]) -> dict[str, int]:
    """Projects per state in one GROUP BY; their sum is the list's total. COUNT(*), not COUNT(id):
    PostgreSQL then answers from the (jurisdiction, state) index alone, without reading the wide rows."""
    return dict(qs.order_by().values_list("state").annotate(n=Count("*")).values_list("state", "n"))


def portfolio_cells(projects: QuerySet[Project]) -> list[tuple[str, str, int, float]]:
    """(state, unit name, projects, 总投资 in 万元) of `projects`, summed in the database from the stored
    investment; a project whose status was never computed (none once the services ran) reads its facts."""
    from django.db.models import Sum

    cells: dict[tuple[str, str], list[float]] = {}
    stored = (projects.filter(status_as_of__isnull=False).order_by().values_list("state", "unit__name")
              .annotate(n=Count("*"), amount=Sum("investment_wan")))
    for state, unit, n, amount in stored:
        cell = cells.setdefault((state, unit), [0, 0.0])
        cell[0] += n
        cell[1] += float(amount or 0)
    for state, unit, facts in projects.filter(status_as_of__isnull=True).order_by().values_list(
            "state", "unit__name", "facts"):
        cell = cells.setdefault((state, unit), [0, 0.0])
        cell[0] += 1
        try:
            cell[1] += float((facts or {}).get("total_investment_wan") or 0)
        except (TypeError, ValueError):
            pass
    return [(state, unit, int(n), amount) for (state, unit), (n, amount) in cells.items()]


def project_for(user: AnyUser | None, pk: int) -> Project:
    """The project if the user may see it; raises Project.DoesNotExist otherwise (→ 404)."""
    return projects_visible_to(user).get(pk=pk)


def assignment_for(user: AnyUser | None, role: str, *, jurisdiction_id: int,
                   unit_id: int | None = None) -> RoleAssignment | None:
    return next((ra for ra in assignments_of(user) if ra.role == role and ra.jurisdiction_id == jurisdiction_id
                 and (unit_id is None or ra.unit_id == unit_id)), None)


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
    facts = computed_unit_facts(unit)
    for kind, active in active_sanction_facts(unit).items():
        facts[kind] = bool(facts.get(kind)) or active
    return facts


def completed_on() -> Any:
    """The project's 建成 date (facts.dates.completed) as text, as the expression index holds it."""
    from django.db.models import CharField
    from django.db.models.fields.json import KeyTextTransform, KeyTransform
    from django.db.models.functions import Cast

    return Cast(KeyTextTransform("completed", KeyTransform("dates", "facts")), output_field=CharField())


def computed_unit_facts(unit: Unit) -> dict[str, Any]:
    """The contract's `unit` facts, from what the platform knows about the unit.

    `has_unaccepted_projects`: another project completed over a year ago and still not accepted
    (未进行验收); `failed_acceptance`: another project whose latest acceptance decision failed.
    """
    a_year_ago = (timezone.localdate() - timedelta(days=365)).isoformat()
    # Two EXISTS-style queries in the database, whatever the size of the unit's portfolio.
    waiting = Project.objects.filter(unit=unit, state__in=[S.TRIAL_RUN, S.PRE_ACCEPTANCE, S.CONSTRUCTION])
    unaccepted = waiting.annotate(completed_on=completed_on()).filter(completed_on__lt=a_year_ago).exists()
    # Acceptance decisions are few: find them through the event kind index, keep each project's last.
    last_decision: dict[int, str] = {}
    for project_id, kind in ProjectEvent.objects.filter(
            kind__in=["acceptance.pass", "acceptance.fail"], project__unit=unit,
            project__state__in=[S.TRIAL_RUN, S.PRE_ACCEPTANCE, S.CONSTRUCTION]).order_by(
            "at", "pk").values_list("project_id", "kind"):
        last_decision[project_id] = kind
    failed = "acceptance.fail" in last_decision.values()
    return {
        "kind": "township" if unit.kind == UnitKind.TOWNSHIP else "department",
        "unit_kind": unit.kind,
        "has_unaccepted_projects": unaccepted,
        "failed_acceptance": failed,
    }


def project_policy_input(project: Project, *, extra_facts: dict[str, Any] | None = None,
                         unit_fact_values: dict[str, Any] | None = None) -> dict[str, Any]:
    facts = dict(project.facts)
    facts.setdefault("name", project.name)
    facts.setdefault("unit_name", project.unit.name)
    # What the lead office confirmed in the duplicate and split analysis outweighs the applicant's tick.
    facts.update(confirmed_facts(project.pk))
    if extra_facts:
        facts.update(extra_facts)
    unit = unit_fact_values if unit_fact_values is not None else unit_facts(project.unit)
    return {"pack": project.pack_id, "project": facts, "unit": unit}


def project_evaluation(project: Project, *, extra_facts: dict[str, Any] | None = None,
                       as_of: date | None = None) -> dict[str, Any]:
    """The pack's full answer (policy contract JSON) for the project's facts as they stand."""
    from govit.projects.evaluations import cached_evaluate

    data = project_policy_input(project, extra_facts=extra_facts)
    return attach_evidence(cached_evaluate(data, project.pack_id, as_of or timezone.localdate()), project.pk)


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


INBOX_LABELS = {
    S.SUBMITTED: "新申报项目，待初审或组织审查",
    S.PRELIMINARY_REVIEW: "初审中，待作出初审结论",
    S.IN_LIBRARY: "已入库，待列入年度计划",
    S.PLANNED: "已列入年度计划，待组织审查或批复",
}
AWAITING_LABELS = {"pre_acceptance": "建设单位申请预验收（前置审核）", "acceptance": "建设单位申请竣工验收"}


INBOX_KINDS = {"project": "项目", "change": "调整申请", "reapproval": "调整重新报批", "expert_task": "专家评审",
               "extension": "延期验收", "analysis": "比对结论", "own_task": "本单位意见"}


def lead_office_inbox_rows(user: AnyUser | None, *, kind: str = "", query: str = "",
                           newest_first: bool = False) -> Any:
    """What waits on the lead office, as one UNION query of (kind, ref, project_id, since) rows,
    oldest first: projects at a step of the lead office, pending change requests, open expert tasks.
    `kind` keeps one kind of row, `query` the rows of projects whose name or unit matches (both in
    the database, before the UNION). Slice it to page it; count() counts in the database."""
    from django.db.models import CharField, Exists, OuterRef

    from govit.analysis.selectors import inbox_rows as analysis_inbox_rows
    from govit.reviews.models import OpinionTask, ReviewBody, TaskStatus

    jurisdiction_ids = jurisdiction_ids_where(user, Role.LEAD_OFFICE)

    def kind_value(name: str) -> Value:
        return Value(name, output_field=CharField())

    open_tasks = OpinionTask.objects.filter(project=OuterRef("pk"), status=TaskStatus.OPEN)
    awaiting = Q(awaiting__in=list(AWAITING_LABELS))
    # A project waits when it is at a lead-office step, under review with no open task, or asks for an
    # acceptance. As three disjoint branches (not one OR), each reads the project_inbox index alone.
    waiting = [Q(state__in=list(INBOX_LABELS)),
               Q(state=S.UNDER_REVIEW) & (~Exists(open_tasks) | awaiting),
               awaiting & ~Q(state__in=[*INBOX_LABELS, S.UNDER_REVIEW])]
    projects = [Project.objects.filter(branch, jurisdiction_id__in=jurisdiction_ids).order_by()
                .annotate(kind=kind_value("project"), ref=F("pk"), since=F("updated_at"))
                .values_list("kind", "ref", "pk", "since") for branch in waiting]
    changes = (ChangeRequest.objects.filter(project__jurisdiction_id__in=jurisdiction_ids,
                                            status=ChangeStatus.PENDING).order_by()
               .annotate(kind=kind_value("change"), ref=F("pk"), since=F("requested_at"))
               .values_list("kind", "ref", "project_id", "since"))
    # A change routed to re-approval waits on the lead office until it sends the project back to review.
    reapprovals = (ChangeRequest.objects.filter(project__jurisdiction_id__in=jurisdiction_ids,
                                                status=ChangeStatus.REAPPROVAL).exclude(project__state=S.UNDER_REVIEW)
                   .order_by().annotate(kind=kind_value("reapproval"), ref=F("pk"), since=F("requested_at"))
                   .values_list("kind", "ref", "project_id", "since"))
    extensions = (AcceptanceExtension.objects.filter(project__jurisdiction_id__in=jurisdiction_ids,
                                                     status="pending").order_by()
                  .annotate(kind=kind_value("extension"), ref=F("pk"), since=F("requested_at"))
                  .values_list("kind", "ref", "project_id", "since"))
    tasks = (OpinionTask.objects.filter(project__jurisdiction_id__in=jurisdiction_ids, status=TaskStatus.OPEN,
                                        body=ReviewBody.EXPERTS).order_by()
             .annotate(kind=kind_value("expert_task"), ref=F("pk"), since=F("created_at"))
             .values_list("kind", "ref", "project_id", "since"))
    # The lead office's own opinions (its unit is a review body, e.g. 政务数据共享审核意见).
    from govit.reviews.selectors import own_unit_tasks

    own = (own_unit_tasks(user).filter(status=TaskStatus.OPEN).order_by()
           .annotate(kind=kind_value("own_task"), ref=F("pk"), since=F("created_at"))
           .values_list("kind", "ref", "project_id", "since"))
    parts = {"project": projects, "change": changes, "reapproval": reapprovals, "extension": extensions,
             "expert_task": tasks, "own_task": own, "analysis": analysis_inbox_rows(jurisdiction_ids)}
    if query:
        matching = Project.objects.filter(jurisdiction_id__in=jurisdiction_ids).filter(
            Q(name__icontains=query) | Q(unit__name__icontains=query)).values("pk")
        parts = {k: ([p.filter(pk__in=matching) for p in qs] if k == "project" else qs.filter(project_id__in=matching))
                 for k, qs in parts.items()}
    if kind in parts:
        parts = {kind: parts[kind]}
    first, *others = [q for part in parts.values() for q in (part if isinstance(part, list) else [part])]
    order = ("-since", "-kind", "-ref") if newest_first else ("since", "kind", "ref")
    return (first.union(*others, all=True) if others else first).order_by(*order)


def inbox_items(rows: list[tuple[str, int, int, Any]]) -> list[dict[str, Any]]:
    """The page's rows with their projects (one query) and the text the lead office reads."""
    from govit.analysis.selectors import inbox_texts as analysis_texts

    found = Project.objects.select_related("unit").in_bulk({project_id for _, _, project_id, _ in rows})
    findings = analysis_texts({ref for kind, ref, _, _ in rows if kind == "analysis"})
    from govit.reviews.models import OpinionTask

    own_tasks = OpinionTask.objects.in_bulk({ref for kind, ref, _, _ in rows if kind == "own_task"})
    items = []
    for kind, ref, project_id, since in rows:
        project = found[project_id]
        if kind == "change":
            text = "调整申请待审核"
        elif kind == "reapproval":
            text = "调整须按原审批程序重新报批，待组织审查"
        elif kind == "extension":
            text = "延期验收申请待审核"
        elif kind == "expert_task":
            text = "专家评审意见待录入"
        elif kind == "analysis":
            text = findings.get(ref, "重复建设与拆分分析结论待认定")
        elif kind == "own_task":
            task = own_tasks.get(ref)
            text = f"本单位待出具{task.aspect}（期限 {task.due_date.isoformat()}）" if task else "本单位待出具审查意见"
        else:
            text = AWAITING_LABELS.get(project.awaiting) or INBOX_LABELS.get(project.state) \
                or "审查意见已全部出具，待作出审批决定"
        item = {"kind": kind, "project": project, "text": text, "since": since}
        if kind == "analysis":
            item["finding"] = ref
        if kind == "own_task":
            item["task"] = ref
        items.append(item)
    return items


def lead_office_inbox_count(user: AnyUser | None) -> int:
    """How many rows the lead office's 待办 holds (the menu badge); counted in the database."""
    return lead_office_inbox_rows(user).count()


def lead_office_inbox(user: AnyUser | None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """What waits on the lead office in the user's jurisdictions, oldest first (the first `limit`)."""
    rows = lead_office_inbox_rows(user)
    return inbox_items(list(rows[:limit] if limit is not None else rows))


def _who(project: Project, stage: str, route: str | None, default: str) -> dict[str, Any]:
    """Role, unit names and citations of whoever the pack says takes the step (else `default`)."""
    from govit.projects.authority import ROLE_DECIDERS, decider_citations, decider_names, deciders

    entries = deciders(project.pack_id, stage, route)
    if not entries:
        return {"role": default}
    first = entries[0]["by"]
    role = ROLE_DECIDERS.get(first) or (Role.LEAD_OFFICE if first == "data_bureau" else Role.MEMBER_REVIEWER)
    who: dict[str, Any] = {"role": role, "by": [e["by"] for e in entries],
                           "basis": decider_citations(project.pack_id, entries)}
    if first not in ROLE_DECIDERS:
        who["unit"] = decider_names(project, entries)
    return who


def project_next_steps(project: Project, user: AnyUser | None = None, *,
                       result: dict[str, Any] | None = None) -> dict[str, Any]:
    """What is needed next, by whom, from the pack: only steps the pack has, each for the body that takes
    it (`decided_by`), with missing documents, open tasks and deadlines."""
    from govit.reviews.models import OpinionTask, TaskStatus

    result = result or project_evaluation(project)
    have = uploaded_codes(project)
    steps: list[dict[str, Any]] = []
    state, pack = project.state, project.pack_id
    sequence = lifecycle.main_sequence(pack)
    route, _ = determination(result, "review_route")
    dates = project.facts.get("dates") or {}

    def step(action: str, label: str, role: str, **extra: Any) -> None:
        steps.append({"action": action, "label": label, "role": role, **extra})

    def decide(action: str, label: str, stage: str, *, route_of: str | None = None, **extra: Any) -> None:
        who = _who(project, stage, route_of, Role.LEAD_OFFICE)
        step(action, label, who.pop("role"), **who, **extra)

    def after_review(label_stage: str) -> None:
        """The step after a review stage: the approval (by route), the plan, or the routing."""
        following = lifecycle.successor(pack, state)
        if following == S.PLANNED:
            step("plan_item_add", "列入年度建设计划", Role.LEAD_OFFICE)
        elif following == S.UNDER_REVIEW and route == "exempt":
            decide("approval_exempt", "办理免于审批", S.APPROVED, route_of="exempt")
        elif following == S.UNDER_REVIEW and route == "filing":
            decide("filing_record", "办理备案", S.APPROVED, route_of="filing")
        elif following == S.UNDER_REVIEW:
            decide("review_route", "组织审查（按政策包派发审查意见任务）", S.UNDER_REVIEW)
        elif following == S.APPROVED:
            missing, cites = _approval_missing(result, have)
            decide("approval_decide", f"作出审批决定（{label_stage}）", S.APPROVED, route_of=route,
                   missing=missing, citations=cites)
        elif following == S.IN_LIBRARY:
            decide("preliminary_review_decide", "作出初审结论（退回、不予立项或入库）", S.IN_LIBRARY)

    open_tasks = list(OpinionTask.objects.filter(project=project, status=TaskStatus.OPEN).select_related("unit"))
    for task in open_tasks:
        step("opinion_submit", f"出具{task.aspect}", Role.MEMBER_REVIEWER if task.unit else Role.LEAD_OFFICE,
             unit=task.unit.name if task.unit else "评审专家", due=task.due_date.isoformat())

    pending_changes = list(ChangeRequest.objects.filter(project=project, status__in=OPEN_CHANGE_STATUSES))
    if state in (S.DRAFT, S.RETURNED):
        docs, cites = application_checklist(project)
        step("submit", "上传申报材料并提交申报", Role.APPLICANT,
             missing=[d for d in docs if d not in have], citations=cites)
    elif open_tasks:
        pass  # the opinions come first
    elif state == S.SUBMITTED:
        if S.PRELIMINARY_REVIEW in sequence:
            decide("preliminary_review_start", "受理并开展初审", S.PRELIMINARY_REVIEW)
        else:
            after_review("")
        step("withdraw", "撤回申报（尚未受理时）", Role.APPLICANT)
    elif state == S.PRELIMINARY_REVIEW:
        after_review("初审")
    elif state == S.IN_LIBRARY:
        step("plan_item_add", "列入年度建设计划", Role.LEAD_OFFICE)
    elif state == S.PLANNED:
        after_review("")
    elif state == S.UNDER_REVIEW and project.state_before_reapproval:
        decide("approval_decide", "对调整作出重新审批决定", S.APPROVED, route_of=route)
    elif state == S.UNDER_REVIEW:
        after_review("审查意见已出具")
    elif state in (S.APPROVED, S.FILED):
        if lifecycle.successor(pack, state) == S.FILED:
            decide("filing_record", lifecycle.stage_label(pack, S.FILED), S.FILED)
        else:
            step("procurement_start", "启动招标采购", Role.APPLICANT)
    elif state == S.PROCUREMENT:
        step("construction_start", "签订合同、开工建设", Role.APPLICANT, **_supervision_missing(project, result, have))
    elif state in (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE) and project.awaiting == "pre_acceptance":
        decide("pre_acceptance_decide", "作出预验收（前置审核）结论", S.PRE_ACCEPTANCE)
    elif project.awaiting == "acceptance":
        decide("acceptance_decide", "组织竣工验收、作出验收结论", S.ACCEPTED)
    elif state == S.CONSTRUCTION and not dates.get("completed"):
        step("completion_report", "报告建成" + ("、进入试运行" if S.TRIAL_RUN in sequence else ""), Role.APPLICANT)
    elif state in (S.CONSTRUCTION, S.TRIAL_RUN) and S.PRE_ACCEPTANCE in sequence:
        entry = lifecycle.checklist(pack, "pre_acceptance") or {}
        step("pre_acceptance_request", "申请预验收（前置审核）", Role.APPLICANT,
             missing=[d for d in entry.get("documents", []) if d not in have],
             citations=lifecycle.stage_citations(pack, S.PRE_ACCEPTANCE))
    elif state in (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE):
        docs, cites = determination(result, "acceptance_documents")
        step("acceptance_request", "准备验收材料、申请竣工验收", Role.APPLICANT,
             missing=[d for d in docs or [] if d not in have], citations=cites)
    elif state == S.ACCEPTED:
        step("go_live_record", "投入运行", Role.APPLICANT)
    elif state == S.IN_OPERATION:
        step("self_evaluation_submit", "开展自评价", Role.APPLICANT)
    elif state == S.EVALUATED and not project.evaluations.filter(kind="post").exists():
        step("post_evaluation_record", "录入后评价（可委托第三方）", Role.LEAD_OFFICE)
    for change in pending_changes:
        if change.status == "reapproval" and state != S.UNDER_REVIEW:
            decide("review_route", "调整须按原审批程序重新报批：组织审查", S.UNDER_REVIEW, citations=change.citations)
        elif change.status == "pending":
            step("change_request_decide", "审核调整申请", Role.LEAD_OFFICE, citations=change.citations)
    if project.acceptance_extensions.filter(status="pending").exists():
        step("acceptance_extension_decide", "审核延期验收申请", Role.LEAD_OFFICE)
    deadlines, _ = determination(result, "deadlines")
    return {
        "state": state,
        "state_label": S(state).label,
        "verdict": result["verdict"],
        "steps": steps,
        "deadlines": deadlines or [],
    }


def _approval_missing(result: dict[str, Any], have: set[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Approval documents not uploaded, with their articles; where the pack allows 合并编报 (通州 第十一条),
    the shorter merged set."""
    docs, cites = determination(result, "approval_documents")
    missing = [d for d in docs or [] if d not in have]
    may_merge, _ = determination(result, "documents_may_merge")
    merged, merged_cites = determination(result, "merged_documents")
    if may_merge and merged:
        merged_missing = [d for d in merged if d not in have]
        if len(merged_missing) < len(missing):
            return merged_missing, merged_cites
    return missing, cites


def _supervision_missing(project: Project, result: dict[str, Any], have: set[str]) -> dict[str, Any]:
    """What the pack's 监理 rule still needs before construction (通州 第二十五条, 昆都仑 第十九条)."""
    value, _ = determination(result, "supervision")
    rule = (policy.load_pack(project.pack_id).data.get("supervision_requirements") or {}).get(value or "") or {}
    if not rule:
        return {}
    missing = [d for d in rule.get("documents", []) if d not in have]
    if rule.get("request_to") and not project.events.filter(kind="supervision.unified_request").exists():
        missing.append("supervision_unified_service")
    return {"missing": missing, "citations": lifecycle.checklist_citations(project.pack_id, rule)}


def approved_estimate(project: Project) -> float | None:
    """批复概算: recorded by the platform at approval, the denominator of every change ratio."""
    if project.approved_estimate_wan is not None:
        return float(project.approved_estimate_wan)
    return None


SYSTEM_CHANGE_FACTS = ("approved_total_wan", "prior_increase_wan", "prior_decrease_wan", "prior_new_content_wan",
                       "prior_procurement_savings_wan")


def counted_changes(project: Project) -> QuerySet[ChangeRequest]:
    """Adjustments that stand since the latest (re-)approval: counted together where the pack accumulates."""
    from govit.projects.models import COUNTED_CHANGE_STATUSES, ChangeRoute

    changes = ChangeRequest.objects.filter(project=project, status__in=COUNTED_CHANGE_STATUSES)
    reset = changes.filter(route=ChangeRoute.FULL_REAPPROVAL).order_by("-pk").first()
    if reset is not None:
        changes = changes.filter(pk__gt=reset.pk)
    return changes.exclude(route=ChangeRoute.FULL_REAPPROVAL)


def change_rules(pack_id: str) -> dict[str, Any]:
    return policy.load_pack(pack_id).data.get("change_rules") or {}


def change_facts(project: Project, change: dict[str, Any]) -> dict[str, Any]:
    """The contract's `change` facts of a proposed adjustment, measured as the pack says.

    The approved estimate and the earlier adjustments come from the platform's records: a caller that
    sends another denominator (or earlier totals) is refused with policy.FactsError naming the field.
    """
    proposed = dict(change or {})
    estimate = approved_estimate(project)
    given = proposed.pop("approved_total_wan", None)
    if given is not None and (estimate is None or abs(float(given) - estimate) > 0.005):
        raise policy.FactsError([
            f"字段 change.approved_total_wan：批复概算由系统在立项批复时记录"
            f"（{estimate if estimate is not None else '尚未批复'} 万元），不能在调整申请中填写。"
        ], [("change.approved_total_wan", "批复概算由系统记录，不能填写")])
    for name in SYSTEM_CHANGE_FACTS[1:]:
        if proposed.pop(name, None) is not None:
            raise policy.FactsError(
                [f"字段 change.{name}：此前各次调整的合计由系统按已备案或已同意的调整计算，不能填写。"],
                [(f"change.{name}", "由系统计算，不能填写")])
    if estimate is not None:
        proposed["approved_total_wan"] = estimate
    if change_rules(project.pack_id).get("accumulation") == "cumulative":
        totals = {"increase_wan": 0.0, "decrease_wan": 0.0, "new_content_wan": 0.0, "procurement_savings_wan": 0.0}
        for earlier in counted_changes(project):
            for key in totals:
                totals[key] += float(earlier.change.get(key) or 0)
        for key, value in totals.items():
            if value:
                proposed[f"prior_{key}"] = round(value, 2)
    parsed = policy.parse_input({"project": {"change": proposed}})
    return parsed.project.model_dump(mode="json", exclude_unset=True, exclude_none=True)["change"]


def change_preview(project: Project, change: dict[str, Any]) -> dict[str, Any]:
    """What the pack says of a proposed change before it is requested: ratio, route and articles.

    Raises `policy.FactsError` on malformed change facts. `route` is None where the pack is silent
    (the service then sends the request to the lead office).
    """
    clean = change_facts(project, change)
    result = project_evaluation(project, extra_facts={"change": clean})
    route, cites = determination(result, "change_route")
    ratio, ratio_cites = determination(result, "change_ratio")
    return {"route": route, "ratio": ratio, "citations": cites or ratio_cites, "change": clean,
            "estimate": approved_estimate(project)}
