"""Supervision reads: active sanctions of a unit, obligations, reminders and the dashboard figures."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from govit.core.models import Role, Unit
from govit.core.selectors import AnyUser, assignments_of, audit_cached, holds, jurisdiction_ids_where
from govit.projects.models import Project, ProjectState, ProjectYearAmount
from govit.projects.selectors import projects_visible_to
from govit.supervision.models import (
    HealthRating,
    Obligation,
    ObligationStatus,
    RectificationOrder,
    Reminder,
    SanctionKind,
    UnitSanction,
)

SUPERVISOR_ROLES = (Role.LEAD_OFFICE, Role.LEADERSHIP)


def sanctions_visible_to(user: AnyUser | None) -> QuerySet[UnitSanction]:
    """Applicant: its unit's; lead office, leadership and member departments: their jurisdiction's."""
    unit_ids, jurisdiction_ids = set(), set()
    for ra in assignments_of(user):
        if ra.role == Role.APPLICANT and ra.unit_id:
            unit_ids.add(ra.unit_id)
        elif ra.role in (*SUPERVISOR_ROLES, Role.MEMBER_REVIEWER):
            jurisdiction_ids.add(ra.jurisdiction_id)
    return UnitSanction.objects.filter(
        Q(unit_id__in=unit_ids) | Q(unit__jurisdiction_id__in=jurisdiction_ids)
    ).select_related("unit", "recorded_by_unit")


def unit_sanctions_for(user: AnyUser | None) -> list[UnitSanction]:
    """Active restrictions of the units the user applies for (shown on the applicant's workspace)."""
    unit_ids = [ra.unit_id for ra in assignments_of(user) if ra.role == Role.APPLICANT and ra.unit_id]
    return list(UnitSanction.objects.filter(unit_id__in=unit_ids, lifted_at__isnull=True).select_related("unit"))


def obligations_visible_to(user: AnyUser | None) -> QuerySet[Obligation]:
    return Obligation.objects.filter(project__in=projects_visible_to(user)).select_related("project", "project__unit")


def rectifications_visible_to(user: AnyUser | None) -> QuerySet[RectificationOrder]:
    return RectificationOrder.objects.filter(project__in=projects_visible_to(user)).select_related(
        "project", "issuer_unit")


def reminders_of(user: AnyUser | None) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user=user).select_related("obligation", "obligation__project")


def latest_ratings(projects: QuerySet[Project] | list[Project] | list[int]) -> dict[int, HealthRating]:
    """The newest rating of each of `projects` (pass a page of rows or ids, not a whole jurisdiction)."""
    if isinstance(projects, list):
        ids = [p if isinstance(p, int) else p.pk for p in projects]
    else:
        ids = list(projects.values_list("pk", flat=True))
    latest: dict[int, HealthRating] = {}
    for rating in HealthRating.objects.filter(project_id__in=ids).order_by("project_id", "-as_of"):
        latest.setdefault(rating.project_id, rating)
    return latest


def supervised_projects(user: AnyUser | None) -> QuerySet[Project]:
    """Projects of the jurisdictions where the user is lead office or leadership."""
    ids = jurisdiction_ids_where(user, SUPERVISOR_ROLES)
    return Project.objects.filter(jurisdiction_id__in=ids).select_related("unit", "jurisdiction")


def can_supervise(user: AnyUser | None) -> bool:
    return holds(user, SUPERVISOR_ROLES)


def _money(value: Decimal | None) -> float:
    return float(value or 0)


def dashboard_for(user: AnyUser | None, jurisdiction_id: int | None = None) -> dict[str, Any]:
    """The dashboard of the jurisdictions the user supervises (one of them, when given), cached against
    the audit chain head: its figures depend on the jurisdictions alone, and change only through
    audited writes (the services, the sweep's chunks), so a page view at 100,000 projects costs no
    aggregate query until something is written."""
    ids = [pk for pk in jurisdiction_ids_where(user, SUPERVISOR_ROLES) if jurisdiction_id in (None, pk)]
    projects = Project.objects.filter(jurisdiction_id__in=ids)
    return audit_cached(f"dashboard:{','.join(map(str, sorted(ids)))}", lambda: dashboard_data(projects))


def dashboard_data(projects: QuerySet[Project]) -> dict[str, Any]:
    """The figures of /supervision/: stages, units, money by year, overdue obligations, ratings."""
    stage_order = [s.value for s in ProjectState]
    by_stage = dict(projects.order_by().values_list("state").annotate(n=Count("*")).values_list("state", "n"))
    unit_counts = dict(projects.order_by().values_list("unit_id").annotate(n=Count("*")).values_list("unit_id", "n"))
    names = dict(Unit.objects.filter(pk__in=list(unit_counts)).values_list("pk", "name"))
    by_unit = sorted(({"unit_id": pk, "unit__name": names.get(pk, ""), "n": n} for pk, n in unit_counts.items()),
                     key=lambda row: (-row["n"], row["unit__name"]))
    money = (ProjectYearAmount.objects.filter(project__in=projects).values("year")
             .annotate(planned=Sum("planned_wan"), approved=Sum("approved_wan"), spent=Sum("spent_wan"))
             .order_by("year"))
    overdue = Obligation.objects.filter(project__in=projects, status=ObligationStatus.OVERDUE)
    overdue_by_code = dict(overdue.order_by().values_list("code").annotate(n=Count("*")).values_list("code", "n"))
    # The latest rating of every project is stored on the project by the sweep (health_score).
    by_score = dict(projects.order_by().filter(health_score__isnull=False).values_list("health_score")
                    .annotate(n=Count("*")).values_list("health_score", "n"))
    from govit.policy.labels import DEADLINE

    sanctions = defaultdict(int)
    for kind in UnitSanction.objects.filter(unit__projects__in=projects, lifted_at__isnull=True).distinct() \
            .values_list("kind", flat=True):
        sanctions[kind] += 1
    return {
        "stages": {
            "keys": [s for s in stage_order if s in by_stage],
            "labels": [ProjectState(s).label for s in stage_order if s in by_stage],
            "values": [by_stage[s] for s in stage_order if s in by_stage],
        },
        "units": {
            "keys": [row["unit_id"] for row in by_unit],
            "labels": [row["unit__name"] for row in by_unit],
            "values": [row["n"] for row in by_unit],
        },
        "money": {
            "years": [row["year"] for row in money],
            "planned": [_money(row["planned"]) for row in money],
            "approved": [_money(row["approved"]) for row in money],
            "spent": [_money(row["spent"]) for row in money],
        },
        "overdue": {
            "keys": list(overdue_by_code),
            "labels": [DEADLINE.get(code, code) for code in overdue_by_code],
            "values": list(overdue_by_code.values()),
        },
        "ratings": {
            "keys": [1, 2, 3, 4, 5],
            "labels": ["1 高风险", "2 较高风险", "3 中等风险", "4 较低风险", "5 低风险"],
            "values": [by_score.get(score, 0) for score in (1, 2, 3, 4, 5)],
        },
        "totals": {
            "projects": sum(by_stage.values()),
            "overdue": sum(overdue_by_code.values()),
            "open_rectifications": RectificationOrder.objects.filter(
                project__in=projects, status__in=["open", "overdue", "escalated"]).count(),
            "sanctions": sum(sanctions.values()),
        },
        "sanction_labels": {k: SanctionKind(k).label for k in sanctions},
    }
