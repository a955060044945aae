"""A project's stored status: next steps, its deadlines, the unit's own next deadline, overdue duties.

Lists page and sort in the database, so they cannot ask the pack about every row. These columns hold
what the pack answered when the project last changed (`status_refresh`, called by every service
through `record_event`) or when the day moved a deadline (the sweep). A deadline's status (upcoming,
due, overdue) is recomputed from its stored dates whenever it is shown, so it is right on any day.
`status_valid_until` is the first day on which the stored answer itself may change (a recurring
duty's period ends); the sweep recomputes from that day on. Empty means "not computed yet".
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from govit.projects.models import Project

# Deadlines the lead office meets, not the applicant (the packs' deadline codes).
LEAD_OFFICE_DEADLINES = frozenset({"annual_plan_due"})
# Dates that are not duties: 试运行最早届满日 only says when acceptance may start.
INFORMATIONAL_DEADLINES = frozenset({"trial_run_earliest_end"})
STATUS_FIELDS = ("status_steps", "status_deadlines", "next_due", "next_due_code", "overdue_count",
                 "investment_wan", "status_key", "status_as_of", "status_valid_until")


def deadline_date(entry: dict[str, Any]) -> date | None:
    value = entry.get("due") or entry.get("until")
    return date.fromisoformat(value) if value else None


def deadline_status_on(entry: dict[str, Any], today: date) -> str:
    """The engine's status vocabulary for a stored deadline, on `today`."""
    if entry.get("status") == "met":
        return "met"
    if entry.get("due"):
        due = date.fromisoformat(entry["due"])
        return "due" if due == today else "overdue" if today > due else "upcoming"
    start, end = date.fromisoformat(entry["from"]), date.fromisoformat(entry["until"])
    return "not_yet_open" if today < start else "closed" if today > end else "open"


def deadlines_on(entries: list[dict[str, Any]], today: date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    return [{**e, "status": deadline_status_on(e, today)} for e in entries]


def _recurring_kinds(pack_id: str) -> dict[str, str]:
    """Deadline code → period kind (quarter, year, annual) of the pack's recurring duties."""
    from govit import policy
    from govit.supervision.obligations import period_kind

    kinds = {}
    for spec in policy.load_pack(pack_id).data.get("deadlines", []):
        kind = period_kind(spec)
        if kind is not None:
            kinds[spec["code"]] = kind
    return kinds


def _period(entry: dict[str, Any], recurring: dict[str, str]) -> str:
    from govit.supervision.obligations import period_key

    if entry["code"] not in recurring or not entry.get("due"):
        return ""
    return period_key(recurring[entry["code"]], date.fromisoformat(entry["due"]))


def _investment(project: Project) -> Decimal | None:
    value = (project.facts or {}).get("total_investment_wan")
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def compute_status(project: Project, *, as_of: date | None = None,
                   unit_fact_values: dict[str, Any] | None = None,
                   result: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored status fields of `project` on `as_of` (today), from its evaluation there
    (`result`, when the caller already has it for the same facts and day; `data`, the evaluation
    input it was computed from, so it is not read again)."""
    from govit.projects.evaluations import cached_evaluate, facts_digest
    from govit.projects.selectors import determination, project_next_steps, project_policy_input
    from govit.supervision.models import Obligation, ObligationStatus

    as_of = as_of or timezone.localdate()
    if data is None:
        data = project_policy_input(project, unit_fact_values=unit_fact_values)
    if result is None or result.get("as_of") != as_of.isoformat():
        result = cached_evaluate(data, project.pack_id, as_of)
    steps = project_next_steps(project, result=result)["steps"]
    deadlines, _ = determination(result, "deadlines")
    recurring = _recurring_kinds(project.pack_id)
    obligations = {(code, period): status for code, period, status in Obligation.objects.filter(
        project=project).values_list("code", "period", "status")}
    stored: list[dict[str, Any]] = []
    for entry in deadlines or []:
        clean = {k: entry[k] for k in ("code", "label", "due", "from", "until", "citation") if k in entry}
        if entry.get("status") == "met" or obligations.get(
                (entry["code"], _period(entry, recurring))) == ObligationStatus.MET:
            clean["status"] = "met"
        stored.append(clean)
    own = [e for e in stored if e.get("status") != "met" and e["code"] not in LEAD_OFFICE_DEADLINES
           and e["code"] not in INFORMATIONAL_DEADLINES and deadline_date(e) is not None]
    nearest = min(own, key=lambda e: deadline_date(e)) if own else None
    overdue = sum(1 for status in obligations.values() if status == ObligationStatus.OVERDUE)
    # The stored answer moves when a recurring duty's period ends (the engine gives the next one).
    turns = [deadline_date(e) + timedelta(days=1) for e in stored
             if e["code"] in recurring and deadline_date(e) is not None]
    return {
        "status_steps": steps,
        "status_deadlines": stored,
        "next_due": deadline_date(nearest) if nearest else None,
        "next_due_code": nearest["code"] if nearest else "",
        "overdue_count": min(overdue, 32767),
        "investment_wan": _investment(project),
        "status_key": status_key(project.pack_id, facts_digest(data)),
        "status_as_of": as_of,
        "status_valid_until": min(turns) if turns else as_of + timedelta(days=366),
    }


def status_key(pack_id: str, digest: str) -> str:
    """What the stored status was computed from: 16 hex of the pack digest, 48 of the facts digest."""
    from govit.projects.evaluations import pack_digest_hex

    return f"{pack_digest_hex(pack_id)[:16]}{digest[:48]}"


def pack_key_prefix(pack_id: str) -> str:
    from govit.projects.evaluations import pack_digest_hex

    return pack_digest_hex(pack_id)[:16]


def status_refresh(project: Project, *, as_of: date | None = None, unit_fact_values: dict[str, Any] | None = None,
                   sweep_tonight: bool = False) -> dict[str, Any]:
    """Recompute and store the status columns (an UPDATE of those columns only; `updated_at` stays).

    `sweep_tonight`: the project changed today, so the next sweep re-derives its duties and rating.
    """
    fields = compute_status(project, as_of=as_of, unit_fact_values=unit_fact_values)
    if sweep_tonight:
        fields["status_valid_until"] = fields["status_as_of"]
    for name, value in fields.items():
        setattr(project, name, value)
    Project.objects.filter(pk=project.pk).update(**fields)
    return fields


def mark_units_stale(unit_ids: list[int]) -> int:
    """A unit's facts changed (a restriction opened or lifted): its projects' answers may change."""
    if not unit_ids:
        return 0
    return Project.objects.filter(unit_id__in=unit_ids).update(status_valid_until=None)


def status_view(project: Project, today: date | None = None) -> dict[str, Any]:
    """Steps and deadlines for a list row: the stored ones, or computed now when never stored."""
    if project.status_as_of is None:
        fields = compute_status(project)
        steps, deadlines = fields["status_steps"], fields["status_deadlines"]
    else:
        steps, deadlines = project.status_steps, project.status_deadlines
    return {"steps": steps, "deadlines": deadlines_on(deadlines, today)}
