"""验收: pre-acceptance (预验收) and completion acceptance (竣工验收)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.models import User
from govit.projects import authority, lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import (
    AcceptanceExtension,
    ExtensionStatus,
    Project,
)
from govit.projects.selectors import (
    determination,
    project_evaluation,
    users_of_unit,
)
from govit.projects.services import dates
from govit.projects.services.common import (
    S,
    applicant_users,
    deadline_of,
    lead_office_users,
    lock_project,
    pack_title,
    record_event,
    refuse_if_blocked,
    require_applicant,
    require_decider,
    require_documents,
    require_step,
    set_date,
    transition,
    wrong_state,
)


def _require_trial_run_over(project: Project, result: dict[str, Any]) -> None:
    dates.require_trial_run_over(project, timezone.localdate(), what="今天", result=result)


# --- 延期验收 (通州 第三十条) -----------------------------------------------------------------


def extension_rule(project: Project) -> dict[str, Any]:
    return policy.load_pack(project.pack_id).data.get("acceptance_extension") or {}


def acceptance_due(project: Project, result: dict[str, Any]) -> date | None:
    """The pack's deadline for applying for acceptance (建成后半年内), where it sets one."""
    rule = extension_rule(project)
    entry = deadline_of(result, rule["deadline"]) if rule else None
    return date.fromisoformat(entry["due"]) if entry and entry.get("due") else None


def approved_extension(project: Project, on: date) -> AcceptanceExtension | None:
    return (AcceptanceExtension.objects.filter(project=project, status=ExtensionStatus.APPROVED,
                                               requested_until__gte=on).order_by("-requested_until").first())


def _require_in_time_or_extended(project: Project, result: dict[str, Any], on: date) -> None:
    due = acceptance_due(project, result)
    if due is None or on <= due or approved_extension(project, on) is not None:
        return
    rule = extension_rule(project)
    cites = lifecycle.checklist_citations(project.pack_id, rule)
    raise TransitionRefused(
        f"项目建成后申请竣工验收的期限为 {due.isoformat()}，已逾期（{lifecycle.cite_list(cites)}）。"
        "不能按期申请验收的，须先提出延期验收申请并经领导小组办公室同意，再在同意的期限内申请验收。",
        citations=cites, missing=[rule.get("document") or "acceptance_extension"], code="acceptance_extension_required",
    )


EXTENSION_STATES = (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE)


@audit_refusals
def acceptance_extension_request(*, project: Project, actor: User, reason: str, requested_until: date,
                                 source_ip: str | None = None) -> AcceptanceExtension:
    """延期验收申请: the unit asks the lead office for a later date to apply for acceptance."""
    if not (reason or "").strip():
        raise InvalidInput("字段 reason：请说明不能按期申请验收的原因。")
    dates.plausible(requested_until, field="requested_until")
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        rule = extension_rule(project)
        if not rule:
            raise TransitionRefused(f"《{pack_title(project)}》未规定申请竣工验收的期限，无需申请延期验收。",
                                    code="extension_not_applicable")
        cites = lifecycle.checklist_citations(project.pack_id, rule)
        if project.state not in EXTENSION_STATES or not dates.recorded(project, "completed") \
                or project.awaiting == "acceptance":
            raise TransitionRefused(f"项目当前状态为“{S(project.state).label}”：延期验收申请须在项目建成后、"
                                    "申请竣工验收前提出。", citations=cites, code="wrong_state")
        if AcceptanceExtension.objects.filter(project=project, status=ExtensionStatus.PENDING).exists():
            raise TransitionRefused("已有一项延期验收申请正在审核。", code="extension_pending")
        due = acceptance_due(project, project_evaluation(project))
        if due is None:
            raise TransitionRefused("尚未确定申请竣工验收的期限，请先报告建成。", citations=cites, code="no_deadline")
        if requested_until <= due or requested_until < timezone.localdate():
            raise InvalidInput(f"字段 requested_until：申请延期至的日期应晚于原期限 {due.isoformat()} 且不早于今天。")
        extension = AcceptanceExtension.objects.create(
            project=project, reason=reason.strip(), requested_until=requested_until, deadline=due, citations=cites,
            requested_by=actor,
        )
        record_event(project=project, actor=actor, kind="acceptance_extension.request", from_state=project.state,
                     reason=reason, citations=cites, source_ip=source_ip,
                     details={"extension": extension.pk, "deadline": due.isoformat(),
                              "requested_until": requested_until.isoformat()},
                     recipients=lead_office_users(project),
                     text=f"建设单位申请延期验收至 {requested_until.isoformat()}，请审核。")
    return extension


