"""建设: procurement, construction start, completion and the periodic progress reports."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from govit import policy
from govit.core.models import User
from govit.policy.labels import SUPERVISION
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, TransitionRefused, audit_refusals
from govit.projects.models import (
    ProgressReport,
    Project,
    ProjectEvent,
    ProjectYearAmount,
    ReportKind,
)
from govit.projects.selectors import (
    determination,
    project_evaluation,
)
from govit.projects.services import dates
from govit.projects.services.common import (
    S,
    lead_office_users,
    lock_project,
    pack_deadline,
    pack_title,
    record_event,
    refuse_if_blocked,
    require_applicant,
    require_documents,
    require_step,
    set_date,
    transition,
    wrong_state,
)

# --- implementation --------------------------------------------------------------------------


def supervision_rule(project: Project, result: dict[str, Any]) -> tuple[str | None, dict[str, Any], list[dict]]:
    """The pack's 监理 determination for the project and what it requires (`supervision_requirements`)."""
    value, cites = determination(result, "supervision")
    rule = (policy.load_pack(project.pack_id).data.get("supervision_requirements") or {}).get(value or "") or {}
    if rule:
        cites = lifecycle.checklist_citations(project.pack_id, rule)
    return value, rule, cites


def unified_supervision_requested(project: Project) -> bool:
    return ProjectEvent.objects.filter(project=project, kind="supervision.unified_request").exists()


def require_supervision(project: Project, result: dict[str, Any], before: str) -> None:
    """监理 where the pack requires it (通州 第二十五条 超过100万, 昆都仑 第十九条 200万及以上): the 监理合同
    uploaded; at or under 通州's threshold, the unified service requested from the lead office."""
    _value, rule, cites = supervision_rule(project, result)
    if not rule or rule.get("before") != before:
        return
    if rule.get("documents"):
        require_documents(project, rule["documents"], cites, "工程监理材料")
    if rule.get("request_to") and not unified_supervision_requested(project):
        raise TransitionRefused(
            f"{rule.get('label') or '须申请统一监理服务'}（{lifecycle.cite_list(cites)}）。请先“申请统一监理服务”。",
            citations=cites, missing=["supervision_unified_service"], code="supervision_service_not_requested",
        )


