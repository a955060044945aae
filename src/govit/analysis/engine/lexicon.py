"""The gov-IT lexicon (src/govit/policy/lexicon): jieba with its user dictionary, synonyms, stopwords.

Pure Python, no Django: the bench and the tests use it directly. `load_lexicon()` is cached; its
`digest` changes whenever a lexicon file does, so the index knows what to rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jieba
import yaml
from opencc import OpenCC

LEXICON_DIR = Path(__file__).resolve().parents[2] / "policy" / "lexicon"
FILES = ("userdict.txt", "synonyms.yaml", "stopwords.txt", "key_data_items.txt", "settings.yaml")
# Synonym words are added to jieba's dictionary with this frequency so they are kept whole.
SYNONYM_FREQ = 40000

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]+")
_SEPARATORS = re.compile(r"[、；;，,\n\r\t]+")


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def split_list(text: str | None) -> list[str]:
    """「主要功能」「数据资源」 cells: items separated by 、 ； ; ， or new lines, blanks dropped."""
    if not text:
        return []
    return [part.strip(" 　。.") for part in _SEPARATORS.split(str(text)) if part.strip(" 　。.")]


@dataclass
class Lexicon:
    synonyms: dict[str, str]
    stopwords: frozenset[str]
    key_items: frozenset[str]
    settings: dict[str, Any]
    digest: str
    tokenizer: jieba.Tokenizer
    converter: OpenCC

    def normalise(self, text: str) -> str:
        """Full-width to half-width, Traditional to Simplified (昌吉's texts), ASCII lower-cased."""
        text = unicodedata.normalize("NFKC", text or "")
        if _CJK.search(text):
            text = self.converter.convert(text)
        return text.lower()

    def canonical(self, word: str) -> str:
        return self.synonyms.get(word, word)

    def words(self, text: str) -> list[str]:
        """Canonical words of `text`: segmented, synonyms applied, stopwords and noise dropped."""
        found = []
        for raw in self.tokenizer.lcut(self.normalise(text)):
            if not _WORDLIKE.fullmatch(raw):
                continue
            word = self.canonical(raw)
            if word in self.stopwords:
                continue
            if len(word) == 1 and word not in self.synonyms.values():
                continue  # single characters (办、端、的) say nothing on their own
            if word.isdigit() and word not in self.synonyms.values():
                continue
            found.append(word)
        return found

    def phrase(self, text: str) -> tuple[str, frozenset[str]]:
        """A function module or data item as (canonical key, canonical words).

        The key is the canonical words joined; an item made only of generic words keeps its
        normalised text as key and has no words (it weighs nothing as evidence).
        """
        words = self.words(text)
        if words:
            return "".join(words), frozenset(words)
        return "".join(_WORDLIKE.findall(self.normalise(text))), frozenset()


def _digest() -> str:
    sha = hashlib.sha256()
    for name in FILES:
        sha.update(name.encode())
        sha.update((LEXICON_DIR / name).read_bytes())
    return "sha256:" + sha.hexdigest()


@cache
def load_lexicon() -> Lexicon:
    groups = yaml.safe_load((LEXICON_DIR / "synonyms.yaml").read_text(encoding="utf-8")) or []
    converter = OpenCC("t2s")
    synonyms: dict[str, str] = {}
    for group in groups:
        words = [unicodedata.normalize("NFKC", str(w)).lower() for w in group]
        for word in words:
            synonyms.setdefault(word, words[0])
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(LEXICON_DIR / "userdict.txt"))
    for word in synonyms:
        if len(word) > 1:
            tokenizer.add_word(word, SYNONYM_FREQ)
    stopwords = frozenset(unicodedata.normalize("NFKC", w).lower() for w in _lines(LEXICON_DIR / "stopwords.txt"))
    lexicon = Lexicon(
        synonyms=synonyms, stopwords=stopwords, key_items=frozenset(), digest=_digest(),
        settings=yaml.safe_load((LEXICON_DIR / "settings.yaml").read_text(encoding="utf-8")),
        tokenizer=tokenizer, converter=converter,
    )
    lexicon.key_items = frozenset(lexicon.phrase(item)[0] for item in _lines(LEXICON_DIR / "key_data_items.txt"))
    return lexicon