@audit_refusals
def acceptance_extension_decide(*, extension: AcceptanceExtension, actor: User, decision: str, comment: str = "",
                                source_ip: str | None = None) -> AcceptanceExtension:
    if decision not in ("approve", "reject"):
        raise InvalidInput("审核结论应为 approve（同意）或 reject（不同意）。")
    project = extension.project
    with transaction.atomic():
        lock_project(project)
        by = extension_rule(project).get("decided_by") or "lead_office"
        if not authority._holds(actor, project, by):
            raise PermissionDenied(f"延期验收申请由{authority.decider_names(project, [{'by': by}])}审核。",
                                   citations=extension.citations, code="not_the_deciding_body")
        extension.refresh_from_db()
        if extension.status != ExtensionStatus.PENDING:
            raise TransitionRefused("该延期验收申请已处理。", code="extension_decided")
        if decision == "reject" and not comment.strip():
            raise InvalidInput("字段 comment：请填写不同意的理由。")
        extension.status = ExtensionStatus.APPROVED if decision == "approve" else ExtensionStatus.REJECTED
        extension.decision_comment = comment
        extension.decided_by = actor
        extension.decided_at = timezone.now()
        extension.save()
        text = (f"延期验收申请已同意：请于 {extension.requested_until.isoformat()} 前申请竣工验收。"
                if decision == "approve" else f"延期验收申请未获同意：{comment}")
        record_event(project=project, actor=actor, kind=f"acceptance_extension.{decision}", from_state=project.state,
                     reason=comment, citations=extension.citations, source_ip=source_ip,
                     details={"extension": extension.pk, "requested_until": extension.requested_until.isoformat()},
                     recipients=applicant_users(project), text=text)
    return extension


