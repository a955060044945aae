"""Split a regulation's source text into articles (第N条) and find their items (（一）…)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govit.policy.numerals import cn_to_int

_CN = "零〇一二三四五六七八九十百两兩"
ARTICLE_RE = re.compile(rf"^\s*第([{_CN}\d]+)[条條]\s*")
CHAPTER_RE = re.compile(rf"^\s*第([{_CN}\d]+)章\s*(.*)$")
ITEM_RE = re.compile(rf"[（(]([{_CN}]+)[)）]")
# Page-break artefacts of converted PDFs: "- 2" alone or glued to the end of a line.
_PAGE_MARK_RE = re.compile(r"\s*-\s*\d+\s*$")
_END_RE = re.compile(r"^\s*(附件[：:1-9１-９]|抄送[：:])")
_ANNEX_RE = re.compile(r"^\s*附件\s*([1-9])\s*$")
_NOISE_RE = re.compile(r"^\s*(\[bookmark:.*\]|点击下载此文件|文章内容来自网络.*)\s*$")


def _clean(source: str) -> str:
    return re.sub(r"\[bookmark:[^\]]*\]", "", source)


@dataclass
class Article:
    number: int
    chapter: str
    text: str
    items: list[int] = field(default_factory=list)


def item_numbers(text: str) -> list[int]:
    """The item numbers in an article's text, in order ((一) → 1)."""
    numbers: list[int] = []
    for match in ITEM_RE.finditer(text):
        try:
            n = cn_to_int(match.group(1))
        except ValueError:
            continue
        # Items are consecutive from 1; anything else is a parenthetical, not an item.
        if n == len(numbers) + 1:
            numbers.append(n)
    return numbers


def _join(lines: list[str]) -> str:
    """Join wrapped lines; Chinese text needs no space across a line break."""
    parts: list[str] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if ITEM_RE.match(line) and parts:
            parts.append("\n" + line)
        elif parts and not parts[-1].endswith(("\n",)) and re.match(r"^[\u4e00-\u9fff（(“\"《]", line) \
                and re.search(r"[：:；;。]$", parts[-1]) and not ITEM_RE.match(line):
            parts.append("\n" + line)
        else:
            parts.append(line)
    return "".join(parts).strip()


def split_articles(source: str) -> list[Article]:
    """Parse the body of a regulation into its articles, chapter by chapter."""
    articles: list[Article] = []
    chapter = ""
    current: list[str] | None = None
    number = 0
    chapter_of = ""
    started = False
    for raw in _clean(source).splitlines():
        line = _PAGE_MARK_RE.sub("", raw) if re.search(r"-\s*\d+\s*$", raw) else raw
        if _NOISE_RE.match(line):
            continue
        chapter_match = CHAPTER_RE.match(line)
        if chapter_match and len(line.strip()) < 30:
            started = True
            chapter = re.sub(r"\s+", " ", line.strip())
            continue
        article_match = ARTICLE_RE.match(line)
        if article_match:
            n = cn_to_int(article_match.group(1))
            if n == number + 1:
                if current is not None:
                    articles.append(_finish(number, chapter_of, current))
                number, chapter_of, current = n, chapter, [line[article_match.end():]]
                started = True
                continue
        if current is not None and started:
            if _END_RE.match(line):
                break
            current.append(line)
    if current is not None:
        articles.append(_finish(number, chapter_of, current))
    return articles


def _finish(number: int, chapter: str, lines: list[str]) -> Article:
    text = _join(lines)
    return Article(number=number, chapter=chapter, text=text, items=item_numbers(text))


@dataclass
class Annex:
    number: int
    title: str
    text: str


def split_annexes(source: str) -> list[Annex]:
    """The annexes (附件1, 附件2 …) that follow the articles, each with its title line."""
    annexes: list[Annex] = []
    lines: list[str] | None = None
    number = 0
    for raw in _clean(source).splitlines():
        if _NOISE_RE.match(raw):
            continue
        match = _ANNEX_RE.match(raw)
        if match:
            if lines is not None:
                annexes.append(_annex(number, lines))
            number, lines = int(match.group(1)), []
            continue
        if lines is not None:
            if raw.strip().startswith("抄送"):
                break
            lines.append(raw.rstrip())
    if lines is not None:
        annexes.append(_annex(number, lines))
    return annexes


def _annex(number: int, lines: list[str]) -> Annex:
    body = [line for line in lines if line.strip()]
    title_lines: list[str] = []
    # The title spans the first lines up to the one that ends with 表/书/要求/（提纲）.
    while body:
        title_lines.append(body.pop(0).strip())
        if re.search(r"(表|提纲）|要求)$", title_lines[-1]):
            break
    return Annex(number=number, title="".join(title_lines), text="\n".join(body).strip())


def articles_yaml(source: str) -> str:
    """YAML for a pack's `articles:` and `annexes:` sections, generated from the source text."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    data = {
        "articles": [{"number": a.number, "chapter": a.chapter, "text": a.text} for a in split_articles(source)],
        "annexes": [{"number": x.number, "title": x.title, "text": x.text} for x in split_annexes(source)],
    }
    if not data["annexes"]:
        del data["annexes"]
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000)
