"""Review routing (the pack's review bodies → opinion tasks, stage by stage, phase by phase) and opinions.

A pack stage may list `opinions`: phases of bodies asked at that stage (通州 第七条 初审 with 财政、审计、
行政审批、保密 and experts; 巴中 第二十条 the departments' written opinions before the 审委会 of 第五条).
The first phase opens when the project enters the stage; each next one when the phase before is
answered without a disagreement. A body is asked only where the pack's `review_bodies` names it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govit import policy
from govit.core.models import Unit, User
from govit.projects import lifecycle
from govit.projects.authority import BODY_UNIT_KINDS, stage_spec
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import CHANGE_STATES, Project, ProjectState
from govit.projects.selectors import determination, project_evaluation, users_of_unit
from govit.projects.services.common import (
    lead_office_users,
    lock_project,
    refuse_if_blocked,
    require_decider,
    transition,
)
from govit.projects.services.common import record_event as project_record_event
from govit.reviews.models import Opinion, OpinionTask, ReviewBody, TaskStatus
from govit.reviews.selectors import opinion_tasks_for

S = ProjectState
B = ReviewBody
__all__ = ["BODY_UNIT_KINDS", "open_stage_tasks", "opinion_submit", "require_stage_opinions", "review_route"]

# The aspect each body reviews, unless the pack names it (巴中 第二十条 lists the opinions).
ASPECTS = {
    B.DATA_BUREAU: "政务数据共享与集约化建设审核意见",
    B.NETSEC: "网络安全审查意见",
    B.SECRECY_CRYPTO: "国产信创产品与密码应用审查意见",
    B.FINANCE: "项目资金审核意见",
    B.POLICE: "网络安全等级保护审查意见",
    B.DEVELOPMENT_REFORM: "立项与投资审核意见",
    B.APPROVAL_BUREAU: "项目审批意见",
    B.ECONOMY_IT: "信息化与产业发展意见",
    B.AUDIT: "审计监督意见",
    B.ARCHIVES: "电子文件与档案管理意见",
    B.GOVERNMENT: "政府审定意见",
    B.EXPERTS: "专家评审意见",
}
ROUTED = ("approval", "joint_review", "department_opinions")


def opinion_due_days() -> int:
    # 10 working days, counted as 14 calendar days until a holiday calendar exists.
    return int(getattr(settings, "GOVIT_OPINION_DUE_DAYS", 14))


def _pack_aspects(pack_id: str) -> dict[str, str]:
    for entry in (lifecycle.load_pack(pack_id).data.get("checklists") or {}).values():
        if isinstance(entry, dict) and isinstance(entry.get("opinions"), dict):
            return dict(entry["opinions"])
    return {}


def _unit_for(project: Project, body: str) -> Unit | None:
    for kind in BODY_UNIT_KINDS.get(body, ()):
        unit = Unit.objects.filter(jurisdiction=project.jurisdiction, kind=kind).order_by("pk").first()
        if unit is not None:
            return unit
    return None


def stage_phases(project: Project, stage: str, result: dict[str, Any]) -> list[tuple[list[str], list[dict]]]:
    """The bodies asked at `stage`, phase by phase, with the citations of each phase."""
    named, named_cites = determination(result, "review_bodies")
    spec = stage_spec(project.pack_id, stage) or {}
    if "opinions" not in spec:
        return [(list(named or []), named_cites)] if stage == S.UNDER_REVIEW else []
    phases = []
    for phase in spec["opinions"]:
        bodies = [b for b in phase["bodies"] if named is None or b in named]
        phases.append((bodies, lifecycle.checklist_citations(project.pack_id, phase)))
    return phases


def _create_phase(project: Project, *, round_no: int, stage: str, phase_no: int, bodies: list[str],
                  due: date) -> tuple[list[OpinionTask], list[str]]:
    aspects = _pack_aspects(project.pack_id)
    created, notes = [], []
    for body in bodies:
        if body == B.INDUSTRY:
            notes.append("行业主管部门意见由建设单位随申报材料提供")
            continue
        unit = None if body == B.EXPERTS else _unit_for(project, body)
        if body != B.EXPERTS and unit is None:
            notes.append(f"本级未设{B(body).label}，未派发")
            continue
        created.append(OpinionTask.objects.create(
            project=project, round=round_no, stage=stage, phase=phase_no, body=body, unit=unit,
            aspect=aspects.get(body) or ASPECTS[body], due_date=due,
        ))
    return created, notes


def _notify_units(project: Project, tasks: list[OpinionTask], due: date) -> None:
    from govit.notifications.services import notify

    users = [u for task in tasks if task.unit for u in users_of_unit(task.unit)]
    if users:
        notify(users=users, project=project, text=f"【{project.name}】请于 {due.isoformat()} 前出具审查意见。")


def open_stage_tasks(*, project: Project, actor: User, stage: str, result: dict[str, Any],
                     due_days: int | None = None, source_ip: str | None = None) -> dict[str, Any]:
    """Open the first phase of the stage's opinion tasks (a new round). Returns what was opened."""
    due = timezone.localdate() + timedelta(days=due_days or opinion_due_days())
    round_no = (OpinionTask.objects.filter(project=project).aggregate(r=Max("round"))["r"] or 0) + 1
    created: list[OpinionTask] = []
    notes: list[str] = []
    cites: list[dict[str, Any]] = []
    for index, (bodies, phase_cites) in enumerate(stage_phases(project, stage, result), start=1):
        created, phase_notes = _create_phase(project, round_no=round_no, stage=stage, phase_no=index,
                                             bodies=bodies, due=due)
        notes += phase_notes
        if created:
            cites = phase_cites
            break
    _notify_units(project, created, due)
    return {"tasks": created, "notes": notes, "due": due, "citations": cites, "round": round_no}


