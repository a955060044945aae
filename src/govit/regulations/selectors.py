"""Reads over the policy packs for the API and the pages: summaries, article browser, comparison matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

import opencc
from django.urls import get_script_prefix, reverse

from govit.core.models import User
from govit.core.selectors import assignments_of
from govit.policy import Pack, labels, load_pack, pack_ids
from govit.policy.coverage import coverage
from govit.policy.matrix import KEY_PARAMETERS, comparable
from govit.policy.numerals import article_number, int_to_cn

EXPIRY_WARNING_DAYS = 90
# Parameters in 万元 that decide how a project is reviewed; charted on the comparison page.
REVIEW_THRESHOLD_KEYS = [
    "scope_min_wan",
    "review_threshold_wan",
    "joint_review_min_wan",
    "self_implement_max_wan",
    "merge_limit_wan",
    "supervision_threshold_wan",
]


def pack_or_none(pack_id: str) -> Pack | None:
    """The pack with this id, or None when there is no such pack."""
    return load_pack(pack_id) if pack_id in pack_ids() else None


def all_packs() -> list[Pack]:
    return [load_pack(pid) for pid in pack_ids()]


def pack_summary(pack: Pack, *, as_of: date) -> dict[str, Any]:
    """Metadata of one pack and its status on `as_of` (days_left only while in force)."""
    status = pack.status(as_of)
    until = pack.valid_until
    days_left = (until - as_of).days if until and status == "in_force" else None
    return {
        "id": pack.id,
        "title": pack.title,
        "doc_number": pack.doc_number or "文号未知",
        "doc_number_known": pack.doc_number is not None,
        "text_complete": pack.text_complete,
        "missing_articles": pack.missing_articles,
        "missing_articles_text": "、".join(f"第{n}条" for n in pack.missing_articles) or "部分条款",
        "issuer": pack.data.get("issuer", ""),
        "jurisdiction": pack.data["jurisdiction"]["name"],
        "status": status,
        "status_label": labels.PACK_STATUS[status],
        "valid_from": pack.valid_from,
        "valid_until": until,
        "days_left": days_left,
        "expiring_soon": days_left is not None and days_left <= EXPIRY_WARNING_DAYS,
        "digest": pack.digest,
        "script": pack.data.get("script", "simplified"),
        "article_count": len(pack.articles),
        "rule_count": len(pack.data.get("rules", [])),
        "validity_article": pack.data["validity_citation"]["article"],
    }


def pack_summaries(*, as_of: date) -> list[dict[str, Any]]:
    return [pack_summary(pack, as_of=as_of) for pack in all_packs()]


def pack_detail(pack: Pack, *, as_of: date) -> dict[str, Any]:
    """Everything the API publishes about one pack."""
    data = pack.data
    return {
        **pack_summary(pack, as_of=as_of),
        "articles": data["articles"],
        "parameters": data.get("parameters", {}),
        "rules": data.get("rules", []),
        "determinations": data.get("determinations", {}),
        "deadlines": data.get("deadlines", []),
        "stages": data.get("stages", []),
        "checklists": data.get("checklists", {}),
        "principles": {int(k): v for k, v in data.get("principles", {}).items()},
        "coverage": [
            {"article": c.number, "encoded_by": c.encoded_by, "principle": c.principle} for c in coverage(pack)
        ],
    }


def default_pack_id_for(user: User) -> str | None:
    """The first pack of the jurisdictions where the user holds a role."""
    known = set(pack_ids())
    for assignment in assignments_of(user):
        for pid in assignment.jurisdiction.pack_ids or []:
            if pid in known:
                return pid
    return None


def article_url(pack_id: str, article: int) -> str:
    return f"{_pack_url(get_script_prefix(), pack_id)}#art-{article}"


@lru_cache(maxsize=256)
def _pack_url(script_prefix: str, pack_id: str) -> str:
    """A pack's page (lists cite articles on every row: reversed once per pack and URL prefix)."""
    return reverse("regulations:pack-detail", args=[pack_id])


# --- Values as people read them ----------------------------------------------------------------------


