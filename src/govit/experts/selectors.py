"""Expert reads: who sees which experts and draws, an expert's own reviews, the fee report.

Scope: the lead office (领导小组办公室) of a jurisdiction manages that jurisdiction's library and
draws; an expert sees only the draws they are a member of; nobody else sees experts at all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govit.core.models import Jurisdiction, Role
from govit.core.selectors import AnyUser, holds, jurisdiction_ids_where
from govit.experts.models import Draw, DrawMember, DrawStatus, Expert, FeeRecord, ImportJob, MemberRole, MemberStatus
from govit.projects.models import CLOSED_STATES, Project


def lead_office_jurisdiction_ids(user: AnyUser | None) -> set[int]:
    return set(jurisdiction_ids_where(user, Role.LEAD_OFFICE))


def lead_office_jurisdictions(user: AnyUser | None) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(pk__in=lead_office_jurisdiction_ids(user)).order_by("code")


def is_lead_office_of(user: AnyUser | None, jurisdiction_id: int) -> bool:
    return jurisdiction_id in lead_office_jurisdiction_ids(user)


def experts_visible_to(user: AnyUser | None) -> QuerySet[Expert]:
    return Expert.objects.filter(jurisdiction_id__in=lead_office_jurisdiction_ids(user)).select_related(
        "jurisdiction", "user"
    )


def draws_visible_to(user: AnyUser | None) -> QuerySet[Draw]:
    return Draw.objects.filter(project__jurisdiction_id__in=lead_office_jurisdiction_ids(user)).select_related(
        "project", "project__unit", "project__jurisdiction"
    )


def draws_verifiable_by(user: AnyUser | None) -> QuerySet[Draw]:
    """Draws anyone concerned may verify: the lead office's, those of every project the user sees
    (applicant, member departments, leadership) and the expert's own."""
    from govit.projects.selectors import projects_visible_to

    expert = expert_of(user)
    scope = Q(project__jurisdiction_id__in=lead_office_jurisdiction_ids(user)) | Q(
        project_id__in=projects_visible_to(user).values("pk"))
    if expert is not None:
        scope |= Q(members__expert=expert)
    return Draw.objects.filter(pk__in=Draw.objects.filter(scope).values("pk")).select_related(
        "project", "project__unit", "project__jurisdiction", "cancelled_by")


def draw_projects_for(user: AnyUser | None) -> QuerySet[Project]:
    """Projects the lead office may draw experts for (its jurisdictions, not closed)."""
    return (
        Project.objects.filter(jurisdiction_id__in=lead_office_jurisdiction_ids(user))
        .exclude(state__in=CLOSED_STATES)
        .select_related("unit")
        .order_by("-created_at", "-pk")
    )


def expert_of(user: AnyUser | None) -> Expert | None:
    if user is None or not user.is_authenticated or not holds(user, Role.EXPERT):
        return None
    return Expert.objects.filter(user=user).first()


def reviews_waiting_count(user: AnyUser | None) -> int:
    """Panel seats that wait on the expert: to accept, or open for scoring and not yet signed (menu badge)."""
    return (my_memberships(user).filter(status__in=(MemberStatus.INVITED, MemberStatus.ACCEPTED),
                                        draw__status__in=(DrawStatus.DRAWN, DrawStatus.OPEN))
            .filter(review__isnull=True).count())


def can_read_project(member: DrawMember) -> bool:
    """An expert reads the project under review only while on its active panel and the review runs:
    drawn or open, the seat invited or accepted. Declined, replaced, finished or cancelled: refused."""
    return member.is_active_panel and member.draw.status in (DrawStatus.DRAWN, DrawStatus.OPEN)


def my_memberships(user: AnyUser | None) -> QuerySet[DrawMember]:
    """The panel seats of the signed-in expert (current and past), newest draw first."""
    expert = expert_of(user)
    if expert is None:
        return DrawMember.objects.none()
    return (
        DrawMember.objects.filter(expert=expert, role=MemberRole.PANEL)
        .exclude(draw__status__in=(DrawStatus.COMMITTED, DrawStatus.CANCELLED))
        .select_related("draw", "draw__project", "draw__project__unit", "expert")
        .order_by("-draw__executed_at", "-pk")
    )


def import_jobs_visible_to(user: AnyUser | None) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(jurisdiction_id__in=lead_office_jurisdiction_ids(user))


def draw_members(draw: Draw) -> tuple[list[DrawMember], list[DrawMember]]:
    """(panel seats incl. declined ones, reserve list) in category and rank order."""
    members = list(draw.members.select_related("expert", "replaces__expert").order_by("category", "rank"))
    return [m for m in members if m.role == MemberRole.PANEL], [m for m in members if m.role == MemberRole.RESERVE]


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|Q([1-4]))?$")


def period_months(period: str) -> list[str]:
    """"2026" → 12 months, "2026Q1" → 3, "2026-03" → 1; ValueError on anything else."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise ValueError("期间格式应为 2026、2026Q1 或 2026-03。")
    year, month, quarter = match.groups()
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError("月份应在 01 至 12 之间。")
        return [f"{year}-{month}"]
    months = range(1, 13) if not quarter else range(3 * int(quarter) - 2, 3 * int(quarter) + 1)
    return [f"{year}-{m:02d}" for m in months]


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


@dataclass
class FeeReport:
    jurisdiction: Jurisdiction
    period: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    payers: list[dict[str, Any]] = field(default_factory=list)
    total: Decimal = Decimal("0")
    count: int = 0


def fee_report(*, jurisdiction: Jurisdiction, period: str) -> FeeReport:
    """Fees of one jurisdiction's experts in a period: per expert, per paying unit, and the total."""
    fees = (
        FeeRecord.objects.filter(expert__jurisdiction=jurisdiction, period__in=period_months(period))
        .select_related("expert", "payer", "member__draw__project")
        .order_by("expert__name", "service_date", "pk")
    )
    report = FeeReport(jurisdiction=jurisdiction, period=period)
    per_expert: dict[int, dict[str, Any]] = {}
    per_payer: dict[int, dict[str, Any]] = defaultdict(lambda: {"count": 0, "total": Decimal("0")})
    for fee in fees:
        row = per_expert.setdefault(
            fee.expert_id, {"expert": fee.expert, "count": 0, "total": Decimal("0"), "projects": []}
        )
        row["count"] += 1
        row["total"] += fee.amount
        if fee.member_id and fee.member.draw.project.name not in row["projects"]:
            row["projects"].append(fee.member.draw.project.name)
        payer = per_payer[fee.payer_id]
        payer.update({"payer": fee.payer, "basis": fee.payer_basis})
        payer["count"] += 1
        payer["total"] += fee.amount
        report.total += fee.amount
        report.count += 1
    report.rows = list(per_expert.values())
    report.payers = list(per_payer.values())
    return report


def draw_counts_in_months(expert_ids: list[int], months: list[str]) -> dict[int, int]:
    """How many panel seats (drawn or moved up from a reserve, not declined) each expert held in the months."""
    counts: dict[int, int] = defaultdict(int)
    members = (
        DrawMember.objects.filter(
            expert_id__in=expert_ids,
            role=MemberRole.PANEL,
            status__in=(MemberStatus.INVITED, MemberStatus.ACCEPTED),
            draw__executed_at__isnull=False,
        )
        .exclude(draw__status=DrawStatus.CANCELLED)
        .values_list("expert_id", "draw__executed_at")
    )
    for expert_id, executed_at in members:
        if month_of(timezone.localtime(executed_at).date()) in months:
            counts[expert_id] += 1
    return counts
