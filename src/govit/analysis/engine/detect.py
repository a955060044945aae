"""The three findings, from the index and the pack: duplicate construction, split applications and
duplicate data collection. Pure Python: `govit analysis check`, the scan, the pages and the bench
all call these functions, so they give the same answer for the same portfolio.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from govit.analysis.engine.features import char_pairs
from govit.analysis.engine.index import Doc, Index, Scored, match_phrases
from govit.analysis.engine.rules import Basis, PackRules

# Projects that alter what the unit already runs: their own system is what they change, not a duplicate.
ALTERATIONS = frozenset({"upgrade", "rebuild", "expansion", "migration", "operation"})
CLOSED = frozenset({"rejected", "terminated"})
# Drafts are the applicant's own work in progress: compared in its pre-check, never a finding's target.
NOT_COMPARED = CLOSED | {"draft"}
STAGE_ORDER = ("draft", "returned", "submitted", "preliminary_review", "in_library", "planned", "under_review",
               "approved", "filed", "procurement", "construction", "trial_run", "pre_acceptance", "suspended",
               "accepted", "in_operation", "evaluated")
BUILT = frozenset({"accepted", "in_operation", "evaluated"})
MAX_WORD_POSTINGS = 200  # a data word held by more systems than this says nothing on its own
KIND_LABEL = {"system": "存量系统", "project": "项目"}


def comparable(doc: Doc) -> bool:
    return doc.kind == "system" or doc.state not in NOT_COMPARED


def holds_shared_data(doc: Doc) -> bool:
    return doc.shares_data and (doc.kind == "system" or doc.state in BUILT)


def _rank(doc: Doc) -> int:
    return STAGE_ORDER.index(doc.state) if doc.state in STAGE_ORDER else len(STAGE_ORDER)


def subject_of(a: Doc, b: Doc) -> Doc:
    """Of two similar projects, the finding is on the one less far along (then the later plan
    year, then the later one entered): that is the application a reviewer can still stop."""
    return min((a, b), key=lambda d: (_rank(d), -(d.plan_year or 0), -d.ref))


def fingerprint(code: str, subject: str, related: Iterable[str]) -> str:
    return hashlib.sha256(f"{code}|{subject}|{'|'.join(sorted(related))}".encode()).hexdigest()


def _ref(doc: Doc) -> dict[str, Any]:
    return {"key": doc.key, "kind": doc.kind, "ref": doc.ref, "name": doc.name, "unit_name": doc.unit_name,
            "unit_id": doc.unit_id}


def _quote(labels: Iterable[str], limit: int = 5) -> str:
    labels = list(labels)
    text = "、".join(f"“{x}”" for x in labels[:limit])
    return text + (f"等 {len(labels)} 项" if len(labels) > limit else "")


def _finding(basis: Basis, *, severity: str, message: str, subject: Doc, related: list[Doc],
             score: float | None, evidence: dict[str, Any], parts: list[Doc] | None = None) -> dict[str, Any]:
    keys = [d.key for d in (parts or related)]
    return {
        "code": basis.code, "severity": severity, "citation": basis.citation, "citations": list(basis.citations[1:]),
        "message": message, "related": [d.name for d in related], "related_refs": [_ref(d) for d in related],
        "score": None if score is None else round(score, 4), "evidence": evidence, "fact": basis.fact,
        "rule": basis.rule_id, "subject": _ref(subject), "parts": [_ref(d) for d in parts or []],
        "fingerprint": fingerprint(basis.code, subject.key if not parts else "split", keys),
    }


# --- duplicate construction ------------------------------------------------------------------


def _own_alteration(subject: Doc, other: Doc) -> bool:
    return other.unit_id == subject.unit_id and subject.extra.get("category") in ALTERATIONS


def duplicates(index: Index, subject: Doc, similar: list[Scored], rules: PackRules,
               skip: set[str]) -> list[dict[str, Any]]:
    basis = rules.duplicate
    s = index.settings
    if basis is None:
        return []
    found = []
    for hit in similar:
        other = hit.doc
        if hit.score < s["duplicate_warn"] or other.key in skip or _own_alteration(subject, other):
            continue
        if other.kind == "project" and subject.kind == "project" and subject.key in index.by_key \
                and subject_of(subject, other) is not subject:
            continue  # reported on the other project
        evidence = hit.evidence()
        shared = len(hit.function_matches) + len(hit.data_matches)
        if not shared and (hit.text < s["duplicate_strong"] or len(hit.shared_terms) < s["text_only_min_terms"]):
            continue  # a few shared words are not a duplicate (校园安全监测 vs 政务外网安全监测)
        strong = hit.score >= s["duplicate_strong"] and shared >= s["duplicate_min_evidence"]
        severity = basis.severity if strong else "warn"
        what = f"{other.unit_name}的{KIND_LABEL[other.kind]}“{other.name}”"
        detail = []
        if hit.function_matches:
            detail.append(f"功能{_quote(m.ours.label for m in hit.function_matches)}已有")
        if hit.data_matches:
            detail.append(f"数据项{_quote(m.ours.label for m in hit.data_matches)}已有")
        if hit.shared_terms:
            detail.append(f"共同用语{_quote(hit.shared_terms[:5])}")
        message = (f"“{subject.name}”与{what}{'高度' if strong else ''}相似（相似度 {hit.score:.2f}）："
                   f"{'；'.join(detail)}。依《{rules.title}》{basis.cite}，{_first_sentence(basis.message)}"
                   f"请核实能否依托“{other.name}”建设或整合。")
        found.append(_finding(basis, severity=severity, message=message, subject=subject, related=[other],
                              score=hit.score, evidence=evidence))
    return found


def _first_sentence(message: str) -> str:
    head = message.split("。")[0]
    return head + "。" if head else ""


# --- split applications ----------------------------------------------------------------------


@dataclass
class SplitGroup:
    parts: list[Doc]
    total: Decimal
    similarities: dict[tuple[str, str], float]


_QUALIFIER = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_PHASE = re.compile(r"第?[一二三四五六七八九十0-9]+(?:期|阶段|标段|包|批|部分)(?:工程|项目)?")
_NOISE = re.compile(r"[\s\-—_·、，,。.:：;；]+")


def name_key(name: str) -> str:
    """A project's name without its phase or part (（一期）, 第二阶段, 一标段 …): the parts of a split
    usually keep the name of the whole."""
    return _NOISE.sub("", _PHASE.sub("", _QUALIFIER.sub("", unicodedata.normalize("NFKC", name))))


def name_similarity(a: str, b: str) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    pa, pb = char_pairs(ka), char_pairs(kb)
    return 2 * len(pa & pb) / (len(pa) + len(pb))


def split_similarity(index: Index, a: Doc, b: Doc, text: float) -> float:
    """How alike two parts are: their texts, or their names once the phase is taken off."""
    names = name_similarity(a.name, b.name)
    return max(text, names if names >= index.settings["split_name_min"] else 0.0)


def split_candidate(doc: Doc, rules: PackRules) -> bool:
    return (doc.kind == "project" and doc.state not in NOT_COMPARED and doc.amount_wan is not None
            and doc.plan_year is not None and rules.threshold is not None
            and not rules.threshold.triggers(doc.amount_wan))


def _group_key(doc: Doc) -> tuple[int, int | None]:
    return (doc.group_id or doc.unit_id, doc.plan_year)


def split_groups(index: Index, nodes: list[Doc], rules: PackRules, *, similarity: Any) -> list[SplitGroup]:
    """Connected parts (same unit or 主管部门, same plan year, each under the threshold, texts
    alike) whose amounts together reach it."""
    assert rules.threshold is not None
    minimum = index.settings["split_text_min"]
    by_group: dict[tuple[int, int | None], list[Doc]] = {}
    for doc in nodes:
        by_group.setdefault(_group_key(doc), []).append(doc)
    groups = []
    for members in by_group.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: d.key)
        parent = {d.key: d.key for d in members}

        def root(k: str, parent: dict[str, str] = parent) -> str:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        sims: dict[tuple[str, str], float] = {}
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                sim = split_similarity(index, a, b, similarity(a, b))
                if sim >= minimum:
                    sims[(a.key, b.key)] = sim
                    parent[root(a.key)] = root(b.key)
        components: dict[str, list[Doc]] = {}
        for d in members:
            components.setdefault(root(d.key), []).append(d)
        for parts in components.values():
            total = sum((Decimal(str(d.amount_wan)) for d in parts), Decimal(0))
            if len(parts) > 1 and rules.threshold.triggers(total):
                inside = {k: v for k, v in sims.items() if k[0] in {p.key for p in parts}}
                groups.append(SplitGroup(parts=sorted(parts, key=lambda d: (-(d.amount_wan or 0), d.name)),
                                         total=total, similarities=inside))
    return groups


def split_finding(group: SplitGroup, rules: PackRules, subject: Doc | None = None) -> dict[str, Any]:
    basis, threshold = rules.split, rules.threshold
    assert basis is not None and threshold is not None
    first = subject or min(group.parts, key=lambda d: (_rank(d), -d.ref))
    units = "、".join(dict.fromkeys(d.unit_name for d in group.parts))
    listing = "、".join(f"“{d.name}”（{_wan(d.amount_wan)}）" for d in group.parts)
    score = max(group.similarities.values()) if group.similarities else None
    message = (f"{units}在{group.parts[0].plan_year}年度申报的 {len(group.parts)} 个项目建设内容相近：{listing}，"
               f"每个均未{threshold.reach_text}，合计 {_wan(group.total)}，{threshold.reach_text}，"
               f"拆分后规避了{threshold.dodges}。依《{rules.title}》{basis.cite}，{_first_sentence(basis.message)}"
               "请核实是否为拆分申报。")
    evidence = {"parts": [{"name": d.name, "unit_name": d.unit_name, "amount_wan": d.amount_wan,
                           "plan_year": d.plan_year} for d in group.parts],
                "total_wan": float(group.total), "threshold_wan": float(threshold.value),
                "threshold_term": threshold.term, "threshold_label": threshold.label, "dodges": threshold.dodges,
                "similarities": [{"a": a, "b": b, "similarity": round(v, 4)}
                                 for (a, b), v in sorted(group.similarities.items())]}
    others = [d for d in group.parts if d.key != first.key]
    return _finding(basis, severity=basis.severity, message=message, subject=first, related=others, score=score,
                    evidence=evidence, parts=group.parts)


def _wan(amount: Any) -> str:
    value = Decimal(str(amount)).normalize()
    return f"{value:f}万元"


# --- duplicate data collection ---------------------------------------------------------------


def duplicate_data(index: Index, subject: Doc, rules: PackRules, key_items: frozenset[str],
                   candidates: Iterable[int]) -> list[dict[str, Any]]:
    basis = rules.data
    if basis is None:
        return []
    items = [p for p in subject.features.data if p.key and p.key not in key_items]
    if not items:
        return []
    s = index.settings
    found = []
    holders = []
    for i in sorted(set(candidates)):
        holder = index.docs[i]
        if holder.key == subject.key or holder.unit_id == subject.unit_id or not holds_shared_data(holder):
            continue
        matches, _ = match_phrases(items, [p for p in holder.features.data if p.key not in key_items],
                                   s["data_match"], lambda p: 1.0)
        if matches:
            holders.append((holder, matches))
    # The systems holding most of what the application collects (an item many hold names a few).
    holders.sort(key=lambda hm: (-len(hm[1]), hm[0].kind, hm[0].name, hm[0].key))
    for holder, matches in holders[: int(s["data_holders_limit"])]:
        strong = len(matches) >= s["data_strong_items"]
        labels = [m.ours.label for m in matches]
        message = (f"“{subject.name}”拟采集的数据项{_quote(labels)}已由{holder.unit_name}的"
                   f"{KIND_LABEL[holder.kind]}“{holder.name}”持有并共享，可通过共享交换获取，原则上不应重复采集"
                   f"（《{rules.title}》{basis.cite}）。{_first_sentence(basis.message)}")
        evidence = {"shared_functions": [], "shared_data_items": labels, "shared_terms": [],
                    "matched_data_items": [{"ours": m.ours.label, "theirs": m.theirs.label,
                                            "similarity": round(m.similarity, 3)} for m in matches],
                    "holder": _ref(holder)}
        finding = _finding(basis, severity=basis.severity if strong else "warn", message=message, subject=subject,
                           related=[holder], score=None, evidence=evidence)
        finding["citations"] += [c for c in rules.data_consequence
                                 if c != finding["citation"] and c not in finding["citations"]]
        found.append(finding)
    return found


def data_candidates(index: Index, subject: Doc) -> set[int]:
    found: set[int] = set()
    for p in subject.features.data:
        postings = index.data_postings.get(p.key, ())
        if len(postings) <= MAX_WORD_POSTINGS:
            found.update(postings)
        for word in p.words:
            postings = index.data_word_postings.get(word, ())
            if len(postings) <= MAX_WORD_POSTINGS:
                found.update(postings)
    return found

