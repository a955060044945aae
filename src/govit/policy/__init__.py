"""govit.policy: regulations as versioned packs, and the engine that applies them (pure Python, no Django)."""

from govit.policy.declarations import pack_fact_label, pack_label
from govit.policy.engine import evaluate_facts
from govit.policy.facts import EvaluationInput, FactsError, parse_input
from govit.policy.loader import Pack, PackError, load_pack, pack_ids
from govit.policy.result import EvaluationResult

__all__ = ["EvaluationInput", "EvaluationResult", "FactsError", "Pack", "PackError", "evaluate", "evaluate_facts",
           "load_pack", "pack_fact_label", "pack_ids", "pack_label", "parse_input"]


def evaluate(data: dict, pack_id: str | None = None, as_of: str | None = None) -> dict:
    """Evaluate raw contract JSON and return the contract's output as a dict."""
    from datetime import date

    facts = parse_input(data)
    return evaluate_facts(facts, pack_id, date.fromisoformat(as_of) if as_of else None).to_json()
