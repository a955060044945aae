"""Review routing (the pack's review bodies → opinion tasks) and opinion recording."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govit.core.models import Unit, UnitKind, User
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import Project, ProjectState
from govit.projects.selectors import determination, project_evaluation, users_of_unit
from govit.projects.services import _lead_office, _lock, _refuse_if_blocked, _require_lead_office, _transition
from govit.projects.services import record_event as project_record_event
from govit.reviews.models import Opinion, OpinionTask, ReviewBody, TaskStatus
from govit.reviews.selectors import opinion_tasks_for

S = ProjectState
B = ReviewBody

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
BODY_UNIT_KINDS = {
    B.DATA_BUREAU: (UnitKind.DATA_BUREAU, UnitKind.LEAD_OFFICE),
    B.NETSEC: (UnitKind.NETSEC,),
    B.SECRECY_CRYPTO: (UnitKind.SECRECY_CRYPTO,),
    B.FINANCE: (UnitKind.FINANCE,),
    B.POLICE: (UnitKind.POLICE,),
    B.DEVELOPMENT_REFORM: (UnitKind.DEVELOPMENT_REFORM,),
    B.APPROVAL_BUREAU: (UnitKind.APPROVAL_BUREAU,),
    B.ECONOMY_IT: (UnitKind.ECONOMY_IT,),
    B.AUDIT: (UnitKind.AUDIT,),
    B.ARCHIVES: (UnitKind.ARCHIVES,),
    B.GOVERNMENT: (UnitKind.GOVERNMENT,),
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


@audit_refusals
def review_route(*, project: Project, actor: User, due_days: int | None = None,
                 source_ip: str | None = None) -> Project:
    """组织审查: one opinion task per review body the pack names; the project goes under review."""
    with transaction.atomic():
        _lock(project)
        _require_lead_office(actor, project)
        if not lifecycle.stage_listed(project.pack_id, S.UNDER_REVIEW):
            raise TransitionRefused("本办法未设联审/评审环节。")
        if project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能组织审查。")
        result = project_evaluation(project)
        route, route_cites = determination(result, "review_route")
        if route not in ROUTED:
            hint = {"exempt": "请办理“免于审批”", "filing": "请办理“备案”"}.get(route, "不需组织审查")
            raise TransitionRefused(
                f"依{lifecycle.cite_list(route_cites) or '本办法'}，本项目审查路径为“{route or '未确定'}”，{hint}。",
                citations=route_cites,
            )
        _refuse_if_blocked(result, "组织审查")
        bodies, body_cites = determination(result, "review_bodies")
        aspects = _pack_aspects(project.pack_id)
        due = timezone.localdate() + timedelta(days=due_days or opinion_due_days())
        next_round = (OpinionTask.objects.filter(project=project).aggregate(r=Max("round"))["r"] or 0) + 1
        created, notes = [], []
        for body in bodies or []:
            if body == B.INDUSTRY:
                notes.append("行业主管部门意见由建设单位随申报材料提供")
                continue
            unit = None if body == B.EXPERTS else _unit_for(project, body)
            if body != B.EXPERTS and unit is None:
                notes.append(f"本级未设{B(body).label}，未派发")
                continue
            created.append(OpinionTask.objects.create(
                project=project, round=next_round, body=body, unit=unit,
                aspect=aspects.get(body) or ASPECTS[body], due_date=due,
            ))
        recipients = [u for task in created if task.unit for u in users_of_unit(task.unit)]
        _transition(
            project=project, actor=actor, move=project.to_under_review, kind="review.route", result=result,
            citations=route_cites + [c for c in body_cites if c not in route_cites], reason="；".join(notes),
            details={"route": route, "tasks": [t.body for t in created], "due": due.isoformat()},
            source_ip=source_ip, recipients=recipients, text=f"请于 {due.isoformat()} 前出具审查意见。",
        )
    return project


def _may_answer(actor: User, task: OpinionTask) -> bool:
    return opinion_tasks_for(actor).filter(pk=task.pk).exists()


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
        _lock(project)
        if not _may_answer(actor, task):
            raise PermissionDenied("只有承办单位可以出具该项审查意见。")
        task.refresh_from_db()
        if task.status != TaskStatus.OPEN:
            raise TransitionRefused("该审查意见已出具或已取消。")
        if project.state not in (S.UNDER_REVIEW,):
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能出具审查意见。")
        task.status = TaskStatus.DONE
        task.opinion = opinion
        task.comments = comments
        task.signed_by = actor
        task.signed_at = timezone.now()
        task.save()
        details: dict[str, Any] = {"task": task.pk, "body": task.body, "opinion": opinion}
        project_record_event(
            project=project, actor=actor, kind="review.opinion", from_state=project.state, reason=comments,
            details=details, source_ip=source_ip, recipients=_lead_office(project),
            text=f"{task.unit.name if task.unit else '专家组'}出具了{task.aspect}：{Opinion(opinion).label}。",
        )
    return task
