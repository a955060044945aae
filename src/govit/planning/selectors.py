"""Annual plan reads: the plans a user may see and the projects that may go on a plan."""

from __future__ import annotations

from django.db.models import QuerySet

from govit.core.models import Jurisdiction, Role
from govit.core.selectors import AnyUser, assignments_of, jurisdiction_ids_where
from govit.planning.models import AnnualPlan
from govit.planning.services import _plannable
from govit.projects.models import Project, ProjectState

PLAN_ROLES = (Role.LEAD_OFFICE, Role.LEADERSHIP)


def plan_jurisdictions(user: AnyUser | None) -> list[Jurisdiction]:
    """Jurisdictions where the user compiles (lead office) or approves (leadership) the plan."""
    return list(dict.fromkeys(ra.jurisdiction for ra in assignments_of(user) if ra.role in PLAN_ROLES))


def plans_visible_to(user: AnyUser | None) -> QuerySet[AnnualPlan]:
    return AnnualPlan.objects.filter(jurisdiction__in=plan_jurisdictions(user)).select_related("jurisdiction")


def reserve_pool(jurisdiction: Jurisdiction) -> list[Project]:
    """Projects standing where the pack puts the annual plan (储备库, or after 审委会 in 巴中), not yet on a plan."""
    candidates = Project.objects.filter(jurisdiction=jurisdiction).exclude(plan_items__isnull=False)
    return [p for p in candidates.select_related("unit") if _plannable(p)]


def emergency_candidates(jurisdiction: Jurisdiction) -> list[Project]:
    """Projects an approved plan may take in urgently: in 初审 or the reserve pool."""
    candidates = Project.objects.filter(jurisdiction=jurisdiction).exclude(plan_items__isnull=False)
    return [p for p in candidates.select_related("unit")
            if p.state in (ProjectState.PRELIMINARY_REVIEW, ProjectState.IN_LIBRARY) or _plannable(p)]


def plans_awaiting_decision_count(user: AnyUser | None) -> int:
    """Plans submitted to the user's leadership for 审定 (the leadership's 年度计划 badge; 0 for others)."""
    from govit.planning.models import PlanStatus

    jurisdictions = jurisdiction_ids_where(user, Role.LEADERSHIP)
    return AnnualPlan.objects.filter(jurisdiction_id__in=jurisdictions, status=PlanStatus.SUBMITTED).count()
