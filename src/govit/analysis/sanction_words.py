"""「单位受限情形」 in the pack's words → the supervision sanction kind it records.

A 台账 names a restriction as the regulation does (通州 第三十四条（一）「未按要求共享数据资源或
重复采集数据」, （二）「不符合密码应用和网络安全要求」). The words each kind may be written in
come from the pack itself: the kind's label, the rule that restricts the unit, and the text of the
article (or item) that rule cites. Only the kinds a department records are importable; the ones
the platform computes from the unit's projects (未验收、验收不合格) are not.
"""

from __future__ import annotations

import re
import unicodedata

from govit import policy
from govit.analysis.engine.features import char_pairs
from govit.supervision.basis import sanction_basis
from govit.supervision.models import COMPUTED_SANCTIONS, SanctionKind

_PUNCT = re.compile(r"[\s，,。；;：:、（）()“”\"'《》]+")
MATCH = 0.6


class SanctionMatchError(ValueError):
    """The text names no restriction the pack knows, or more than one."""


def _clean(text: str) -> str:
    from govit.analysis.engine.lexicon import load_lexicon

    return _PUNCT.sub("", load_lexicon().normalise(unicodedata.normalize("NFKC", text)))


def _clauses(text: str) -> list[str]:
    return [c for c in (_clean(part) for part in re.split(r"[，,。；;]", text)) if len(c) >= 4]


def _phrases(pack_id: str, kind: str) -> list[str]:
    basis = sanction_basis(pack_id, kind)
    if basis is None:
        return []
    pack = policy.load_pack(pack_id)
    found = [_clean(SanctionKind(kind).label), kind]
    found += _clauses(basis.consequence)
    rule = next((r for r in pack.data.get("rules", []) if f"unit.{kind}" in str(r.get("when"))), None)
    if rule:
        found += _clauses(rule["message"])
    article = pack.articles.get(basis.citation["article"], {}).get("text", "")
    item = basis.citation.get("item")
    if item:
        parts = re.split(r"（[一二三四五六七八九十]+）", article)
        article = parts[item] if item < len(parts) else article
    found += _clauses(article)
    return [p for p in found if p]


def _score(text: str, phrase: str) -> float:
    if text == phrase or (len(text) >= 4 and text in phrase) or (len(phrase) >= 6 and phrase in text):
        return 1.0
    a, b = char_pairs(text), char_pairs(phrase)
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def importable_kinds(pack_id: str) -> list[str]:
    return [k for k in SanctionKind.values if k not in COMPUTED_SANCTIONS and sanction_basis(pack_id, k)]


def sanction_kind_for(pack_id: str, text: str) -> str:
    """The sanction kind `text` names under `pack_id`; SanctionMatchError (Chinese) otherwise."""
    title = policy.load_pack(pack_id).title
    cleaned = _clean(text)
    if cleaned in SanctionKind.values:
        kind = cleaned
    else:
        scores = sorted(((max((_score(cleaned, p) for p in _phrases(pack_id, k)), default=0.0), k)
                         for k in SanctionKind.values), reverse=True)
        best, kind = scores[0]
        if best < MATCH or (len(scores) > 1 and scores[1][0] >= best and scores[1][0] >= MATCH):
            kind = ""
    known = "；".join(f"“{SanctionKind(k).label}”" for k in importable_kinds(pack_id))
    if not kind or sanction_basis(pack_id, kind) is None:
        if not known:
            raise SanctionMatchError(f"《{title}》未对建设单位规定受限情形，不能登记“{text}”。")
        raise SanctionMatchError(f"《{title}》中没有“{text}”这一单位受限情形；可填：{known}（按办法原文填写亦可）。")
    if kind in COMPUTED_SANCTIONS:
        raise SanctionMatchError(f"“{SanctionKind(kind).label}”由系统根据本单位项目的验收情况自动认定，不能导入。")
    return kind