def format_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def parameter_text(param: dict[str, Any]) -> str:
    """"50 万元（超过）", "15%（不超过）"."""
    value, unit = param["value"], param.get("unit") or ""
    if unit in ("ratio", "比例") and isinstance(value, int | float):
        shown = f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.2%}"
    else:
        shown = f"{format_number(value)} {labels.UNIT.get(unit, unit)}".strip()
    term = param.get("term")
    return f"{shown}（{term}）" if term else shown


def citation_text(citation: dict[str, Any]) -> str:
    """第十条, 第五条第（一）项: Chinese numerals, as the regulations and the project pages write them."""
    text = f"第{int_to_cn(int(citation['article']))}条"
    if citation.get("item"):
        text += f"第（{int_to_cn(int(citation['item']))}）项"
    if citation.get("annex"):
        text = f"附件{citation['annex']}"
    return text


# --- Article browser ---------------------------------------------------------------------------------


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _hit_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where `query` occurs in `text`, comparing both in Simplified characters."""
    if not query:
        return []
    simple_text, simple_query = to_simplified(text), to_simplified(query)
    # t2s keeps lengths for legal text; if a phrase ever changed length, positions would not map back,
    # so fall back to searching the original text only.
    haystack = simple_text if len(simple_text) == len(text) else text
    needle = simple_query if haystack is simple_text else query
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), haystack)] or [
        (m.start(), m.end()) for m in re.finditer(re.escape(query), text)
    ]


def _segments(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_hit) pieces for highlighting in the template."""
    pieces, pos = [], 0
    for start, end in spans:
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


@dataclass
class Encoding:
    """One thing in a pack that encodes an article: a rule, a parameter, a determination …"""

    kind: str  # rule | parameter | determination | deadline | stage | checklist | scope | validity | outline
    kind_label: str
    title: str
    detail: str = ""
    severity: str = ""
    severity_label: str = ""
    negative_list: bool = False


@dataclass
class ArticleView:
    number: int
    chapter: str
    text: str
    segments: list[tuple[str, bool]]
    hits: int
    encodings: list[Encoding] = field(default_factory=list)
    principle: str | None = None


KIND_LABEL = {
    "rule": "规则",
    "parameter": "参数",
    "determination": "判定",
    "deadline": "期限",
    "stage": "阶段",
    "checklist": "材料清单",
    "outline": "文本提纲",
    "scope": "适用范围",
    "validity": "有效期",
}


def _cites_article(node: dict[str, Any], article: int) -> bool:
    cites = ([node["citation"]] if "citation" in node else []) + list(node.get("citations", []))
    return any(c.get("article") == article for c in cites)


def _encoding(pack: Pack, label: str, article: int) -> Encoding:
    kind, _, name = label.partition(":")
    data = pack.data
    kind_label = KIND_LABEL.get(kind, kind)
    if kind == "rule":
        rule = next(r for r in data.get("rules", []) if r["id"] == name)
        exception = rule.get("exception")
        if exception and _cites_article(exception, article) and not _cites_article(rule, article):
            sev = exception.get("severity", rule["severity"])
            return Encoding(kind, kind_label, name, exception["message"], sev, labels.SEVERITY.get(sev, sev))
        detail = rule["message"]
        if exception:
            detail += f"（例外：{exception['message']}）"
        sev = rule["severity"]
        return Encoding(kind, kind_label, name, detail, sev, labels.SEVERITY.get(sev, sev),
                        bool(rule.get("negative_list")))
    if kind == "parameter":
        param = data["parameters"][name]
        return Encoding(kind, kind_label, param.get("label", name), parameter_text(param))
    if kind == "determination":
        spec = data["determinations"][name]
        cases = spec["cases"] + ([spec["otherwise"]] if "otherwise" in spec else [])
        values = []
        for case in cases:
            if _cites_article(case, article) and not isinstance(case["value"], dict):
                text = labels.determination_value_label(name, case["value"])
                if text not in values:
                    values.append(text)
        title = labels.DETERMINATION.get(name, spec.get("label", name))
        return Encoding(kind, kind_label, title, "；".join(values))
    if kind == "deadline":
        spec = next(d for d in data.get("deadlines", []) if d["code"] == name)
        return Encoding(kind, kind_label, spec.get("label") or labels.DEADLINE.get(name, name))
    if kind == "stage":
        spec = next(s for s in data.get("stages", []) if s["stage"] == name)
        return Encoding(kind, kind_label, spec.get("label") or labels.STAGE.get(name, name))
    if kind in ("checklist", "outline"):
        spec = data.get("checklists" if kind == "checklist" else "outlines", {})[name]
        docs = "、".join(labels.DOCUMENTS.get(d, d) for d in spec.get("documents", []))
        title = spec.get("label") or labels.CHECKLIST.get(name, "材料清单")
        detail = "；".join(x for x in (f"材料：{docs}" if docs else "", spec.get("note", "")) if x)
        return Encoding(kind, kind_label, title, detail)
    if kind == "scope":
        scope = data["scope"]
        messages = [c["message"] for c in [*scope.get("cases", []), scope["otherwise"]]
                    if _cites_article(c, article) and c.get("message")]
        return Encoding(kind, kind_label, "本办法的适用范围", "\n".join(messages))
    if kind == "validity":
        until = pack.valid_until.isoformat() if pack.valid_until else "长期"
        since = pack.valid_from.isoformat() if pack.valid_from else "施行日期未知"
        return Encoding(kind, kind_label, "施行日期和有效期", f"{since} 至 {until}")
    return Encoding(kind, kind_label, name)