@audit_refusals
def supervision_service_request(*, project: Project, actor: User, note: str = "",
                                source_ip: str | None = None) -> Project:
    """申请统一监理服务 (通州 第二十五条: 100万元及以下的项目向领导小组办公室申请)."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state not in (S.APPROVED, S.FILED, S.PROCUREMENT, S.CONSTRUCTION):
            raise wrong_state(project, "申请统一监理服务")
        result = project_evaluation(project)
        value, rule, cites = supervision_rule(project, result)
        if not rule.get("request_to"):
            raise TransitionRefused(
                f"依{lifecycle.cite_list(cites) or '本办法'}，本项目的工程监理方式为"
                f"“{SUPERVISION.get(value, value or '未规定')}”，无需申请统一监理服务。",
                citations=cites, code="supervision_service_not_applicable")
        if unified_supervision_requested(project):
            raise TransitionRefused("已申请统一监理服务。", code="already_requested")
        record_event(project=project, actor=actor, kind="supervision.unified_request", from_state=project.state,
                     reason=note, citations=cites, source_ip=source_ip, recipients=lead_office_users(project),
                     text="建设单位申请统一监理服务，请安排。")
    return project


@audit_refusals
def procurement_start(*, project: Project, actor: User, started_on: date | None = None,
                      source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        filed_route = project.state == S.FILED and S.FILED not in lifecycle.main_sequence(project.pack_id)
        if not filed_route:
            require_step(project, S.PROCUREMENT, "启动采购")
        # The pack judges the procurement as of the date it started (昌吉 第二十六条: within a year of approval).
        set_date(project, "procurement_started",
                 dates.entered(project, "procurement_started", started_on, field="on"))
        result = project_evaluation(project)
        refuse_if_blocked(result, "启动采购", unit_rules=False)
        return transition(
            project=project, actor=actor, move=project.to_procurement, kind="procurement.start", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.PROCUREMENT), source_ip=source_ip,
            recipients=lead_office_users(project), text="建设单位已启动招标采购。",
        )


@audit_refusals
def construction_start(*, project: Project, actor: User, started_on: date | None = None,
                       source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        require_step(project, S.CONSTRUCTION, "开工建设")
        result = project_evaluation(project)
        require_supervision(project, result, S.CONSTRUCTION)
        set_date(project, "construction_started",
                 dates.entered(project, "construction_started", started_on, field="on"))
        return transition(
            project=project, actor=actor, move=project.to_construction, kind="construction.start", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.CONSTRUCTION), source_ip=source_ip,
            recipients=lead_office_users(project), text="项目已开工建设。",
        )


@audit_refusals
def completion_report(*, project: Project, actor: User, completed_on: date | None = None,
                      trial_started_on: date | None = None, source_ip: str | None = None) -> Project:
    """建成: records completion (not before 开工/采购/批复); where the pack has 试运行 the project enters it."""
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        if project.state != S.CONSTRUCTION:
            raise wrong_state(project, "报告建成")
        if (project.facts.get("dates") or {}).get("completed"):
            raise TransitionRefused("已报告建成，无需重复报告。", code="already_reported")
        completed = dates.entered(project, "completed", completed_on, field="completed_on")
        set_date(project, "completed", completed)
        move = None
        if lifecycle.stage_listed(project.pack_id, S.TRIAL_RUN):
            trial = dates.entered(project, "trial_started", trial_started_on or completed, field="trial_started_on")
            set_date(project, "trial_started", trial)
            move = project.to_trial_run
        result = project_evaluation(project)
        return transition(
            project=project, actor=actor, move=move, kind="completion", result=result,
            citations=lifecycle.stage_citations(project.pack_id, S.TRIAL_RUN), source_ip=source_ip,
            recipients=lead_office_users(project), text="项目已建成" + ("，进入试运行。" if move else "。"),
        )


# --- reports and changes ---------------------------------------------------------------------

REPORTING_STATES = (S.APPROVED, S.FILED, S.PROCUREMENT, S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE)
_REPORT_DEADLINES = {ReportKind.QUARTERLY: "progress_report_due", ReportKind.YEARLY: "performance_report_due"}


@audit_refusals
def progress_report_submit(
    *,
    project: Project,
    actor: User,
    kind: str,
    period: str,
    procedures: str = "",
    tendering: str = "",
    start_completion: str = "",
    implementation: str = "",
    year_investment_wan: Decimal | float = 0,
    total_investment_wan: Decimal | float = 0,
    funds_used_wan: Decimal | float = 0,
    performance: str = "",
    source_ip: str | None = None,
) -> ProgressReport:
    """季度进展 (通州 第十九条) / 年度绩效报告, where the pack requires them."""
    if kind not in ReportKind.values:
        raise InvalidInput("报告类型应为 quarterly（季度进展）或 yearly（年度绩效）。")
    pattern = r"20\d\dQ[1-4]" if kind == ReportKind.QUARTERLY else r"20\d\d"
    if not re.fullmatch(pattern, period or ""):
        raise InvalidInput("报告期间格式应为 2026Q1（季度）或 2026（年度）。")
    with transaction.atomic():
        lock_project(project)
        require_applicant(actor, project)
        spec = pack_deadline(project, _REPORT_DEADLINES[kind])
        if spec is None:
            raise TransitionRefused(f"《{pack_title(project)}》未要求报送{ReportKind(kind).label}。")
        if project.state not in REPORTING_STATES:
            raise wrong_state(project, "报送进展报告")
        cites = [{"pack": project.pack_id, **spec["citation"]}]
        dates.check_report_period(project, kind=kind, period=period, citations=cites)
        if ProgressReport.objects.filter(project=project, kind=kind, period=period).exists():
            raise TransitionRefused(f"{period} 的{ReportKind(kind).label}已报送。", code="already_reported")
        report = ProgressReport.objects.create(
            project=project, kind=kind, period=period, procedures=procedures, tendering=tendering,
            start_completion=start_completion, implementation=implementation,
            year_investment_wan=Decimal(str(year_investment_wan)),
            total_investment_wan=Decimal(str(total_investment_wan)), funds_used_wan=Decimal(str(funds_used_wan)),
            performance=performance, submitted_by=actor,
        )
        year_row, _ = ProjectYearAmount.objects.get_or_create(project=project, year=int(period[:4]))
        year_row.spent_wan = max(year_row.spent_wan, report.year_investment_wan)
        year_row.save(update_fields=["spent_wan"])
        record_event(project=project, actor=actor, kind=f"report.{kind}", from_state=project.state,
                     citations=cites, source_ip=source_ip, details={"period": period},
                     recipients=lead_office_users(project), text=f"建设单位报送了{period} {ReportKind(kind).label}。")
    return report


