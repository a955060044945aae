"""The public shape of an evaluation (policy-contract.md): these names are the contract."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)
    pack: str
    article: int
    item: int | None = None
    annex: int | None = None


class Finding(BaseModel):
    rule: str
    severity: Literal["block", "warn", "info", "missing", "conflict"]
    citation: Citation
    citations: list[Citation] = Field(default_factory=list)
    message: str
    facts: dict[str, Any] = Field(default_factory=dict)
    missing_facts: list[str] = Field(default_factory=list)


class Determination(BaseModel):
    value: Any
    citations: list[Citation]
    conflict: bool = False
    basis: list[str] = Field(default_factory=list)


class PackInfo(BaseModel):
    id: str
    title: str
    doc_number: str
    status: Literal["in_force", "expired", "not_yet_in_force"]
    valid_from: date | None
    valid_until: date | None
    digest: str
    days_left: int | None = None
    # The pack states what it does not know instead of inventing it.
    doc_number_known: bool = True
    valid_from_known: bool = True
    text_complete: bool = True
    missing_articles: list[int] = Field(default_factory=list)


class TraceEntry(BaseModel):
    kind: str
    name: str
    result: Any
    facts: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)


class EvaluationResult(BaseModel):
    pack: PackInfo
    as_of: date
    verdict: Literal["eligible", "blocked", "incomplete"]
    findings: list[Finding]
    determinations: dict[str, Determination]
    trace: list[TraceEntry]
    facts: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; empty optional fields are dropped so the output reads cleanly."""
        data = self.model_dump(mode="json")
        for finding in data["findings"]:
            _strip_citation(finding["citation"])
            for citation in finding["citations"]:
                _strip_citation(citation)
            if not finding["citations"]:
                del finding["citations"]
            if not finding["missing_facts"]:
                del finding["missing_facts"]
        for determination in data["determinations"].values():
            for citation in determination["citations"]:
                _strip_citation(citation)
            if not determination["conflict"]:
                del determination["conflict"]
                del determination["basis"]
        return data


def _strip_citation(citation: dict[str, Any]) -> None:
    for key in ("item", "annex"):
        if citation.get(key) is None:
            citation.pop(key, None)
