"""Running the policy engine for callers of the API and the pre-check page, and reading its result in Chinese."""

from __future__ import annotations

from typing import Any

from govit.policy import FactsError, PackError, evaluate_facts, labels, pack_ids, parse_input, vocabulary
from govit.regulations.selectors import article_url, citation_text


def evaluate_one(data: Any) -> dict[str, Any]:
    """The contract's output for `data` under its own pack; FactsError names the field on bad input."""
    facts = parse_input(data)
    if not facts.pack:
        raise FactsError([f"字段 pack：请选择政策包（可选：{'、'.join(pack_ids())}）"])
    if facts.pack not in pack_ids():
        raise FactsError([f"字段 pack：未知的政策包 {facts.pack!r}，可选：{'、'.join(pack_ids())}"])
    return evaluate_facts(facts).to_json()


def evaluate_all(data: Any) -> list[dict[str, Any]]:
    """The same facts under every pack (the what-if view), in pack id order."""
    facts = parse_input(data)
    results = []
    for pack_id in pack_ids():
        try:
            results.append(evaluate_facts(facts, pack_id).to_json())
        except PackError:
            continue  # a pack that does not load (named by `govit packs list`) does not hide the others
    return results


def _links(pack_id: str, citations: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen, links = set(), []
    for citation in citations:
        key = (citation["article"], citation.get("item"))
        if key in seen or citation.get("pack", pack_id) != pack_id:
            continue
        seen.add(key)
        links.append({"text": citation_text(citation), "url": article_url(pack_id, citation["article"])})
    return links


def _deadline_rows(pack_id: str, deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for entry in deadlines:
        when = entry["due"] if "due" in entry else f"{entry['from']} 至 {entry['until']}"
        rows.append({
            "label": entry.get("label") or labels.DEADLINE.get(entry["code"], entry["code"]),
            "when": when,
            "status": entry.get("status", ""),
            "status_label": labels.DEADLINE_STATUS.get(entry.get("status", ""), entry.get("status", "")),
            "links": _links(pack_id, [entry["citation"]]),
        })
    return rows


def readable(result: dict[str, Any]) -> dict[str, Any]:
    """A contract result shaped for the page: verdict, findings by severity, determinations in Chinese."""
    pack_id = result["pack"]["id"]
    groups = []
    for severity in labels.SEVERITY_ORDER:
        items = [
            {
                "message": f["message"],
                "links": _links(pack_id, [f["citation"], *f.get("citations", [])]),
                "missing": [labels.fact_label(name) for name in f.get("missing_facts", [])],
            }
            for f in result["findings"]
            if f["severity"] == severity
        ]
        if items:
            groups.append({"severity": severity, "label": labels.SEVERITY[severity], "findings": items})
    determinations, deadlines = [], []
    for name, det in result["determinations"].items():
        if name == "deadlines":
            deadlines = _deadline_rows(pack_id, det["value"])
            continue
        determinations.append({
            "name": name,
            "label": vocabulary.determination_name(pack_id, name),
            "value": vocabulary.determination_text(pack_id, name, det["value"]),
            "conflict": det.get("conflict", False),
            "links": _links(pack_id, det["citations"]),
        })
    verdict = result["verdict"]
    return {
        "pack": result["pack"],
        "pack_status_label": labels.PACK_STATUS[result["pack"]["status"]],
        "as_of": result["as_of"],
        "verdict": verdict,
        "verdict_label": labels.VERDICT[verdict],
        "verdict_hint": labels.VERDICT_HINT[verdict],
        "groups": groups,
        "determinations": determinations,
        "deadlines": deadlines,
    }


def what_if_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per pack: its verdict and review route for the same facts."""
    rows = []
    for result in results:
        route = result["determinations"].get("review_route")
        blocks = sum(1 for f in result["findings"] if f["severity"] == "block")
        rows.append({
            "pack_id": result["pack"]["id"],
            "title": result["pack"]["title"],
            "status_label": labels.PACK_STATUS[result["pack"]["status"]],
            "verdict": result["verdict"],
            "verdict_label": labels.VERDICT[result["verdict"]],
            "blocks": blocks,
            "review_route": labels.determination_value_label("review_route", route["value"]) if route else "未能判定",
        })
    return rows
