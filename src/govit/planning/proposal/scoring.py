"""Priority scores from a pack's `plan_priority` block and the lead office's weights, term by term.

A term reads one fact of the candidate: `equals` (or `in`) gives its `points` when the fact
matches; `per` gives `points` for every `per` of a number (e.g. 初审评分). The lead office
multiplies each term by its weight (default 1). Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    points: float
    weight: float
    value: float
    citation: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "points": self.points, "weight": self.weight,
                "value": self.value, "citation": self.citation}


def spec_terms(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec.get("terms") or [])


def _matches(term: dict[str, Any], value: Any) -> bool:
    if "equals" in term:
        return value == term["equals"]
    if "in" in term:
        return value in term["in"] or (isinstance(value, list) and bool(set(value) & set(term["in"])))
    return bool(value)


def term_points(term: dict[str, Any], facts: dict[str, Any]) -> float:
    value = facts.get(term["fact"])
    if "per" in term:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 0.0
        return float(term["points"]) * number / float(term["per"])
    return float(term["points"]) if _matches(term, value) else 0.0


def score(spec: dict[str, Any], facts: dict[str, Any], weights: dict[str, float] | None = None,
          ) -> tuple[float, list[Term]]:
    """The candidate's score and the terms that gave it points (base first)."""
    weights = weights or {}
    base = float(spec.get("base", 0))
    terms: list[Term] = []
    if base:
        terms.append(Term("base", "基础分", base, 1.0, base, spec.get("citation")))
    for term in spec_terms(spec):
        points = term_points(term, facts)
        if not points:
            continue
        weight = float(weights.get(term["key"], 1.0))
        terms.append(Term(term["key"], term["label"], round(points, 4), weight, round(points * weight, 4),
                          term.get("citation")))
    return round(sum(t.value for t in terms), 4), terms


def mandatory_reasons(spec: dict[str, Any], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The pack's mandatory kinds the candidate is (续建, 上级要求 …), each with its citation."""
    return [rule for rule in spec.get("mandatory") or [] if _matches(rule, facts.get(rule["fact"]))]
