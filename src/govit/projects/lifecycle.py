"""What a pack says about the lifecycle: which stages it uses, in which order, and their citations.

Pure functions over a loaded pack; the services use them to decide where a step leads.
"""

from __future__ import annotations

from typing import Any

from govit.policy import load_pack
from govit.policy.numerals import int_to_cn
from govit.projects.models import ProjectState

S = ProjectState
# States that are outcomes or interruptions, never steps of the main sequence.
SIDE_STATES = frozenset({S.RETURNED, S.REJECTED, S.SUSPENDED, S.TERMINATED})


def pack_stages(pack_id: str) -> list[dict[str, Any]]:
    return list(load_pack(pack_id).data.get("stages", []))


def stage_listed(pack_id: str, stage: str) -> bool:
    return any(s["stage"] == stage for s in pack_stages(pack_id))


def main_sequence(pack_id: str) -> list[str]:
    """The stages a project passes through in order.

    `filed` is part of the sequence only where the pack lists it right after `approved`
    (昌吉: 立项后报备); elsewhere it is an alternative to approval (备案 route).
    """
    listed = [s["stage"] for s in pack_stages(pack_id) if s["stage"] not in SIDE_STATES]
    sequence = []
    for index, stage in enumerate(listed):
        if stage == S.FILED and not (index > 0 and listed[index - 1] == S.APPROVED):
            continue
        sequence.append(stage)
    if S.DRAFT not in sequence:
        sequence.insert(0, S.DRAFT)
    return sequence


def predecessor(pack_id: str, stage: str) -> str | None:
    sequence = main_sequence(pack_id)
    if stage not in sequence:
        return None
    index = sequence.index(stage)
    return sequence[index - 1] if index > 0 else None


def successor(pack_id: str, stage: str) -> str | None:
    sequence = main_sequence(pack_id)
    if stage not in sequence:
        return None
    index = sequence.index(stage)
    return sequence[index + 1] if index + 1 < len(sequence) else None


def stage_citations(pack_id: str, stage: str) -> list[dict[str, Any]]:
    for s in pack_stages(pack_id):
        if s["stage"] == stage:
            found = [s["citation"]] if s.get("citation") else []
            found += s.get("citations", [])
            return [{"pack": pack_id, **c} for c in found]
    return []


def stage_label(pack_id: str, stage: str) -> str:
    for s in pack_stages(pack_id):
        if s["stage"] == stage and s.get("label"):
            return s["label"]
    return ProjectState(stage).label


def checklist(pack_id: str, name: str) -> dict[str, Any] | None:
    return (load_pack(pack_id).data.get("checklists") or {}).get(name)


def checklist_citations(pack_id: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    found = [entry["citation"]] if entry.get("citation") else []
    found += [c for c in entry.get("citations", []) if c not in found]
    return [{"pack": pack_id, **c} for c in found]


def parameter(pack_id: str, key: str) -> Any:
    param = load_pack(pack_id).parameters.get(key)
    return None if param is None else param.get("value")


def parameter_citations(pack_id: str, key: str) -> list[dict[str, Any]]:
    param = load_pack(pack_id).parameters.get(key) or {}
    found = [param["citation"]] if param.get("citation") else []
    return [{"pack": pack_id, **c} for c in found + param.get("citations", [])]


def cite_text(citation: dict[str, Any]) -> str:
    """第十二条（三）; 附件1 for annex citations."""
    if citation.get("annex") and not citation.get("article"):
        return f"附件{citation['annex']}"
    text = f"第{int_to_cn(int(citation['article']))}条"
    if citation.get("item"):
        text += f"（{int_to_cn(int(citation['item']))}）"
    return text


def cite_list(citations: list[dict[str, Any]]) -> str:
    seen: list[str] = []
    for c in citations:
        if c.get("article") and (text := cite_text(c)) not in seen:
            seen.append(text)
    return "、".join(seen)
