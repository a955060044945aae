"""Confirmed findings as pack facts, read by the projects domain for every evaluation.

A finding the lead office confirmed sets its fact (`replaceable_by_existing`,
`similar_project_split`, `duplicate_data_collection`) to true for the projects it concerns, so the
rule that reads the fact blocks, and the evaluation's findings carry the evidence (which systems,
which functions and data items). Depends only on the analysis models: projects can import it
without an import cycle.
"""

from __future__ import annotations

from typing import Any

from govit.analysis.models import Finding, FindingStatus


def _confirmed(project_id: int) -> list[Finding]:
    return list(Finding.objects.filter(projects__pk=project_id, status=FindingStatus.CONFIRMED)
                .order_by("decided_at", "pk"))


def confirmed_facts(project_id: int) -> dict[str, bool]:
    """{fact: True} for each kind of confirmed finding on the project."""
    return {f.fact: True for f in _confirmed(project_id)}


def _summary(finding: Finding) -> dict[str, Any]:
    evidence = finding.evidence or {}
    return {"finding": finding.pk, "code": finding.code, "related": finding.related_names,
            "shared_functions": evidence.get("shared_functions", []),
            "shared_data_items": evidence.get("shared_data_items", []),
            "decided_at": finding.decided_at.isoformat() if finding.decided_at else None,
            "reason": finding.decision_reason}


def attach_evidence(result: dict[str, Any], project_id: int) -> dict[str, Any]:
    """Add `evidence` (and the related names in the message) to the findings whose fact a confirmed
    analysis finding set."""
    by_fact: dict[str, list[dict[str, Any]]] = {}
    for finding in _confirmed(project_id):
        by_fact.setdefault(finding.fact, []).append(_summary(finding))
    if not by_fact:
        return result
    for item in result.get("findings", []):
        facts = item.get("facts") or {}
        hits = [e for fact, entries in by_fact.items() if facts.get(fact) is True for e in entries]
        if hits and item["severity"] != "missing":
            item["evidence"] = hits
            names = "、".join(dict.fromkeys(f"“{n}”" for e in hits for n in e["related"]))
            if names:
                item["message"] = f"{item['message']}（经重复建设与拆分分析确认，涉及{names}。）"
    return result
