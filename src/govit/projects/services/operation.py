"""运维与评价: go-live, O&M records, self-evaluation and post-evaluation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.models import User
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, TransitionRefused, audit_refusals
from govit.projects.models import (
    Evaluation,
    EvaluationKind,
    OperationRecord,
    Project,
)
from govit.projects.selectors import (
    project_evaluation,
)
from govit.projects.services import dates
from govit.projects.services.common import (
    S,
    applicant_users,
    deadline_of,
    lead_office_users,
    lock_project,
    record_event,
    require_applicant,
    require_lead_office,
    require_step,
    set_date,
    transition,
    wrong_state,
)


@audit_refusals
def go_live_record(*, project: Project, actor: User, go_live_on: date | None = None,
                   source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        require_step(project, S.IN_OPERATION, "投入运行")
        set_date(project, "go_live", dates.entered(project, "go_live", go_live_on, field="on"))
        result = project_evaluation(project)
        return transition(project=project, actor=actor, move=project.to_in_operation, kind="go_live",
                           result=result, citations=lifecycle.stage_citations(project.pack_id, S.IN_OPERATION),
                           source_ip=source_ip, recipients=lead_office_users(project), text="项目已投入运行。")


@audit_refusals
def operation_record_create(*, project: Project, actor: User, period: str, content: str,
                            cost_wan: Decimal | float = 0, incidents: str = "",
                            source_ip: str | None = None) -> OperationRecord:
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state not in (S.IN_OPERATION, S.EVALUATED):
            raise wrong_state(project, "记录运维情况")
        if not content.strip() or not period.strip():
            raise InvalidInput("请填写运维期间和运维内容。")
        record = OperationRecord.objects.create(project=project, period=period.strip()[:20], content=content,
                                                cost_wan=Decimal(str(cost_wan)), incidents=incidents,
                                                recorded_by=actor)
        record_event(project=project, actor=actor, kind="operation.record", from_state=project.state,
                     source_ip=source_ip, details={"period": record.period, "cost_wan": str(record.cost_wan)})
    return record


def self_evaluation_window(project: Project, result: dict[str, Any]) -> tuple[dict[str, Any] | None,
                                                                           list[dict[str, Any]]]:
    """The pack's self-evaluation window for the project (通州 第三十三条 6–12 个月 …) and its citations."""
    rule = policy.load_pack(project.pack_id).data.get("self_evaluation") or {}
    window = deadline_of(result, rule.get("window") or "self_evaluation_window")
    cites = lifecycle.checklist_citations(project.pack_id, rule) if rule else []
    if window and not cites:
        cites = [{"pack": project.pack_id, **{k: v for k, v in window["citation"].items() if k != "pack"}}]
    return window, cites


@audit_refusals
def self_evaluation_submit(*, project: Project, actor: User, summary: str, goals_met: bool | None = None,
                           score: Decimal | float | None = None, late_reason: str = "",
                           source_ip: str | None = None) -> Evaluation:
    """自评价 inside the pack's window: refused before it opens; once it has closed, accepted as a late
    filing (recorded as such on the timeline, which supervision already counts as overdue)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        require_step(project, S.EVALUATED, "提交自评价")
        if not summary.strip():
            raise InvalidInput("请填写自评价结论。")
        result = project_evaluation(project)
        window, cites = self_evaluation_window(project, result)
        today = timezone.localdate()
        late = False
        if window and window.get("from"):
            opens, closes = date.fromisoformat(window["from"]), date.fromisoformat(window["until"])
            if today < opens:
                raise TransitionRefused(
                    f"自评价应在通过验收并投入运行后规定的期限内开展，本项目的自评价期为 {window['from']} 至 "
                    f"{window['until']}，尚未开始，现在不能提交（{lifecycle.cite_list(cites)}）。",
                    citations=cites, code="window_not_open",
                )
            late = today > closes
        evaluation = Evaluation.objects.create(project=project, kind=EvaluationKind.SELF, summary=summary,
                                               goals_met=goals_met,
                                               score=None if score is None else Decimal(str(score)),
                                               submitted_by=actor)
        text = "建设单位提交了自评价报告。"
        if late:
            text = f"建设单位逾期提交了自评价报告（自评价期截至 {window['until']}）。"
        transition(project=project, actor=actor, move=project.to_evaluated, kind="self_evaluation",
                    result=result, citations=cites or lifecycle.stage_citations(project.pack_id, S.EVALUATED),
                    reason=late_reason if late else "", details={"window": window, "late": late},
                    source_ip=source_ip, recipients=lead_office_users(project), text=text)
    return evaluation


@audit_refusals
def post_evaluation_record(*, project: Project, actor: User, summary: str, goals_met: bool | None = None,
                           score: Decimal | float | None = None, source_ip: str | None = None) -> Evaluation:
    with transaction.atomic():
        lock_project(project)
        require_lead_office(actor, project)
        if project.state != S.EVALUATED:
            raise wrong_state(project, "录入后评价")
        if not summary.strip():
            raise InvalidInput("请填写后评价结论。")
        evaluation = Evaluation.objects.create(project=project, kind=EvaluationKind.POST, summary=summary,
                                               goals_met=goals_met,
                                               score=None if score is None else Decimal(str(score)),
                                               submitted_by=actor)
        record_event(project=project, actor=actor, kind="post_evaluation", from_state=project.state,
                     citations=lifecycle.stage_citations(project.pack_id, S.EVALUATED), source_ip=source_ip,
                     recipients=applicant_users(project), text="领导小组办公室录入了后评价结论。")
    return evaluation