def pack_articles(pack: Pack, *, query: str = "") -> list[ArticleView]:
    """Every article (or, with a query, the ones that match it) beside what encodes it."""
    query = query.strip()
    wanted = article_number(query) if query else None  # 十四, 14 and 第十四条 all find 第十四条
    by_number = {c.number: c for c in coverage(pack)}
    views = []
    for article in pack.data["articles"]:
        number, text = article["number"], article["text"]
        spans = _hit_spans(text, query)
        if query and not spans and number != wanted:
            continue
        cov = by_number[number]
        views.append(
            ArticleView(
                number=number,
                chapter=article.get("chapter", ""),
                text=text,
                segments=_segments(text, spans),
                hits=len(spans),
                encodings=[_encoding(pack, label, number) for label in cov.encoded_by],
                principle=cov.principle,
            )
        )
    return views


def chapters_of(articles: list[ArticleView]) -> list[tuple[str, list[ArticleView]]]:
    """Articles grouped under their chapter headings, in order."""
    groups: list[tuple[str, list[ArticleView]]] = []
    for article in articles:
        if not groups or groups[-1][0] != article.chapter:
            groups.append((article.chapter, []))
        groups[-1][1].append(article)
    return groups


# --- Comparison matrix -------------------------------------------------------------------------------


def comparison(*, as_of: date) -> dict[str, Any]:
    """The key parameters of every pack side by side, each cell linked to its article, plus chart data."""
    packs = all_packs()
    rows = []
    for row in comparable(packs):
        cells = []
        for pack in packs:
            cell = row["values"].get(pack.id)
            if cell is None:
                cells.append(None)
                continue
            text = cell["value"] if row["key"] == "validity" else parameter_text(cell)
            cells.append({
                "text": text,
                "citation": citation_text(cell["citation"]),
                "url": article_url(pack.id, cell["citation"]["article"]),
            })
        rows.append({"key": row["key"], "label": row["label"], "cells": cells})
    matrix = {row["key"]: row["values"] for row in comparable(packs)}
    chart = {
        "packs": [pack.data["jurisdiction"]["name"] for pack in packs],
        "series": [
            {
                "name": label,
                "data": [
                    (matrix[key][pack.id] or {}).get("value") if key in matrix else None for pack in packs
                ],
            }
            for key, label in _chart_labels()
            if key in matrix
        ],
    }
    return {"packs": [pack_summary(p, as_of=as_of) for p in packs], "rows": rows, "chart": chart}


def _chart_labels() -> list[tuple[str, str]]:
    names = dict(KEY_PARAMETERS)
    return [(key, names[key]) for key in REVIEW_THRESHOLD_KEYS if key in names]
