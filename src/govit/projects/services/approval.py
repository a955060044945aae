"""立项: the approval decision, exemption (免于审批) and filing (备案)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit.core.models import User
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, TransitionRefused, audit_refusals
from govit.projects.models import (
    CHANGE_STATES,
    Project,
    ProjectYearAmount,
)
from govit.projects.selectors import (
    determination,
    project_evaluation,
    uploaded_codes,
)
from govit.projects.services import dates
from govit.projects.services.common import (
    DECISIONS_APPROVAL,
    S,
    applicant_users,
    lock_project,
    refuse_if_blocked,
    require_decider,
    require_documents,
    require_step,
    return_or_reject,
    set_date,
    transition,
    wrong_state,
)

# --- approval --------------------------------------------------------------------------------


def _approval_predecessor_ok(project: Project) -> bool:
    return project.state == lifecycle.predecessor(project.pack_id, S.APPROVED)


def approval_documents_check(project: Project, result: dict[str, Any]) -> None:
    docs, cites = determination(result, "approval_documents")
    if not docs:
        return
    may_merge, _ = determination(result, "documents_may_merge")
    merged, _ = determination(result, "merged_documents")
    have = uploaded_codes(project)
    if may_merge and merged and all(code in have for code in merged):
        return
    require_documents(project, docs, cites, "审批材料")


def _record_estimate(project: Project) -> None:
    """批复概算: the total investment the approval (exemption, filing) stands on, kept by the platform."""
    total = project.facts.get("total_investment_wan")
    project.approved_estimate_wan = None if total is None else Decimal(str(total)).quantize(Decimal("0.01"))


@audit_refusals
def approval_decide(
    *,
    project: Project,
    actor: User,
    decision: str,
    reason: str = "",
    document_no: str = "",
    citation: dict[str, Any] | None = None,
    approved_on: date | None = None,
    source_ip: str | None = None,
) -> Project:
    """审批决定 by the body the pack names (通州 第八条 行政审批局, 巴中 第六条 / 昌吉 第十四条（四） 发改委):
    approve (all opinions in, documents uploaded, 批复文号 given), return, or reject citing the article.
    A project under re-approval for an adjustment returns to where it stood."""
    from govit.projects.services.changes import reapproval_decide, reapproval_facts, reapproval_of
    from govit.reviews.services import require_stage_opinions

    if decision not in DECISIONS_APPROVAL:
        raise InvalidInput("审批决定应为 approve（批复）、return（退回）或 reject（不予立项）。")
    with transaction.atomic():
        lock_project(project)
        change = reapproval_of(project)
        result = project_evaluation(project, extra_facts=reapproval_facts(project, change) if change else None)
        route, route_cites = determination(result, "review_route")
        decider_cites = require_decider(actor, project, S.APPROVED, action="作出审批决定", route=route)
        if change is None and not _approval_predecessor_ok(project):
            raise wrong_state(project, "作出审批决定")
        cites = route_cites + [c for c in decider_cites if c not in route_cites]
        if decision != "approve":
            if change is not None:
                if not (reason or "").strip():
                    raise InvalidInput("请填写不批准该调整的理由。")
                return reapproval_decide(project=project, change=change, actor=actor, decision=decision,
                                         reason=reason, document_no="", citations=cites, source_ip=source_ip)
            return return_or_reject(project=project, actor=actor, decision=decision, reason=reason,
                                     citation=citation, kind="approval", source_ip=source_ip)
        if route == "exempt":
            raise TransitionRefused(
                f"本项目依{lifecycle.cite_list(route_cites)}免于审批，请办理“免于审批”。", citations=route_cites,
                code="route_exempt",
            )
        if route == "filing":
            raise TransitionRefused(
                f"本项目依{lifecycle.cite_list(route_cites)}实行备案，请办理“备案”。", citations=route_cites,
                code="route_filing",
            )
        if change is None:
            refuse_if_blocked(result, "批复立项")
        require_stage_opinions(project, S.UNDER_REVIEW, "批复")
        approval_documents_check(project, result)
        document_no = (document_no or "").strip()
        if not document_no:
            raise InvalidInput("字段 document_no：请填写批复文号（如 通审批〔2026〕12号）。")
        if change is not None:
            return reapproval_decide(project=project, change=change, actor=actor, decision=decision, reason=reason,
                                     document_no=document_no, citations=cites, source_ip=source_ip)
        set_date(project, "approved", dates.entered(project, "approved", approved_on, field="approved_on"))
        _record_estimate(project)
        for row in ProjectYearAmount.objects.filter(project=project):
            row.approved_wan = row.planned_wan
            row.save(update_fields=["approved_wan"])
        return transition(
            project=project, actor=actor, move=project.to_approved, kind="approval.approve", reason=reason,
            result=result, citations=cites,
            details={"document_no": document_no, "approved_estimate_wan": float(project.approved_estimate_wan or 0)},
            source_ip=source_ip, recipients=applicant_users(project), text=f"项目已批复立项（{document_no}）。",
        )


def _adjust_without_review(project: Project, actor: User, kind: str, cites: list[dict[str, Any]],
                           reason: str, source_ip: str | None) -> Project | None:
    """An adjustment to re-approve whose new total the pack exempts or files: recorded the same way."""
    from govit.projects.services.changes import _apply_change, pending_reapproval

    change = pending_reapproval(project) if project.state in CHANGE_STATES else None
    if change is None:
        return None
    _apply_change(project, change.change)
    _record_estimate(project)
    change.status, change.decided_by, change.decided_at = "approved", actor, timezone.now()
    change.decision_comment = reason
    change.save()
    return transition(project=project, actor=actor, move=None, kind=f"change.reapproval.{kind}", reason=reason,
                      citations=cites, details={"change_request": change.pk}, source_ip=source_ip,
                      recipients=applicant_users(project), text="调整已按规定办理，批复概算已更新。")


def _route_with_reapproval(project: Project) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    from govit.projects.services.changes import pending_reapproval, reapproval_facts

    change = pending_reapproval(project) if project.state in CHANGE_STATES else None
    result = project_evaluation(project, extra_facts=reapproval_facts(project, change) if change else None)
    route, cites = determination(result, "review_route")
    return result, route, cites


@audit_refusals
def approval_exempt(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    """免于审批 where the pack's route is `exempt` (e.g. 通州 第八条 50万及以下)."""
    with transaction.atomic():
        lock_project(project)
        result, route, cites = _route_with_reapproval(project)
        require_decider(actor, project, S.APPROVED, action="办理免于审批", route="exempt")
        if route != "exempt":
            raise TransitionRefused(f"本项目须按程序审批（{lifecycle.cite_list(cites)}），不能免于审批。",
                                    citations=cites, code="route_not_exempt")
        adjusted = _adjust_without_review(project, actor, "exempt", cites, reason, source_ip)
        if adjusted is not None:
            return adjusted
        if project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
            raise wrong_state(project, "办理免于审批")
        refuse_if_blocked(result, "免于审批")
        set_date(project, "approved", timezone.localdate())
        _record_estimate(project)
        return transition(
            project=project, actor=actor, move=project.to_approved, kind="approval.exempt", reason=reason,
            result=result, citations=cites, source_ip=source_ip, recipients=applicant_users(project),
            text=f"项目依{lifecycle.cite_list(cites)}免于审批，可以实施。",
        )


