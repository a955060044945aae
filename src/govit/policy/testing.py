"""Run a pack's cases.yaml: each case is facts → expected verdict, determinations and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govit.policy.engine import evaluate_facts
from govit.policy.facts import parse_input
from govit.policy.loader import Pack, read_yaml


@dataclass
class CaseResult:
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(pack: Pack) -> list[dict[str, Any]]:
    if pack.cases_path is None:
        return []
    cases = read_yaml(pack.cases_path) or []
    if not isinstance(cases, list):
        raise ValueError(f"{pack.cases_path}: cases.yaml is a list of cases")
    return cases


def _citations(finding: dict[str, Any]) -> list[dict[str, Any]]:
    return [finding["citation"], *finding.get("citations", [])]


def finding_matches(expected: dict[str, Any], finding: dict[str, Any]) -> bool:
    if "severity" in expected and finding["severity"] != expected["severity"]:
        return False
    if "rule" in expected and not finding["rule"].endswith(expected["rule"]):
        return False
    if "article" in expected:
        wanted = (expected["article"], expected.get("item"))
        cites = [(c["article"], c.get("item")) for c in _citations(finding)]
        if "item" in expected:
            if wanted not in cites:
                return False
        elif expected["article"] not in [c[0] for c in cites]:
            return False
    return not ("message_contains" in expected and expected["message_contains"] not in finding["message"])


def _normal(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def determination_matches(expected: Any, actual: Any) -> bool:
    expected, actual = _normal(expected), _normal(actual)
    if isinstance(expected, list) and isinstance(actual, list):
        if all(isinstance(e, dict) for e in expected):
            return all(any(all(a.get(k) == v for k, v in e.items()) for a in actual) for e in expected)
        return sorted(map(str, expected)) == sorted(map(str, actual))
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return abs(float(expected) - float(actual)) < 1e-4
        except (TypeError, ValueError):
            return False
    return expected == actual


def run_case(pack: Pack, case: dict[str, Any]) -> CaseResult:
    result = CaseResult(case.get("name", "(unnamed)"))
    facts = parse_input({**case.get("facts", {}), "pack": pack.id})
    as_of = case.get("as_of")
    as_of = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    output = evaluate_facts(facts, pack.id, as_of).to_json()
    expect = case.get("expect", {})
    if "verdict" in expect and output["verdict"] != expect["verdict"]:
        result.problems.append(f"verdict {output['verdict']!r}, expected {expect['verdict']!r}")
    if "pack_status" in expect and output["pack"]["status"] != expect["pack_status"]:
        result.problems.append(f"pack status {output['pack']['status']!r}, expected {expect['pack_status']!r}")
    for name, wanted in (expect.get("determinations") or {}).items():
        got = output["determinations"].get(name)
        if wanted is None:
            if got is not None:
                result.problems.append(f"determination {name} should be omitted, got {got['value']!r}")
        elif got is None:
            result.problems.append(f"determination {name} missing, expected {wanted!r}")
        elif not determination_matches(wanted, got["value"]):
            result.problems.append(f"determination {name} = {got['value']!r}, expected {wanted!r}")
    for wanted in expect.get("findings") or []:
        if not any(finding_matches(wanted, f) for f in output["findings"]):
            result.problems.append(f"no finding matching {wanted}")
    for unwanted in expect.get("no_findings") or []:
        hits = [f for f in output["findings"] if finding_matches(unwanted, f)]
        if hits:
            result.problems.append(f"unexpected finding(s) matching {unwanted}: {[f['rule'] for f in hits]}")
    if result.problems:
        summary = [f"{f['severity']} {f['rule']} {f['citation']}" for f in output["findings"]]
        result.problems.append(f"(findings were: {summary})")
    return result


def run_cases(pack: Pack) -> list[CaseResult]:
    return [run_case(pack, case) for case in load_cases(pack)]
