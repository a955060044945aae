"""变更: adjustments measured against the approved estimate the platform recorded, routed by the pack.

The denominator is the project's 批复概算 (`Project.approved_estimate_wan`, set at approval): a client
cannot send another one, and an approved adjustment does not move it. Where the pack's `change_rules`
accumulate (昆都仑 第二十一条, 通州 第二十九条), the adjustments that stand since the approval count with
the new one. `self_adjust_and_file` is recorded and filed at once; `apply_then_file` waits for the lead
office; `full_reapproval` opens the re-approval path: the lead office sends the project back to review
(`review_route`), the pack's approving body decides (`approval_decide`), and the project returns to
where it stood, with a new approved estimate when approved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.models import User
from govit.notifications.services import notify
from govit.projects import lifecycle
from govit.projects.authority import BODY_UNIT_KINDS, ROLE_DECIDERS
from govit.projects.errors import InvalidInput, TransitionRefused, audit_refusals
from govit.projects.models import (
    CHANGE_STATES,
    OPEN_CHANGE_STATUSES,
    ChangeRequest,
    ChangeRoute,
    ChangeStatus,
    Project,
)
from govit.projects.selectors import (
    approved_estimate,
    change_facts,
    change_rules,
    determination,
    project_evaluation,
    users_with_role,
)
from govit.projects.services.common import (
    S,
    applicant_users,
    lead_office_users,
    lock_project,
    record_event,
    require_applicant,
    require_lead_office,
    set_fact,
    wrong_state,
)

CENT = Decimal("0.01")
__all__ = ["CHANGE_STATES", "change_request_create", "change_request_decide", "pending_reapproval",
           "reapproval_decide", "reapproval_facts"]


def new_total(project: Project, change: dict[str, Any]) -> float:
    total = float(project.facts.get("total_investment_wan") or approved_estimate(project) or 0)
    return round(total + float(change.get("increase_wan") or 0) - float(change.get("decrease_wan") or 0), 2)


def _apply_change(project: Project, change: dict[str, Any]) -> None:
    set_fact(project, "total_investment_wan", new_total(project, change))


def pending_reapproval(project: Project) -> ChangeRequest | None:
    return ChangeRequest.objects.filter(project=project, status=ChangeStatus.REAPPROVAL).order_by("-pk").first()


def reapproval_facts(project: Project, change: ChangeRequest) -> dict[str, Any]:
    """The project's facts as the re-approval measures them: the adjusted total."""
    return {"total_investment_wan": new_total(project, change.change)}


def _route_rule(project: Project, route: str) -> dict[str, Any]:
    return (change_rules(project.pack_id).get("routes") or {}).get(route) or {}


def _filing_recipients(project: Project, route: str) -> tuple[list[User], list[str]]:
    """Who an adjustment is filed with (昆都仑 第二十一条 区政数局, 通州 第二十九条 区行政审批局)."""
    from govit.core.models import Role, Unit

    users: list[User] = []
    names: list[str] = []
    for by in _route_rule(project, route).get("file_with", []):
        if by in ROLE_DECIDERS:
            users += users_with_role(ROLE_DECIDERS[by], jurisdiction_id=project.jurisdiction_id)
            continue
        for unit in Unit.objects.filter(jurisdiction_id=project.jurisdiction_id, kind__in=BODY_UNIT_KINDS.get(by, ())):
            names.append(unit.name)
            for role in (Role.MEMBER_REVIEWER, Role.LEAD_OFFICE):
                users += users_with_role(role, jurisdiction_id=project.jurisdiction_id, unit_id=unit.pk)
            if by == "data_bureau":
                break
    return users, names