@audit_refusals
def filing_record(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    """备案: the pack's `filing` route instead of approval, or the 报备 after approval (昌吉 第十八条)."""
    with transaction.atomic():
        lock_project(project)
        result, route, cites = _route_with_reapproval(project)
        after_approval = S.FILED in lifecycle.main_sequence(project.pack_id)
        if after_approval:
            require_decider(actor, project, S.FILED, action="办理备案")
            require_step(project, S.FILED, "备案")
            cites = lifecycle.stage_citations(project.pack_id, S.FILED)
        else:
            require_decider(actor, project, S.APPROVED, action="办理备案", route="filing")
            if route != "filing":
                raise TransitionRefused(f"本项目须按程序审批（{lifecycle.cite_list(cites)}），不适用备案。",
                                        citations=cites, code="route_not_filing")
            adjusted = _adjust_without_review(project, actor, "filing", cites, reason, source_ip)
            if adjusted is not None:
                return adjusted
            if project.state != lifecycle.predecessor(project.pack_id, S.UNDER_REVIEW):
                raise wrong_state(project, "备案")
            refuse_if_blocked(result, "备案")
            set_date(project, "approved", timezone.localdate())
            _record_estimate(project)
        return transition(
            project=project, actor=actor, move=project.to_filed, kind="filing", reason=reason, result=result,
            citations=cites, source_ip=source_ip, recipients=applicant_users(project), text="项目已备案。",
        )
