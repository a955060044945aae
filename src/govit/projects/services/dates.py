"""Lifecycle dates: every date a user enters is a fact to check, never one to trust.

One place for every lifecycle service: a date is refused when it lies outside the plausible range,
in the future, before a step it follows (建成 before 开工/采购/批复, go-live before acceptance), or, for
acceptance, inside the trial run the pack requires (巴中 第二十八条). Report periods that have not begun
are refused too (通州 第十九条 每季度末). Refusals of lifecycle rules are `TransitionRefused` (409) citing
the pack's stage; a date outside the plausible range is bad input (400) naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from govit import bounds
from govit.policy.labels import DATE_FACTS
from govit.policy.legal import quarter_end
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, TransitionRefused
from govit.projects.models import Project, ProjectState
from govit.projects.selectors import determination, project_evaluation

S = ProjectState
EARLIEST = bounds.DATE_MIN
LATEST = bounds.DATE_MAX

# The dated facts of a project in the order they happen; each is checked against those before it.
ORDER = ("approved", "procurement_started", "construction_started", "completed", "trial_started",
         "acceptance_requested", "accepted", "go_live")
# The stage whose article a refusal about the date cites.
STAGE_OF = {
    "approved": S.APPROVED, "procurement_started": S.PROCUREMENT, "construction_started": S.CONSTRUCTION,
    "completed": S.CONSTRUCTION, "trial_started": S.TRIAL_RUN, "acceptance_requested": S.ACCEPTED,
    "accepted": S.ACCEPTED, "go_live": S.IN_OPERATION,
}
# Acceptance may not be applied for or dated before the trial run the pack requires has ended.
AFTER_TRIAL_RUN = ("acceptance_requested", "accepted")


def label(name: str) -> str:
    return DATE_FACTS.get(name, name)


def plausible(value: date, *, field: str) -> date:
    """The generic range every date of the platform must lie in (the shared validation's bounds)."""
    if not EARLIEST <= value <= LATEST:
        raise InvalidInput(f"字段 {field}：日期 {value.isoformat()} 超出合理范围"
                           f"（{EARLIEST.isoformat()} 至 {LATEST.isoformat()}），请核对后重新填写。")
    return value


def _cites(project: Project, *names: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in names:
        for c in lifecycle.stage_citations(project.pack_id, STAGE_OF.get(name, S.CONSTRUCTION)):
            if c not in found:
                found.append(c)
    return found


def recorded(project: Project, name: str) -> date | None:
    value = (project.facts.get("dates") or {}).get(name)
    return date.fromisoformat(value) if value else None


def trial_run_earliest_end(project: Project, result: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The pack's `trial_run_earliest_end` deadline for the project as it stands (None where the pack has none)."""
    result = result if result is not None else project_evaluation(project)
    deadlines, _ = determination(result, "deadlines")
    return next((d for d in deadlines or [] if d.get("code") == "trial_run_earliest_end" and d.get("due")), None)


def require_trial_run_over(project: Project, on: date, *, what: str,
                           result: dict[str, Any] | None = None) -> None:
    """`on` must not lie inside the trial run the pack requires (巴中 第二十八条 3个月试运行)."""
    earliest = trial_run_earliest_end(project, result)
    if earliest and date.fromisoformat(earliest["due"]) > on:
        cite = {"pack": project.pack_id, **{k: v for k, v in earliest["citation"].items() if k != "pack"}}
        raise TransitionRefused(
            f"{what}（{on.isoformat()}）在试运行期内：试运行须满期后方可申请和组织验收，最早 {earliest['due']}"
            f"（{lifecycle.cite_text(cite)}）。", citations=[cite], code="inside_trial_run",
        )


def entered(project: Project, name: str, value: date | None, *, field: str,
            result: dict[str, Any] | None = None) -> date:
    """The date a user gave for the dated fact `name` (today when none), after every check.

    Refused: outside the plausible range (400); in the future; before any dated fact of an earlier
    step; for acceptance, before the trial run's earliest end (409, citing the stage).
    """
    today = timezone.localdate()
    value = today if value is None else plausible(value, field=field)
    if value > today:
        cites = _cites(project, name)
        raise TransitionRefused(
            f"{label(name)}（{value.isoformat()}）晚于今天：只能登记已经发生的事实，请填写实际日期"
            f"（{lifecycle.cite_list(cites) or '本办法'}）。", citations=cites, code="date_in_future",
        )
    for earlier in ORDER[:ORDER.index(name)]:
        before = recorded(project, earlier)
        if before is not None and value < before:
            cites = _cites(project, earlier, name)
            raise TransitionRefused(
                f"{label(name)}（{value.isoformat()}）早于{label(earlier)}（{before.isoformat()}）："
                f"{lifecycle.stage_label(project.pack_id, STAGE_OF[name])}不能早于它之前的环节"
                f"（{lifecycle.cite_list(cites)}）。请核对日期。", citations=cites, code="date_before_previous_step",
            )
    if name in AFTER_TRIAL_RUN:
        require_trial_run_over(project, value, what=label(name), result=result)
    return value


def period_bounds(kind: str, period: str) -> tuple[date, date]:
    """First and last day of a report period: 2026Q3 (quarterly) or 2026 (yearly)."""
    year = int(period[:4])
    if kind == "quarterly":
        start = date(year, 3 * int(period[-1]) - 2, 1)
        return start, quarter_end(start)
    return date(year, 1, 1), date(year, 12, 31)


def check_report_period(project: Project, *, kind: str, period: str, citations: list[dict[str, Any]]) -> None:
    """A report period must have begun (通州 第十九条 每季度末) and must not end before the approval."""
    start, end = period_bounds(kind, period)
    plausible(start, field="period")
    today = timezone.localdate()
    if start > today:
        raise TransitionRefused(
            f"报告期间 {period} 尚未开始（自 {start.isoformat()} 起），不能报送；请在该期间内或期末报送"
            f"（{lifecycle.cite_list(citations)}）。", citations=citations, code="period_not_begun",
        )
    approved = recorded(project, "approved")
    if approved is not None and end < approved:
        raise TransitionRefused(
            f"报告期间 {period} 在项目批复（{approved.isoformat()}）之前结束，该期间无需报送"
            f"（{lifecycle.cite_list(citations)}）。", citations=citations, code="period_before_approval",
        )