def _file(project: Project, request: ChangeRequest, actor: User, source_ip: str | None) -> None:
    """备案: record the filing the pack requires and tell the body it is filed with."""
    rule = _route_rule(project, request.route)
    users, names = _filing_recipients(project, request.route)
    if not rule.get("file_with"):
        return
    cites = lifecycle.checklist_citations(project.pack_id, rule) if rule.get("citation") else request.citations
    record_event(project=project, actor=actor, kind="change.filed", from_state=project.state, citations=cites,
                 source_ip=source_ip, details={"change_request": request.pk, "filed_with": names},
                 recipients=users, text=f"调整已报{('、'.join(names) or '有关部门')}备案：{request.description}")


@audit_refusals
def change_request_create(*, project: Project, actor: User, change: dict[str, Any], description: str,
                          source_ip: str | None = None) -> ChangeRequest:
    """调整申请: measured against the approved estimate, routed by the pack."""
    if not (description or "").strip():
        raise InvalidInput("请说明调整的内容和理由。")
    if not isinstance(change, dict):
        raise InvalidInput("字段 change：应为对象（JSON 对象），如 {\"increase_wan\": 20, \"decrease_wan\": 20}。")
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state not in CHANGE_STATES:
            raise wrong_state(project, "申请调整")
        if ChangeRequest.objects.filter(project=project, status__in=OPEN_CHANGE_STATUSES).exists():
            raise TransitionRefused("已有一项调整申请正在审核或重新报批，请等待结果。", code="change_pending")
        try:
            clean = change_facts(project, change)
        except policy.FactsError as exc:
            raise InvalidInput("调整内容有误：" + "；".join(exc.errors)) from None
        if not any(clean.get(k) for k in ("increase_wan", "decrease_wan", "new_content_wan")):
            raise InvalidInput("请填写调增金额 increase_wan、调减金额 decrease_wan "
                               "或新增建设内容金额 new_content_wan。")
        result = project_evaluation(project, extra_facts={"change": clean})
        route, cites = determination(result, "change_route")
        ratio, ratio_cites = determination(result, "change_ratio")
        cites = cites or ratio_cites
        accumulation = change_rules(project.pack_id)
        for c in lifecycle.checklist_citations(project.pack_id, accumulation) if accumulation.get("citation") else []:
            if c not in cites:
                cites.append(c)
        if route is None:
            # The pack is silent on adjustments: the lead office decides.
            route = ChangeRoute.APPLY_THEN_FILE
        status = {ChangeRoute.SELF_ADJUST_AND_FILE: ChangeStatus.FILED,
                  ChangeRoute.FULL_REAPPROVAL: ChangeStatus.REAPPROVAL}.get(route, ChangeStatus.PENDING)
        own = {k: v for k, v in clean.items() if not k.startswith("prior_") and k != "approved_total_wan"}
        estimate = approved_estimate(project)
        request = ChangeRequest.objects.create(
            project=project, change=own, description=description, ratio=ratio, route=route, citations=cites,
            status=status, requested_by=actor,
            estimate_wan=None if estimate is None else Decimal(str(estimate)).quantize(CENT),
        )
        share = f"调整比例（按批复概算{'累计' if any(k.startswith('prior_') for k in clean) else ''}计算）为" \
                f"{ratio:.1%}，" if isinstance(ratio, int | float) else ""
        if status == ChangeStatus.FILED:
            _apply_change(project, own)
            text = f"建设单位依{lifecycle.cite_list(cites)}自行调整并报备：{description}"
        elif status == ChangeStatus.REAPPROVAL:
            text = (f"建设单位提出的调整{share}超出可自行或申请调整的范围，须按原审批程序重新报批"
                    f"（{lifecycle.cite_list(cites)}）。请组织审查。")
        else:
            text = "建设单位提交了调整申请，请审核。"
        record_event(project=project, actor=actor, kind="change.request", from_state=project.state,
                     reason=description, result=result, citations=cites, source_ip=source_ip,
                     details={"change_request": request.pk, "route": route, "ratio": ratio, "estimate_wan": estimate,
                              "measured": clean},
                     recipients=lead_office_users(project), text=text)
        if status == ChangeStatus.FILED:
            _file(project, request, actor, source_ip)
    return request


