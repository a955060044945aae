"""Facts the engine derives from given facts, the same for every pack (the contract defines them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govit.policy.conditions import Context


def _change(ctx: Context) -> dict[str, Any] | None:
    return ctx.facts.get("project", {}).get("change")


def change_approved_total(ctx: Context) -> float | None:
    """The approved estimate a change is measured against (falls back to the total investment)."""
    change = _change(ctx) or {}
    return change.get("approved_total_wan") or ctx.facts.get("project", {}).get("total_investment_wan")


def _with_prior(change: dict[str, Any], name: str) -> float:
    """This adjustment's amount plus the earlier ones counted with it (`prior_<name>`)."""
    return change.get(name, 0.0) + change.get(f"prior_{name}", 0.0)


def _measured(change: dict[str, Any]) -> bool:
    return any(k in change for k in ("increase_wan", "decrease_wan", "prior_increase_wan", "prior_decrease_wan"))


def change_ratio(ctx: Context) -> float | None:
    """max(increase, decrease − procurement savings) / approved total (savings are not an adjustment),
    earlier adjustments included where the caller gives them (`prior_*`)."""
    change = _change(ctx)
    total = change_approved_total(ctx)
    if not change or not total or not _measured(change):
        return None
    increase = _with_prior(change, "increase_wan")
    decrease = max(0.0, _with_prior(change, "decrease_wan") - _with_prior(change, "procurement_savings_wan"))
    return round(max(increase, decrease) / total, 6)


def change_exceeds_estimate(ctx: Context) -> bool | None:
    """An adjustment whose increase exceeds its decrease raises the total above the approved estimate."""
    change = _change(ctx)
    if not change or not _measured(change):
        return None
    return _with_prior(change, "increase_wan") > _with_prior(change, "decrease_wan")


def change_new_content_ratio(ctx: Context) -> float | None:
    change = _change(ctx)
    total = change_approved_total(ctx)
    if not change or not total or ("new_content_wan" not in change and "prior_new_content_wan" not in change):
        return None
    return round(_with_prior(change, "new_content_wan") / total, 6)


def change_new_content_wan(ctx: Context) -> float | None:
    """New content of this adjustment and the earlier ones counted with it."""
    change = _change(ctx)
    if not change or ("new_content_wan" not in change and "prior_new_content_wan" not in change):
        return None
    return _with_prior(change, "new_content_wan")


def project_accepted(ctx: Context) -> bool | None:
    """Whether the system concerned has passed acceptance: its own date, else the prior project's."""
    project = ctx.facts.get("project", {})
    if project.get("dates", {}).get("accepted"):
        return True
    return project.get("prior_project", {}).get("accepted")


DERIVED: dict[str, Callable[[Context], Any]] = {
    "change_ratio": change_ratio,
    "change_exceeds_estimate": change_exceeds_estimate,
    "change_new_content_ratio": change_new_content_ratio,
    "change_new_content_wan": change_new_content_wan,
    "change_approved_total_wan": change_approved_total,
    "project_accepted": project_accepted,
}


def compute(name: str, ctx: Context) -> Any:
    """A determination value computed from facts (`value: {compute: change_ratio}`)."""
    if name not in DERIVED:
        raise KeyError(f"unknown computed value {name}")
    value = DERIVED[name](ctx)
    return round(value, 4) if isinstance(value, float) else value
