"""Held-out acceptance scenarios, written from the regulation texts independently of the packs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from govit.policy import evaluate

SCENARIO_DIR = Path(__file__).parent / "scenarios"


def _load() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(SCENARIO_DIR.glob("*.json")):
        for index, scenario in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            cases.append((f"{path.stem}#{index:02d}", scenario))
    return cases


CASES = _load()


def _same(expected, actual) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=0, abs_tol=1e-6)
    if isinstance(expected, list) and isinstance(actual, list):
        try:
            return set(expected) == set(actual) and len(set(expected)) == len(expected)
        except TypeError:
            return expected == actual
    return expected == actual


def _citations(finding: dict) -> list[dict]:
    cites = [finding.get("citation") or {}]
    cites.extend(finding.get("citations") or [])
    return cites


def _finding_matches(want: dict, finding: dict) -> bool:
    if finding.get("severity") != want["severity"]:
        return False
    for cite in _citations(finding):
        if cite.get("article") != want["article"]:
            continue
        if "item" in want and cite.get("item") != want["item"]:
            continue
        return True
    return False


def _deadline_matches(want: dict, actual: dict) -> bool:
    return all(str(actual.get(key)) == str(value) for key, value in want.items())


def check(scenario: dict, result: dict) -> list[str]:
    """Every way `result` departs from the scenario's expectations (empty when it meets them)."""
    expect = scenario["expect"]
    problems: list[str] = []
    if "verdict" in expect and result.get("verdict") != expect["verdict"]:
        problems.append(f"verdict: expected {expect['verdict']}, got {result.get('verdict')}")
    if "status" in expect:
        status = (result.get("pack") or {}).get("status")
        if status != expect["status"]:
            problems.append(f"pack.status: expected {expect['status']}, got {status}")
    determinations = result.get("determinations") or {}
    for name, want in (expect.get("determinations") or {}).items():
        got = determinations.get(name)
        if got is None:
            problems.append(f"determination {name}: expected {want!r}, missing")
            continue
        value = got.get("value") if isinstance(got, dict) else got
        if name == "deadlines":
            for deadline in want:
                if not any(_deadline_matches(deadline, entry) for entry in value or []):
                    shown = [{k: v for k, v in e.items() if k != "citation"} for e in value or []]
                    problems.append(f"deadline {deadline} not found; got {shown}")
        elif not _same(want, value):
            problems.append(f"determination {name}: expected {want!r}, got {value!r}")
    for want in expect.get("findings") or []:
        if not any(_finding_matches(want, f) for f in result.get("findings") or []):
            problems.append(f"finding {want} not present")
    return problems


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(s, id=case_id) for case_id, s in CASES],
)
def test_scenario(scenario: dict) -> None:
    result = evaluate(scenario["input"])
    problems = check(scenario, result)
    assert not problems, scenario["name"] + "\n  " + "\n  ".join(problems)
