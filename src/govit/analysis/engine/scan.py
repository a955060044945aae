"""One subject against an index, and every finding of an index: the check and the scan without
Django (checks.py feeds them from the database; the bench feeds them generated portfolios)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from govit.analysis.engine.detect import (
    NOT_COMPARED,
    comparable,
    data_candidates,
    duplicate_data,
    duplicates,
    split_candidate,
    split_finding,
    split_groups,
)
from govit.analysis.engine.index import Doc, Index, Scored
from govit.analysis.engine.rules import PackRules

_SEVERITY = {"block": 0, "warn": 1, "info": 2}


def order_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (_SEVERITY.get(f["severity"], 3), f["code"], -(f["score"] or 0),
                                           f["fingerprint"]))


@dataclass
class CheckResult:
    similar: list[Scored]
    findings: list[dict[str, Any]]


def _split_for(index: Index, subject: Doc, rules: PackRules, cos: Any, exclude: set[str]) -> list[dict[str, Any]]:
    if rules.split is None:
        return []
    if subject.plan_year is None and subject.key not in index.by_key and subject.amount_wan is not None:
        # An application that names no plan year is read as being for the year of its likeliest part.
        group = subject.group_id or subject.unit_id
        parts = [d for d in index.docs if d.key not in exclude and split_candidate(d, rules)
                 and (d.group_id or d.unit_id) == group]
        if parts:
            best = max(parts, key=lambda d: (float(cos[index.by_key[d.key]]), d.plan_year or 0, d.key))
            subject = replace(subject, plan_year=best.plan_year)
    if not split_candidate(subject, rules):
        return []
    key = (subject.group_id or subject.unit_id, subject.plan_year)
    nodes = [d for d in index.docs if d.key not in exclude and d.key != subject.key and split_candidate(d, rules)
             and (d.group_id or d.unit_id, d.plan_year) == key]
    if not nodes:
        return []
    in_index = subject.key in index.by_key

    def similarity(a: Doc, b: Doc) -> float:
        if a.key == subject.key and not in_index:
            return float(cos[index.by_key[b.key]])
        if b.key == subject.key and not in_index:
            return float(cos[index.by_key[a.key]])
        return index.text_similarity(index.by_key[a.key], index.by_key[b.key])

    for group in split_groups(index, [subject, *nodes], rules, similarity=similarity):
        if any(d.key == subject.key for d in group.parts):
            return [split_finding(group, rules, subject=subject)]
    return []


def check_subject(index: Index, subject: Doc, rules: PackRules, key_items: frozenset[str], *,
                  exclude: set[str] = frozenset(), with_splits: bool = True) -> CheckResult:
    """Similar documents and the findings on `subject` (stored or not)."""
    settings = index.settings

    def keep(d: Doc) -> bool:
        return d.key != subject.key and d.key not in exclude and comparable(d)

    similar = index.search(subject.features, keep=keep)
    cos = index.cosines(subject.features) if with_splits else None
    splits = _split_for(index, subject, rules, cos, set(exclude)) if with_splits else []
    partners = {p["key"] for f in splits for p in f["parts"]}
    findings = splits + duplicates(index, subject, similar, rules, partners)
    candidates = data_candidates(index, subject) | {index.by_key[h.doc.key] for h in similar}
    findings += duplicate_data(index, subject, rules, key_items,
                               (i for i in candidates if keep(index.docs[i])))
    return CheckResult(similar=[h for h in similar if h.score >= settings["similar_min"]][: settings["similar_limit"]],
                       findings=order_findings(findings))



def scan_index(index: Index, rules: PackRules, key_items: frozenset[str]) -> list[dict[str, Any]]:
    """Every finding among the index's projects and systems, in a stable order."""
    findings: list[dict[str, Any]] = []
    partners: dict[str, set[str]] = {}
    if rules.split is not None:
        nodes = [d for d in index.docs if split_candidate(d, rules)]
        for group in split_groups(index, nodes, rules, similarity=lambda a, b: index.text_similarity(
                index.by_key[a.key], index.by_key[b.key])):
            findings.append(split_finding(group, rules))
            keys = {d.key for d in group.parts}
            for k in keys:
                partners.setdefault(k, set()).update(keys - {k})
    for subject in index.docs:
        if subject.kind != "project" or subject.state in NOT_COMPARED:
            continue

        def keep(d: Doc, subject: Doc = subject) -> bool:
            return d.key != subject.key and comparable(d)

        similar = index.search(subject.features, keep=keep, minimum=index.settings["duplicate_warn"])
        findings += duplicates(index, subject, similar, rules, partners.get(subject.key, set()))
        candidates = data_candidates(index, subject) | {index.by_key[h.doc.key] for h in similar}
        findings += duplicate_data(index, subject, rules, key_items, (i for i in candidates if keep(index.docs[i])))
    return order_findings(findings)
