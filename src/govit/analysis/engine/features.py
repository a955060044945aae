"""What the analysis compares of a system or an application: its words, function modules and data items.

`extract()` runs once per system or project (jieba is the slow part) and the result is stored
in the index as JSON, so a check never segments anything but the application in hand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from govit.analysis.engine.lexicon import Lexicon

NAME_WEIGHT = 2.0  # a system's name says more about it than one sentence of its description


def char_pairs(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


@dataclass(frozen=True)
class Phrase:
    """One function module or data item: as written, and its canonical key and words."""

    label: str
    key: str
    words: frozenset[str]
    pairs: frozenset[str]

    @classmethod
    def of(cls, lexicon: Lexicon, label: str) -> Phrase:
        key, words = lexicon.phrase(label)
        return cls(label=label.strip(), key=key, words=words, pairs=char_pairs(key))

    def to_json(self) -> list[Any]:
        return [self.label, self.key, sorted(self.words)]

    @classmethod
    def from_json(cls, value: list[Any]) -> Phrase:
        label, key, words = value
        return cls(label=label, key=key, words=frozenset(words), pairs=char_pairs(key))


@dataclass(frozen=True)
class Features:
    terms: dict[str, float]
    functions: tuple[Phrase, ...]
    data: tuple[Phrase, ...]

    def to_json(self) -> dict[str, Any]:
        return {"t": self.terms, "f": [p.to_json() for p in self.functions], "d": [p.to_json() for p in self.data]}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Features:
        return cls(terms=dict(value.get("t") or {}),
                   functions=tuple(Phrase.from_json(p) for p in value.get("f") or []),
                   data=tuple(Phrase.from_json(p) for p in value.get("d") or []))


def _unique(lexicon: Lexicon, labels: list[str]) -> tuple[Phrase, ...]:
    seen: dict[str, Phrase] = {}
    for label in labels:
        if label and label.strip():
            phrase = Phrase.of(lexicon, label)
            seen.setdefault(phrase.key, phrase)
    return tuple(seen.values())


def extract(lexicon: Lexicon, *, name: str, content: str = "", functions: list[str] | None = None,
            data_items: list[str] | None = None) -> Features:
    """Features of one system or application. Terms: name words count twice, then 建设内容 and
    function modules once; data items are compared as items, not as words."""
    counts: Counter[str] = Counter()
    for word in lexicon.words(name):
        counts[word] += NAME_WEIGHT
    for word in lexicon.words(content or ""):
        counts[word] += 1
    for label in functions or []:
        for word in lexicon.words(label):
            counts[word] += 1
    return Features(terms=dict(sorted(counts.items())), functions=_unique(lexicon, functions or []),
                    data=_unique(lexicon, data_items or []))
