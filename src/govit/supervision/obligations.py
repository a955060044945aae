"""Which dated duties a project has at a date: the pack's deadlines, taken over the project's history.

The engine gives the deadlines that stand at one `as_of`. A quarterly report due at the end of a past
quarter is no longer among them, so the project is evaluated again at the end of every period since
its first dated fact, with the facts as they stood then (later dates removed). A recurring duty is
taken at its own period end (or at `as_of` for the current period); a one-off duty from any of those
evaluations. What "met" means for each code is the platform's mapping to reports and steps below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from govit import policy
from govit.policy.legal import next_annual, quarter_end, year_end
from govit.projects.models import Project, ProjectEvent


@dataclass(frozen=True)
class MetBy:
    """The timeline events that fulfil a duty. `same_period`: the event's details.period must match."""

    kinds: tuple[str, ...] = ()
    to_states: tuple[str, ...] = ()
    same_period: bool = False


# How each deadline code of the contract is fulfilled on the platform.
MET_BY: dict[str, MetBy] = {
    "progress_report_due": MetBy(kinds=("report.quarterly",), same_period=True),
    "performance_report_due": MetBy(kinds=("report.yearly",), same_period=True),
    "acceptance_application_due": MetBy(kinds=("pre_acceptance.request", "acceptance.request")),
    "procurement_start_due": MetBy(kinds=("procurement.start",)),
    "self_evaluation_window": MetBy(kinds=("self_evaluation",)),
    "application_due": MetBy(kinds=("submit",)),
    "annual_plan_due": MetBy(to_states=("planned",)),
}
# Dates that are not duties: 试运行最早届满日 only says when acceptance may start.
INFORMATIONAL = frozenset({"trial_run_earliest_end"})


@dataclass
class Candidate:
    code: str
    period: str
    label: str
    citation: dict[str, Any]
    due: date | None = None
    window_from: date | None = None
    window_until: date | None = None
    engine_met: bool = False
    sampled: date | None = None  # the day whose evaluation gave it
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def deadline(self) -> date | None:
        return self.due or self.window_until


def period_kind(spec: dict[str, Any]) -> str | None:
    due = spec.get("due") or {}
    if "period_end" in due:
        return due["period_end"]
    if "annual" in due:
        return "annual"
    return None


def period_key(kind: str | None, due: date) -> str:
    if kind == "quarter":
        return f"{due.year}Q{(due.month - 1) // 3 + 1}"
    if kind in ("year", "annual"):
        return str(due.year)
    return ""


def _period_end(spec: dict[str, Any], day: date) -> date:
    due = spec["due"]
    if "period_end" in due:
        return quarter_end(day) if due["period_end"] == "quarter" else year_end(day)
    return next_annual(day, due["annual"]["month"], due["annual"]["day"])


def _facts_at(facts: dict[str, Any], day: date) -> dict[str, Any]:
    """The project facts as they stood on `day`: dates after it had not happened yet."""
    dates = {k: v for k, v in (facts.get("dates") or {}).items() if v and date.fromisoformat(v) <= day}
    return {**facts, "dates": dates}


def _dates_of(facts: dict[str, Any]) -> list[date]:
    return sorted({date.fromisoformat(v) for v in (facts.get("dates") or {}).values() if v})


def sample_dates(pack: policy.Pack, facts: dict[str, Any], as_of: date) -> set[date]:
    """as_of, every dated fact up to it, and every period end of the pack's recurring deadlines
    from the first dated fact up to it."""
    dates = [d for d in _dates_of(facts) if d <= as_of]
    samples = {as_of, *dates}
    if not dates:
        return samples
    for spec in pack.data.get("deadlines", []):
        if period_kind(spec) is None:
            continue
        day = dates[0]
        while True:
            end = _period_end(spec, day)
            if end > as_of:
                break
            samples.add(end)
            day = end + timedelta(days=1)
    return samples


def _derivation_facts(project: Project) -> dict[str, Any]:
    facts = dict(project.facts)
    facts.setdefault("name", project.name)
    return facts


