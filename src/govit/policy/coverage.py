"""Which part of a pack encodes each article of its source text (or why none can)."""

from __future__ import annotations

from dataclasses import dataclass

from govit.policy.loader import Pack

TODO = "待编写"  # the principle `govit packs new` gives every article

SECTION_LABEL = {"rules": "rule", "parameters": "parameter", "determinations": "determination",
                 "deadlines": "deadline", "stages": "stage", "checklists": "checklist", "outlines": "outline",
                 "scope": "scope", "validity": "validity"}


@dataclass
class ArticleCoverage:
    number: int
    encoded_by: list[str]
    principle: str | None

    @property
    def todo(self) -> bool:
        """Scaffolded by `govit packs new` and not written yet."""
        return not self.encoded_by and (self.principle or "").strip() == TODO

    @property
    def classified(self) -> bool:
        return bool(self.encoded_by or self.principle) and not self.todo


def _encoders(pack: Pack) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}

    def add(citation: dict, label: str) -> None:
        found.setdefault(citation["article"], [])
        if label not in found[citation["article"]]:
            found[citation["article"]].append(label)

    data = pack.data
    add(data["validity_citation"], "validity")
    for case in [*data["scope"].get("cases", []), data["scope"]["otherwise"]]:
        for c in _cites(case):
            add(c, "scope")
    for key, param in data.get("parameters", {}).items():
        for c in _cites(param):
            add(c, f"parameter:{key}")
    for rule in data.get("rules", []):
        for c in _cites(rule) + _cites(rule.get("exception", {})):
            add(c, f"rule:{rule['id']}")
    for name, spec in data.get("determinations", {}).items():
        for case in spec["cases"] + ([spec["otherwise"]] if "otherwise" in spec else []):
            for c in _cites(case):
                add(c, f"determination:{name}")
    for deadline in data.get("deadlines", []):
        for c in _cites(deadline):
            add(c, f"deadline:{deadline['code']}")
    for stage in data.get("stages", []):
        for c in _cites(stage):
            add(c, f"stage:{stage['stage']}")
    for section in ("checklists", "outlines"):
        for name, spec in data.get(section, {}).items():
            for c in _cites(spec):
                add(c, f"{SECTION_LABEL[section]}:{name}")
    return found


def _cites(node: dict) -> list[dict]:
    return ([node["citation"]] if "citation" in node else []) + list(node.get("citations", []))


def coverage(pack: Pack) -> list[ArticleCoverage]:
    encoders = _encoders(pack)
    principles = {int(k): v for k, v in pack.data.get("principles", {}).items()}
    return [ArticleCoverage(n, encoders.get(n, []), principles.get(n)) for n in sorted(pack.articles)]