@audit_refusals
def change_request_decide(*, change_request: ChangeRequest, actor: User, decision: str, comment: str = "",
                          source_ip: str | None = None) -> ChangeRequest:
    """The lead office agrees to (or refuses) an adjustment the pack lets it decide (`apply_then_file`)."""
    if decision not in ("approve", "reject"):
        raise InvalidInput("审核结论应为 approve（同意）或 reject（不同意）。")
    project = change_request.project
    with transaction.atomic():
        lock_project(project)
        require_lead_office(actor, project)
        change_request.refresh_from_db()
        if change_request.status == ChangeStatus.REAPPROVAL:
            raise TransitionRefused(
                f"该调整须按原审批程序重新报批（{lifecycle.cite_list(change_request.citations)}），"
                "不能由领导小组办公室直接同意：请“组织审查”，由审批部门作出审批决定。",
                citations=change_request.citations, code="reapproval_required")
        if change_request.status != ChangeStatus.PENDING:
            raise TransitionRefused("该调整申请已处理。", code="change_decided")
        if decision == "reject" and not comment.strip():
            raise InvalidInput("请填写不同意的理由。")
        change_request.status = ChangeStatus.APPROVED if decision == "approve" else ChangeStatus.REJECTED
        change_request.decision_comment = comment
        change_request.decided_by = actor
        change_request.decided_at = timezone.now()
        change_request.save()
        if decision == "approve":
            _apply_change(project, change_request.change)
        record_event(project=project, actor=actor, kind=f"change.{decision}", from_state=project.state,
                     reason=comment, citations=change_request.citations, source_ip=source_ip,
                     details={"change_request": change_request.pk}, recipients=applicant_users(project),
                     text="调整申请已同意，请实施并备案。" if decision == "approve" else f"调整申请未获同意：{comment}")
        if decision == "approve":
            _file(project, change_request, actor, source_ip)
    return change_request


def reapproval_decide(*, project: Project, change: ChangeRequest, actor: User, decision: str, reason: str,
                      document_no: str, citations: list[dict[str, Any]], source_ip: str | None) -> Project:
    """The approving body's decision on a re-approval (inside `approval_decide`'s transaction).

    Approved: the adjustment applies and the new total becomes the approved estimate. Otherwise the
    adjustment is refused and the project goes on under its earlier approval.
    """
    from govit.projects.services.common import transition

    from_total = approved_estimate(project)
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_comment = reason
    if decision == "approve":
        change.status = ChangeStatus.APPROVED
        change.document_no = document_no
        _apply_change(project, change.change)
        project.approved_estimate_wan = Decimal(str(project.facts["total_investment_wan"])).quantize(CENT)
        text = f"调整已重新批复（{document_no}），批复概算调整为 {project.approved_estimate_wan} 万元。"
    else:
        change.status = ChangeStatus.REJECTED
        text = f"调整未获批准，项目按原批复继续实施：{reason}"
    change.save()
    notify(users=users_with_role("lead_office", jurisdiction_id=project.jurisdiction_id), project=project,
           text=f"【{project.name}】{text}")
    return transition(
        project=project, actor=actor, move=project.back_from_change_review, kind=f"change.reapproval.{decision}",
        reason=reason, citations=citations + [c for c in change.citations if c not in citations],
        details={"change_request": change.pk, "document_no": document_no, "estimate_before": from_total,
                 "estimate_after": float(project.approved_estimate_wan) if project.approved_estimate_wan else None},
        source_ip=source_ip, recipients=applicant_users(project), text=text,
    )


def reapproval_of(project: Project) -> ChangeRequest | None:
    """The adjustment a project under review is being re-approved for (None for a first approval)."""
    if project.state != S.UNDER_REVIEW or not project.state_before_reapproval:
        return None
    return pending_reapproval(project)