def _stage_tasks(project: Project, stage: str) -> list[OpinionTask]:
    latest = OpinionTask.objects.filter(project=project, stage=stage).aggregate(r=Max("round"))["r"]
    if latest is None:
        return []
    return list(OpinionTask.objects.filter(project=project, stage=stage, round=latest).select_related("unit"))


def _names(tasks: list[OpinionTask]) -> str:
    return "、".join(t.unit.name if t.unit else t.get_body_display() for t in tasks)


def require_stage_opinions(project: Project, stage: str, action: str) -> None:
    """Every opinion task of the stage's latest round answered, none against."""
    tasks = [t for t in _stage_tasks(project, stage) if t.status != TaskStatus.CANCELLED]
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    cites = lifecycle.stage_citations(project.pack_id, stage)
    if open_tasks:
        raise TransitionRefused(f"尚有审查意见未出具：{_names(open_tasks)}，不能{action}"
                                f"（{lifecycle.cite_list(cites)}）。", citations=cites,
                                missing=[t.body for t in open_tasks], code="opinions_pending")
    refused = [t for t in tasks if t.opinion == Opinion.DISAGREE]
    if refused:
        raise TransitionRefused(f"{_names(refused)}出具了不同意意见，不能{action}；可退回修改或不予立项。",
                                citations=cites, missing=[t.body for t in refused], code="opinion_disagrees")


def open_next_phase(*, project: Project, task: OpinionTask, actor: User, source_ip: str | None = None) -> None:
    """When a phase is answered without a disagreement, open the next phase of the same stage and round."""
    same = list(OpinionTask.objects.filter(project=project, round=task.round, stage=task.stage))
    current = max(t.phase for t in same)
    in_phase = [t for t in same if t.phase == current and t.status != TaskStatus.CANCELLED]
    if any(t.status == TaskStatus.OPEN for t in in_phase) or any(t.opinion == Opinion.DISAGREE for t in in_phase):
        return
    phases = stage_phases(project, task.stage, project_evaluation(project))
    due = timezone.localdate() + timedelta(days=opinion_due_days())
    for index, (bodies, cites) in enumerate(phases, start=1):
        if index <= current:
            continue
        created, notes = _create_phase(project, round_no=task.round, stage=task.stage, phase_no=index,
                                       bodies=bodies, due=due)
        if created:
            _notify_units(project, created, due)
            project_record_event(
                project=project, actor=actor, kind="review.phase", from_state=project.state, citations=cites,
                reason="；".join(notes), source_ip=source_ip,
                details={"round": task.round, "stage": task.stage, "phase": index, "tasks": [t.body for t in created],
                         "due": due.isoformat()},
                recipients=lead_office_users(project), text=f"前一批审查意见已全部出具，已派发：{_names(created)}。",
            )
            return