def history_key(project: Project, unit_facts: dict[str, Any], day: date) -> str:
    """The digest of everything the derivation of the duties up to `day` reads (see `DutyHistory`):
    the evaluation at each sample sees only the facts as they stood then, so when this digest is the
    same the duties up to `day` are the same."""
    import hashlib
    import json

    data = {"pack": policy.load_pack(project.pack_id).digest, "state": project.state,
            "project": _facts_at(_derivation_facts(project), day), "unit": unit_facts}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def candidates(project: Project, unit_facts: dict[str, Any], as_of: date,
               since: date | None = None) -> dict[tuple[str, str], Candidate]:
    """Every duty the pack gives the project up to `as_of`, keyed by (code, period).

    `since`: the duties up to that day are already derived from the same history (`history_key`), so
    only the days after it are sampled; the result then holds the duties found after it and at `as_of`.
    """
    pack = policy.load_pack(project.pack_id)
    specs = {spec["code"]: spec for spec in pack.data.get("deadlines", [])}
    facts = _derivation_facts(project)
    found: dict[tuple[str, str], Candidate] = {}
    samples = sample_dates(pack, facts, as_of)
    if since is not None:
        samples = {day for day in samples if day > since} | {as_of}
    for sample in sorted(samples):
        data = {"pack": project.pack_id, "project": _facts_at(facts, sample), "unit": unit_facts}
        result = policy.evaluate(data, project.pack_id, sample.isoformat())
        entries = (result.get("determinations", {}).get("deadlines") or {}).get("value") or []
        for entry in entries:
            spec = specs.get(entry["code"], {})
            kind = period_kind(spec)
            if "due" in entry:
                due = date.fromisoformat(entry["due"])
                if kind is not None and due != sample and sample != as_of:
                    continue  # a recurring duty counts at its own period end (or now)
                cand = Candidate(code=entry["code"], period=period_key(kind, due), label=entry.get("label", ""),
                                 citation=entry["citation"], due=due)
            else:
                cand = Candidate(code=entry["code"], period="", label=entry.get("label", ""),
                                 citation=entry["citation"], window_from=date.fromisoformat(entry["from"]),
                                 window_until=date.fromisoformat(entry["until"]))
            cand.sampled = sample
            key = (cand.code, cand.period)
            if sample == as_of:
                cand.engine_met = entry.get("status") == "met"
                found[key] = cand
            else:
                found.setdefault(key, cand)
    return found


def met_event(project: Project, code: str, period: str) -> ProjectEvent | None:
    """The first timeline event that fulfils the duty, if any."""
    rule = MET_BY.get(code)
    if rule is None:
        return None
    events = ProjectEvent.objects.filter(project=project)
    if rule.kinds:
        events = events.filter(kind__in=rule.kinds)
    if rule.to_states:
        events = events.filter(to_state__in=rule.to_states)
    if rule.same_period:
        events = events.filter(details__period=period)
    return events.order_by("at", "pk").first()


def status_at(*, deadline_from: date | None, deadline: date, as_of: date) -> str:
    """upcoming / due / overdue of an unmet duty. A window is `due` while it is open."""
    if as_of > deadline:
        return "overdue"
    if deadline_from is not None:
        return "due" if as_of >= deadline_from else "upcoming"
    return "due" if as_of == deadline else "upcoming"


def mark_met_by(event: ProjectEvent) -> int:
    """The duties `event` fulfils are met now, not at the next sweep (the same rules as `met_event`)."""
    from django.db.models import Q

    from govit.supervision.models import OPEN_OBLIGATION_STATUSES, Obligation, ObligationStatus

    match = Q(pk__in=[])
    for code, rule in MET_BY.items():
        if (rule.kinds and event.kind not in rule.kinds) or (rule.to_states and event.to_state not in rule.to_states):
            continue
        if not rule.kinds and not rule.to_states:
            continue
        if rule.same_period:
            period = (event.details or {}).get("period")
            if not period:
                continue
            match |= Q(code=code, period=period)
        else:
            match |= Q(code=code)
    return Obligation.objects.filter(match, project_id=event.project_id, status__in=OPEN_OBLIGATION_STATUSES).update(
        status=ObligationStatus.MET, met_at=event.at, met_by_event=event)
