"""The similarity index of one jurisdiction: TF-IDF over canonical words, candidates by sparse cosine
plus shared function modules and data items, then the full explainable score on the candidates.

`Index.score()` is the one scoring function: the brute-force reference (`Index.brute_force`)
applies it to every document, `Index.search()` only to the candidates. Everything is ordered by
(score, kind, name, key), so the same input always gives the same answer.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from govit.analysis.engine.features import Features, Phrase

Weights = dict[str, float]
# 姓名、身份证号码 … are in almost every system: sharing them says little about sameness.
KEY_ITEM_WEIGHT = 0.25


@dataclass
class Doc:
    """One indexed existing system (kind "system") or project (kind "project")."""

    key: str
    kind: str
    ref: int
    name: str
    unit_id: int
    unit_name: str
    features: Features
    group_id: int | None = None  # the unit's 主管部门 (or the unit itself)
    plan_year: int | None = None
    amount_wan: float | None = None
    state: str = ""
    shares_data: bool = False  # holds data it shares through the sharing platform
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Match:
    ours: Phrase
    theirs: Phrase
    similarity: float


@dataclass
class Scored:
    doc: Doc
    score: float
    text: float
    functions: float | None
    data: float | None
    function_matches: list[Match]
    data_matches: list[Match]
    shared_terms: list[str]

    def evidence(self) -> dict[str, Any]:
        return {
            "shared_functions": [m.ours.label for m in self.function_matches],
            "shared_data_items": [m.ours.label for m in self.data_matches],
            "shared_terms": self.shared_terms,
            "matched_functions": [{"ours": m.ours.label, "theirs": m.theirs.label,
                                   "similarity": round(m.similarity, 3)} for m in self.function_matches],
            "matched_data_items": [{"ours": m.ours.label, "theirs": m.theirs.label,
                                    "similarity": round(m.similarity, 3)} for m in self.data_matches],
            "components": {"text": round(self.text, 4),
                           "functions": None if self.functions is None else round(self.functions, 4),
                           "data": None if self.data is None else round(self.data, 4)},
        }

    def sort_key(self) -> tuple[Any, ...]:
        return (-round(self.score, 6), self.doc.kind, self.doc.name, self.doc.key)


def phrase_similarity(a: Phrase, b: Phrase) -> float:
    if a.key == b.key:
        return 1.0
    if a.pairs.isdisjoint(b.pairs):
        return 0.0  # no character pair in common: neither words nor pairs can match
    jaccard = len(a.words & b.words) / len(a.words | b.words) if a.words and b.words else 0.0
    dice = 2 * len(a.pairs & b.pairs) / (len(a.pairs) + len(b.pairs)) if a.pairs and b.pairs else 0.0
    return max(jaccard, dice)


def match_phrases(ours: Iterable[Phrase], theirs: Iterable[Phrase], threshold: float,
                  weight: Callable[[Phrase], float]) -> tuple[list[Match], float | None]:
    """One-to-one matches (best first) and the weighted share of `ours` matched; None when `ours`
    has nothing that weighs (only generic items such as 系统管理) or `theirs` is empty."""
    ours, theirs = [p for p in ours if weight(p) > 0], list(theirs)
    if not ours or not theirs:
        return [], None
    pairs = []
    for i, a in enumerate(ours):
        for j, b in enumerate(theirs):
            sim = phrase_similarity(a, b)
            if sim >= threshold:
                pairs.append((-sim, i, j))
    pairs.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    matches = []
    for neg, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matches.append((i, Match(ours[i], theirs[j], -neg)))
    total = sum(weight(p) for p in ours)
    covered = sum(weight(m.ours) * m.similarity for _, m in matches)
    return [m for _, m in sorted(matches, key=lambda x: x[0])], covered / total


class Index:
    """Documents of one jurisdiction, their TF-IDF matrix and postings of function and data keys."""

    def __init__(self, docs: list[Doc], settings: dict[str, Any], key_items: frozenset[str] = frozenset()):
        self.docs = docs
        self.settings = settings
        self.key_items = key_items
        n = len(docs)
        df: dict[str, int] = defaultdict(int)
        data_df: dict[str, int] = defaultdict(int)
        for doc in docs:
            for term in doc.features.terms:
                df[term] += 1
            for p in doc.features.data:
                data_df[p.key] += 1
        self.vocab = {t: j for j, t in enumerate(sorted(df))}
        self.idf_unknown = math.log((n + 1) / 1) + 1
        self.idf = np.array([math.log((n + 1) / (df[t] + 1)) + 1 for t in sorted(df)], dtype=np.float64)
        self.data_idf = {k: math.log((n + 1) / (c + 1)) + 1 for k, c in data_df.items()}
        self.max_idf = self.idf_unknown
        self.drift = 0  # documents changed since the IDF was computed
        self._function_weights: dict[str, float] = {}
        self._pair_cache: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._rows = [self._row(doc) for doc in docs]
        self._assemble()

    def _assemble(self) -> None:
        """Positions, postings and the matrix from `docs` and their rows."""
        self.n = len(self.docs)
        self.by_key = {d.key: i for i, d in enumerate(self.docs)}
        self.function_postings: dict[str, list[int]] = defaultdict(list)
        self.data_postings: dict[str, list[int]] = defaultdict(list)
        self.data_word_postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for p in doc.features.data:
                self.data_postings[p.key].append(i)
                for word in p.words:
                    self.data_word_postings[word].append(i)
            for p in doc.features.functions:
                if p.words:
                    self.function_postings[p.key].append(i)
        self.norms = np.array([norm for _, _, norm in self._rows]) if self._rows else np.ones(0)
        width = max(len(self.vocab), 1)
        filled = [(i, idx, val) for i, (idx, val, _) in enumerate(self._rows) if len(idx)]
        if not filled:
            self.matrix = sparse.csr_matrix((self.n, width))
            return
        self.matrix = sparse.csr_matrix(
            (np.concatenate([v for _, _, v in filled]),
             (np.concatenate([np.full(len(idx), i, dtype=np.int64) for i, idx, _ in filled]),
              np.concatenate([idx for _, idx, _ in filled]))), shape=(self.n, width))

    def _row(self, doc: Doc) -> tuple[np.ndarray, np.ndarray, float]:
        """The document's normalised TF-IDF row; words the vocabulary lacks join it (at the IDF of a
        word no other document has), so an incremental update needs no rebuild."""
        for term in doc.features.terms:
            if term not in self.vocab:
                self.vocab[term] = len(self.vocab)
                self.idf = np.append(self.idf, self.idf_unknown)
        items = [(self.vocab[t], tf) for t, tf in doc.features.terms.items()]
        if not items:
            return np.zeros(0, dtype=np.int64), np.zeros(0), 1.0
        idx = np.fromiter((j for j, _ in items), dtype=np.int64, count=len(items))
        w = np.fromiter((tf for _, tf in items), dtype=np.float64, count=len(items)) * self.idf[idx]
        norm = float(np.linalg.norm(w)) or 1.0
        return idx, w / norm, norm

    def updated(self, changed: list[Doc], removed: set[str]) -> Index:
        """A new index with `changed` documents replaced or added and `removed` keys gone; the IDF
        stays as built (call sites rebuild from scratch once `drift` grows past a tenth)."""
        new = copy.copy(self)
        new.vocab, new.idf, new._function_weights, new._pair_cache = dict(self.vocab), self.idf.copy(), {}, {}
        by_key = {c.key: c for c in changed}
        docs, rows = [], []
        for doc, row in zip(self.docs, self._rows, strict=True):
            if doc.key in removed:
                continue
            if doc.key in by_key:
                doc = by_key.pop(doc.key)
                row = new._row(doc)
            docs.append(doc)
            rows.append(row)
        for doc in by_key.values():
            docs.append(doc)
            rows.append(new._row(doc))
        new.docs, new._rows = docs, rows
        new.drift = self.drift + len(changed) + len(removed)
        new._assemble()
        return new

    def vector(self, features: Features) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """The query's normalised TF-IDF over the index vocabulary (terms the index has never seen
        still count in the norm, so a long application with new words is not over-rated)."""
        weights = {t: tf * (self.idf[self.vocab[t]] if t in self.vocab else self.idf_unknown)
                   for t, tf in features.terms.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        known = [(self.vocab[t], w / norm) for t, w in weights.items() if t in self.vocab]
        idx = np.array([j for j, _ in known], dtype=np.int64)
        val = np.array([w for _, w in known], dtype=np.float64)
        return idx, val, {t: w / norm for t, w in weights.items()}

    def cosines(self, features: Features) -> np.ndarray:
        idx, val, _ = self.vector(features)
        if not len(idx):
            return np.zeros(self.n)
        dense = np.zeros(self.matrix.shape[1])
        dense[idx] = val
        return np.asarray(self.matrix @ dense).ravel()

    # -- weights of phrases ------------------------------------------------------------------

    def function_weight(self, p: Phrase) -> float:
        weight = self._function_weights.get(p.key)
        if weight is None:
            idf = [self.idf[self.vocab[w]] if w in self.vocab else self.idf_unknown for w in p.words]
            weight = sum(idf) / len(idf) / self.max_idf if idf else 0.0
            self._function_weights[p.key] = weight
        return weight

    def data_weight(self, p: Phrase) -> float:
        if not p.key:
            return 0.0
        weight = self.data_idf.get(p.key, self.idf_unknown) / self.max_idf
        return weight * KEY_ITEM_WEIGHT if p.key in self.key_items else weight

    # -- the score ---------------------------------------------------------------------------

    def score(self, query: Features, qvec: dict[str, float], i: int, text: float) -> Scored:
        doc = self.docs[i]
        s = self.settings
        fmatches, fscore = match_phrases(query.functions, doc.features.functions, s["function_match"],
                                         self.function_weight)
        dmatches, dscore = match_phrases(query.data, doc.features.data, s["data_match"], self.data_weight)
        w = s["weights"]
        parts = [(w["text"], text)]
        if fscore is not None:
            parts.append((w["functions"], fscore))
        if dscore is not None:
            parts.append((w["data"], dscore))
        total = sum(a * b for a, b in parts) / sum(a for a, _ in parts)
        shared = sorted(((qvec[t] * self._doc_weight(i, t), t) for t in qvec if t in doc.features.terms),
                        key=lambda x: (-x[0], x[1]))
        return Scored(doc=doc, score=total, text=text, functions=fscore, data=dscore, function_matches=fmatches,
                      data_matches=dmatches, shared_terms=[t for _, t in shared[:8]])

    def _doc_weight(self, i: int, term: str) -> float:
        j = self.vocab.get(term)
        tf = self.docs[i].features.terms.get(term)
        if j is None or tf is None:
            return 0.0
        return float(tf * self.idf[j] / self.norms[i])

    # -- search ------------------------------------------------------------------------------

    def candidates(self, query: Features, cos: np.ndarray, keep: Callable[[int], bool]) -> list[int]:
        k = int(self.settings["candidates"])
        chosen: set[int] = set()
        positive = np.nonzero(cos >= float(self.settings["candidate_min_cosine"]))[0]
        if len(positive) > k:
            top = positive[np.argpartition(-cos[positive], k - 1)[:k]]
        else:
            top = positive
        chosen.update(int(i) for i in top)
        # Every document this alike in words is scored too (in a crowded domain the top K by cosine
        # alone misses duplicates whose modules and items match better than their words), up to a cap.
        alike = np.nonzero(cos >= float(self.settings["candidate_alike_cosine"]))[0]
        cap = int(self.settings["candidate_cap"])
        if len(alike) > cap:
            alike = alike[np.argpartition(-cos[alike], cap - 1)[:cap]]
        chosen.update(int(i) for i in alike)
        rare = int(self.settings["rare_postings"])
        for postings in [self.function_postings.get(p.key, ()) for p in query.functions] + [
                self.data_postings.get(p.key, ()) for p in query.data]:
            if len(postings) <= rare:  # a module or item many systems have is in the cosine already
                chosen.update(postings)
        return sorted(i for i in chosen if keep(i))

    def _pairs_of(self, i: int) -> tuple[frozenset[str], frozenset[str]]:
        cached = self._pair_cache.get(i)
        if cached is None:
            doc = self.docs[i].features
            cached = (frozenset().union(*(p.pairs for p in doc.functions)),
                      frozenset().union(*(p.pairs for p in doc.data)))
            self._pair_cache[i] = cached
        return cached

    def upper_bound(self, query: Features, i: int, text: float) -> float:
        """A score `score()` cannot exceed: a module or item matches nothing that shares no
        character pair with it, and a match is worth at most 1 (exact pruning)."""
        fpairs, dpairs = self._pairs_of(i)
        doc = self.docs[i].features
        w = self.settings["weights"]
        parts = [(w["text"], text)]
        for weight, ours, theirs, pairs, weigh in ((w["functions"], query.functions, doc.functions, fpairs,
                                                     self.function_weight),
                                                    (w["data"], query.data, doc.data, dpairs, self.data_weight)):
            mine = [(weigh(p), p) for p in ours]
            total = sum(x for x, _ in mine if x > 0)
            if total and theirs:
                parts.append((weight, sum(x for x, p in mine if x > 0 and not p.pairs.isdisjoint(pairs)) / total))
        return sum(a * b for a, b in parts) / sum(a for a, _ in parts)

    def search(self, query: Features, *, keep: Callable[[Doc], bool] = lambda d: True,
               minimum: float | None = None) -> list[Scored]:
        """The documents most like `query`, best first (those over `minimum`, default similar_min)."""
        floor = self.settings["similar_min"] if minimum is None else minimum
        cos = self.cosines(query)
        _, _, qvec = self.vector(query)
        found = [self.score(query, qvec, i, float(cos[i]))
                 for i in self.candidates(query, cos, lambda i: keep(self.docs[i]))
                 if self.upper_bound(query, i, float(cos[i])) >= floor - 1e-9]
        return sorted((s for s in found if s.score >= floor), key=Scored.sort_key)

    def brute_force(self, query: Features, *, keep: Callable[[Doc], bool] = lambda d: True,
                    minimum: float | None = None) -> list[Scored]:
        """The reference: the same score against every document (for the bench and the tests)."""
        floor = self.settings["similar_min"] if minimum is None else minimum
        cos = self.cosines(query)
        _, _, qvec = self.vector(query)
        found = [self.score(query, qvec, i, float(cos[i])) for i in range(self.n) if keep(self.docs[i])]
        return sorted((s for s in found if s.score >= floor), key=Scored.sort_key)

    def text_similarity(self, a: int, b: int) -> float:
        ra, rb = self.matrix.getrow(a), self.matrix.getrow(b)
        common, ia, ib = np.intersect1d(ra.indices, rb.indices, assume_unique=True, return_indices=True)
        return float(np.dot(ra.data[ia], rb.data[ib])) if len(common) else 0.0