@audit_refusals
def pre_acceptance_request(*, project: Project, actor: User, source_ip: str | None = None) -> Project:
    """预验收申请 / 报备 where the pack has 预验收 (昆都仑 前置审核, 巴中 第二十八条)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        require_step(project, S.PRE_ACCEPTANCE, "申请预验收")
        if not (project.facts.get("dates") or {}).get("completed"):
            raise TransitionRefused("请先报告项目建成，再申请预验收。")
        result = project_evaluation(project)
        refuse_if_blocked(result, "申请预验收", unit_rules=False)
        _require_trial_run_over(project, result)
        entry = lifecycle.checklist(project.pack_id, "pre_acceptance") or {}
        cites = lifecycle.checklist_citations(project.pack_id, entry) if entry else []
        require_documents(project, entry.get("documents", []), cites, "预验收材料")
        project.awaiting = "pre_acceptance"
        return transition(
            project=project, actor=actor, move=project.to_pre_acceptance, kind="pre_acceptance.request",
            result=result, citations=cites or lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE),
            source_ip=source_ip, recipients=lead_office_users(project), text="建设单位申请预验收，请审核。",
        )


@audit_refusals
def pre_acceptance_decide(*, project: Project, actor: User, decision: str, reason: str = "",
                          source_ip: str | None = None) -> Project:
    if decision not in ("pass", "fail"):
        raise InvalidInput("预验收结论应为 pass（通过）或 fail（不通过）。")
    with transaction.atomic():
        lock_project(project)
        require_decider(actor, project, S.PRE_ACCEPTANCE, action="作出预验收（前置审核）结论")
        if project.state != S.PRE_ACCEPTANCE or project.awaiting != "pre_acceptance":
            raise wrong_state(project, "作出预验收结论")
        cites = lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE)
        if decision == "pass":
            project.awaiting = "pre_acceptance_passed"
            return transition(project=project, actor=actor, move=None, kind="pre_acceptance.pass", reason=reason,
                               citations=cites, source_ip=source_ip, recipients=applicant_users(project),
                               text="预验收（前置审核）通过，可以申请竣工验收。")
        if not reason.strip():
            raise InvalidInput("请填写预验收不通过的理由和整改要求。")
        project.awaiting = ""
        back = project.to_trial_run if lifecycle.stage_listed(project.pack_id, S.TRIAL_RUN) else \
            project.back_to_construction
        return transition(project=project, actor=actor, move=back, kind="pre_acceptance.fail", reason=reason,
                           citations=cites, source_ip=source_ip, recipients=applicant_users(project),
                           text=f"预验收未通过，请整改：{reason}")


def _acceptance_documents(project: Project, result: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    docs, cites = determination(result, "acceptance_documents")
    if docs is None:
        entry = lifecycle.checklist(project.pack_id, "acceptance") or {}
        docs, cites = entry.get("documents", []), lifecycle.checklist_citations(project.pack_id, entry)
    return list(docs or []), cites


@audit_refusals
def acceptance_request(*, project: Project, actor: User, requested_on: date | None = None,
                       source_ip: str | None = None) -> Project:
    """申请竣工验收: after 试运行 / 预验收 as the pack requires, with every acceptance document, in time or
    within an approved extension (通州 第三十条)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if lifecycle.stage_listed(project.pack_id, S.PRE_ACCEPTANCE):
            if project.state != S.PRE_ACCEPTANCE or project.awaiting != "pre_acceptance_passed":
                raise TransitionRefused(
                    "须先通过预验收（前置审核）方可申请竣工验收"
                    f"（{lifecycle.cite_list(lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE))}）。",
                    citations=lifecycle.stage_citations(project.pack_id, S.PRE_ACCEPTANCE),
                )
        else:
            require_step(project, S.ACCEPTED, "申请竣工验收")
        if project.awaiting == "acceptance":
            raise TransitionRefused("已申请竣工验收，正在等待验收。", code="already_requested")
        if not dates.recorded(project, "completed"):
            raise TransitionRefused("请先报告项目建成，再申请竣工验收。", code="not_completed")
        result = project_evaluation(project)
        refuse_if_blocked(result, "申请竣工验收", unit_rules=False)
        on = dates.entered(project, "acceptance_requested", requested_on, field="on", result=result)
        _require_in_time_or_extended(project, result, on)
        docs, cites = _acceptance_documents(project, result)
        require_documents(project, docs, cites, "验收材料")
        set_date(project, "acceptance_requested", on)
        project.awaiting = "acceptance"
        deciders = authority.deciders(project.pack_id, S.ACCEPTED)
        recipients = lead_office_users(project) + [
            u for e in deciders if e["by"] not in authority.ROLE_DECIDERS for u in _body_users(project, e["by"])]
        who = authority.decider_names(project, deciders) if deciders else "领导小组办公室"
        return transition(project=project, actor=actor, move=None, kind="acceptance.request", result=result,
                           citations=cites, source_ip=source_ip, recipients=recipients,
                           details={"requested_on": on.isoformat(), "decided_by": who},
                           text=f"建设单位申请竣工验收，请{who}组织验收。")


def _body_users(project: Project, body: str) -> list[User]:
    from govit.core.models import Unit

    users: list[User] = []
    for unit in Unit.objects.filter(jurisdiction_id=project.jurisdiction_id,
                                    kind__in=authority.BODY_UNIT_KINDS.get(body, ())):
        users += users_of_unit(unit)
    return users


@audit_refusals
def acceptance_decide(*, project: Project, actor: User, decision: str, reason: str = "",
                      accepted_on: date | None = None, source_ip: str | None = None) -> Project:
    if decision not in ("pass", "fail"):
        raise InvalidInput("验收结论应为 pass（通过）或 fail（不通过）。")
    with transaction.atomic():
        lock_project(project)
        require_decider(actor, project, S.ACCEPTED, action="作出竣工验收结论")
        if project.awaiting != "acceptance":
            raise wrong_state(project, "作出验收结论（建设单位尚未申请验收）")
        result = project_evaluation(project)
        docs, cites = _acceptance_documents(project, result)
        if decision == "fail":
            if not reason.strip():
                raise InvalidInput("请填写验收不通过的理由和整改要求。")
            project.awaiting = ""
            return transition(project=project, actor=actor, move=None, kind="acceptance.fail", reason=reason,
                               result=result, citations=cites, source_ip=source_ip,
                               recipients=applicant_users(project), text=f"竣工验收未通过，请整改：{reason}")
        require_documents(project, docs, cites, "验收材料")
        set_date(project, "accepted", dates.entered(project, "accepted", accepted_on, field="on", result=result))
        project.awaiting = ""
        return transition(project=project, actor=actor, move=project.to_accepted, kind="acceptance.pass",
                           reason=reason, result=result, citations=cites, source_ip=source_ip,
                           recipients=applicant_users(project), text="项目通过竣工验收。")


