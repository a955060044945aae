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


def change_ratio(ctx: Context) -> float | None:
    """max(increase, decrease − procurement savings) / approved total (savings are not an adjustment)."""
    change = _change(ctx)
    total = change_approved_total(ctx)
    if not change or not total or ("increase_wan" not in change and "decrease_wan" not in change):
        return None
    increase = change.get("increase_wan", 0.0)
    decrease = max(0.0, change.get("decrease_wan", 0.0) - change.get("procurement_savings_wan", 0.0))
    return round(max(increase, decrease) / total, 6)


def change_exceeds_estimate(ctx: Context) -> bool | None:
    """An adjustment whose increase exceeds its decrease raises the total above the approved estimate."""
    change = _change(ctx)
    if not change or ("increase_wan" not in change and "decrease_wan" not in change):
        return None
    return change.get("increase_wan", 0.0) > change.get("decrease_wan", 0.0)


def change_new_content_ratio(ctx: Context) -> float | None:
    change = _change(ctx)
    total = change_approved_total(ctx)
    if not change or not total or "new_content_wan" not in change:
        return None
    return round(change["new_content_wan"] / total, 6)


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
    "change_approved_total_wan": change_approved_total,
    "project_accepted": project_accepted,
}


def compute(name: str, ctx: Context) -> Any:
    """A determination value computed from facts (`value: {compute: change_ratio}`)."""
    if name not in DERIVED:
        raise KeyError(f"unknown computed value {name}")
    value = DERIVED[name](ctx)
    return round(value, 4) if isinstance(value, float) else value
