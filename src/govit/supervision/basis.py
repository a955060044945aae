"""What a pack says about restricting a unit and escalating a rectification order (read from pack.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from govit import policy


def _mentions(cond: Any, fact: str) -> bool:
    if isinstance(cond, dict):
        return cond.get("fact") == fact or any(_mentions(v, fact) for v in cond.values())
    if isinstance(cond, list):
        return any(_mentions(v, fact) for v in cond)
    return False


def _lifting_condition(message: str) -> str:
    """The sentence of a rule's message that tells the unit what to do (“请先……”)."""
    sentences = [s for s in re.split(r"[。；]", message) if s.strip()]
    asks = [s.strip() for s in sentences if s.strip().startswith("请")]
    return (asks[-1] if asks else sentences[-1].strip()) + "。" if sentences else ""


@dataclass(frozen=True)
class SanctionBasis:
    citation: dict[str, Any]
    consequence: str
    lifting_condition: str
    bars_application: bool


def sanction_basis(pack_id: str, kind: str) -> SanctionBasis | None:
    """The article and rule of `pack_id` that restrict a unit whose `unit.<kind>` fact is true."""
    pack = policy.load_pack(pack_id)
    fact = f"unit.{kind}"
    rule = next((r for r in pack.data.get("rules", []) if _mentions(r.get("when"), fact)), None)
    gate = pack.data.get("determinations", {}).get("unit_may_apply", {})
    case = next((c for c in gate.get("cases", []) if _mentions(c.get("when"), fact) and c.get("value") is False),
                None)
    if rule is None and case is None:
        return None
    citation = (case["citations"][0] if case else rule.get("citation") or rule["citations"][0])
    message = rule["message"] if rule else ""
    return SanctionBasis(
        citation={"pack": pack_id, **citation},
        consequence=message.split("。")[0] + "。" if message else "不得申报新项目。",
        lifting_condition=_lifting_condition(message) if message else "",
        bars_application=case is not None,
    )


def escalation_ladder(pack_id: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The pack's escalation steps ({step, label}) and their citation; empty when the pack has none."""
    pack = policy.load_pack(pack_id)
    entry = pack.data.get("checklists", {}).get("escalation")
    if not entry:
        return [], {}
    steps = [dict(s) if isinstance(s, dict) else {"step": f"step{i}", "label": str(s)}
             for i, s in enumerate(entry.get("steps", []))]
    citation = entry.get("citation") or entry["citations"][0]
    return steps, {"pack": pack_id, **citation}