@audit_refusals
def review_route(*, project: Project, actor: User, due_days: int | None = None,
                 source_ip: str | None = None) -> Project:
    """组织审查: the opinion tasks of the pack's review stage open; the project goes under review.

    An approved project with an adjustment the pack routes to full re-approval (`full_reapproval`) goes
    back to review the same way, measured with the adjusted total.
    """
    from govit.projects.services.changes import pending_reapproval, reapproval_facts

    with transaction.atomic():
        lock_project(project)
        require_decider(actor, project, S.UNDER_REVIEW, action="组织审查")
        if not lifecycle.stage_listed(project.pack_id, S.UNDER_REVIEW):
            raise TransitionRefused("本办法未设联审/评审环节。", code="stage_not_in_pack")
        change = pending_reapproval(project) if project.state in CHANGE_STATES else None
        if change is None and project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能组织审查。", code="wrong_state")
        result = project_evaluation(project, extra_facts=reapproval_facts(project, change) if change else None)
        route, route_cites = determination(result, "review_route")
        if route not in ROUTED:
            hint = {"exempt": "请办理“免于审批”", "filing": "请办理“备案”"}.get(route, "不需组织审查")
            raise TransitionRefused(
                f"依{lifecycle.cite_list(route_cites) or '本办法'}，本项目审查路径为“{route or '未确定'}”，{hint}。",
                citations=route_cites, code="route_not_reviewed",
            )
        if change is None:
            refuse_if_blocked(result, "组织审查")
            if project.state == S.PRELIMINARY_REVIEW:
                require_stage_opinions(project, S.PRELIMINARY_REVIEW, "组织审查")
        opened = open_stage_tasks(project=project, actor=actor, stage=S.UNDER_REVIEW, result=result,
                                  due_days=due_days, source_ip=source_ip)
        _bodies, body_cites = determination(result, "review_bodies")
        cites = route_cites + [c for c in body_cites + opened["citations"] if c not in route_cites]
        transition(
            project=project, actor=actor, move=project.to_change_review if change else project.to_under_review,
            kind="review.reapproval" if change else "review.route", result=result, citations=cites,
            reason="；".join(opened["notes"]),
            details={"route": route, "tasks": [t.body for t in opened["tasks"]], "due": opened["due"].isoformat(),
                     "round": opened["round"], **({"change_request": change.pk} if change else {})},
            source_ip=source_ip, recipients=[], text="",
        )
    return project


def _may_answer(actor: User, task: OpinionTask) -> bool:
    return opinion_tasks_for(actor).filter(pk=task.pk).exists()


def _drawn_panel_rule(project: Project) -> dict[str, Any] | None:
    panel = policy.load_pack(project.pack_id).data.get("expert_panel") or {}
    return panel if panel.get("drawn") else None


@audit_refusals
def opinion_submit(*, task: OpinionTask, actor: User, opinion: str, comments: str = "",
                   source_ip: str | None = None) -> OpinionTask:
    """A member unit signs its opinion (同意 / 有条件同意 / 不同意)."""
    if opinion not in Opinion.values:
        raise InvalidInput("意见应为 agree（同意）、conditional（有条件同意）或 disagree（不同意）。")
    if opinion != Opinion.AGREE and not comments.strip():
        raise InvalidInput("有条件同意或不同意时，请写明条件或理由。")
    project = task.project
    with transaction.atomic():
        lock_project(project)
        if not _may_answer(actor, task):
            raise PermissionDenied("只有承办单位可以出具该项审查意见。")
        task.refresh_from_db()
        if task.status != TaskStatus.OPEN:
            raise TransitionRefused("该审查意见已出具或已取消。", code="task_closed")
        if project.state != task.stage:
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能出具审查意见。", code="wrong_state")
        panel = _drawn_panel_rule(project)
        if task.body == B.EXPERTS and panel is not None:
            cites = lifecycle.checklist_citations(project.pack_id, panel)
            raise TransitionRefused(
                f"依{lifecycle.cite_list(cites)}，专家评审意见须由随机抽取的专家组评审并签名后自动出具，"
                "不能由牵头部门代为录入。请在“专家抽取”中抽取专家并开始评审。",
                citations=cites, code="experts_must_be_drawn",
            )
        task.status = TaskStatus.DONE
        task.opinion = opinion
        task.comments = comments
        task.signed_by = actor
        task.signed_at = timezone.now()
        task.save()
        details: dict[str, Any] = {"task": task.pk, "body": task.body, "opinion": opinion}
        project_record_event(
            project=project, actor=actor, kind="review.opinion", from_state=project.state, reason=comments,
            details=details, source_ip=source_ip, recipients=lead_office_users(project),
            text=f"{task.unit.name if task.unit else '专家组'}出具了{task.aspect}：{Opinion(opinion).label}。",
        )
        open_next_phase(project=project, task=task, actor=actor, source_ip=source_ip)
    return task
