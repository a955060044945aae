"""What a pack says the analysis' findings rest on (the pack's `analysis:` section and the rules that
read the facts it sets): each finding's article, severity and, for splits, the amount dodged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from govit import policy
from govit.policy.numerals import int_to_cn

_STRICT = {"block": 0, "warn": 1, "info": 2}


def _reads(condition: Any, fact: str) -> bool:
    if isinstance(condition, dict):
        return condition.get("fact") == fact or any(_reads(v, fact) for v in condition.values())
    if isinstance(condition, list):
        return any(_reads(v, fact) for v in condition)
    return False


def cite_text(citation: dict[str, Any]) -> str:
    text = f"第{int_to_cn(int(citation['article']))}条"
    if citation.get("item"):
        text += f"（{int_to_cn(int(citation['item']))}）"
    return text


@dataclass(frozen=True)
class Basis:
    """The rule a confirmed finding makes bite: fact, citations (main first), severity, message."""

    code: str
    fact: str
    rule_id: str
    citations: tuple[dict[str, Any], ...]
    severity: str
    message: str

    @property
    def citation(self) -> dict[str, Any]:
        return self.citations[0]

    @property
    def cite(self) -> str:
        return "、".join(dict.fromkeys(cite_text(c) for c in self.citations))


@dataclass(frozen=True)
class SplitThreshold:
    value: Decimal
    term: str
    label: str
    dodges: str

    def triggers(self, amount: float | Decimal) -> bool:
        """Whether `amount` reaches the procedure: 超过 excludes the number, 以上/及以上 include it."""
        amount = Decimal(str(amount))
        return amount > self.value if self.term in ("超过", "高于", "大于") else amount >= self.value

    @property
    def reach_text(self) -> str:
        number = f"{self.value.normalize():f}万元"
        return f"超过{number}" if self.term in ("超过", "高于", "大于") else f"达到{number}"


@dataclass(frozen=True)
class PackRules:
    pack_id: str
    title: str
    duplicate: Basis | None
    data: Basis | None
    split: Basis | None
    threshold: SplitThreshold | None
    data_consequence: tuple[dict[str, Any], ...]


def _basis(pack: Any, code: str, spec: dict[str, Any] | None) -> Basis | None:
    if not spec:
        return None
    fact = spec["fact"]
    rules = [r for r in pack.data.get("rules", []) if _reads(r.get("when"), f"project.{fact}")]
    if not rules:
        return None
    rule = sorted(rules, key=lambda r: _STRICT.get(r["severity"], 3))[0]
    cites = [rule["citation"]] if rule.get("citation") else []
    cites += [c for c in rule.get("citations", []) if c not in cites]
    return Basis(code=code, fact=fact, rule_id=f"{pack.id}/{rule['id']}",
                 citations=tuple({"pack": pack.id, **c} for c in cites), severity=rule["severity"],
                 message=rule["message"])


@cache
def _rules(pack_id: str, digest: str) -> PackRules:
    pack = policy.load_pack(pack_id)
    section = pack.data.get("analysis") or {}
    split_spec = section.get("split_application")
    threshold = None
    if split_spec:
        param = pack.parameters[split_spec["threshold"]["param"]]
        threshold = SplitThreshold(value=Decimal(str(param["value"])), term=param.get("term", "以上"),
                                   label=param["label"], dodges=split_spec["dodges"])
    consequence: list[dict[str, Any]] = []
    for rule in pack.data.get("rules", []):
        if _reads(rule.get("when"), "unit.data_sharing_violation") and rule.get("citation"):
            consequence.append({"pack": pack_id, **rule["citation"]})
    return PackRules(pack_id=pack_id, title=pack.title,
                     duplicate=_basis(pack, "duplicate_construction", section.get("duplicate_construction")),
                     data=_basis(pack, "duplicate_data_collection", section.get("duplicate_data_collection")),
                     split=_basis(pack, "split_application", split_spec), threshold=threshold,
                     data_consequence=tuple(consequence))


def pack_rules(pack_id: str) -> PackRules:
    return _rules(pack_id, policy.load_pack(pack_id).digest)
