"""DOCX outline check: an uploaded 项目建议书 / 可行性研究报告 against the pack's outline (通州 附件2 / 附件3).

Headings are read from the document itself: by style (标题 1/Heading 1, outline level) or by
numbering (第七章 / 七、 / 7. / 7、 / （一）), whatever the spacing (full-width spaces included);
titles match after numbering, spaces and punctuation are removed, with small rewordings tolerated
(containment and a similarity ratio). Items are looked for under their chapter. The pack's
`document_checks` says which material codes are checked, which outline, whether a missing
required chapter blocks submission, and which chapter is the 信息资源共享分析篇（章） (通州 第十条).
Pure Python (no Django), so the command line and the upload service give the same answer.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from govit.policy.numerals import int_to_cn

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零〇一二三四五六七八九十百两"
_NUMBERING = re.compile(
    r"^\s*(?:"
    rf"第\s*[{_CN}\d]+\s*[章节篇部分]+|"  # 第七章 / 第7章
    rf"[（(][{_CN}\d]+[)）]|"  # （一） / (1)
    rf"[{_CN}]+\s*[、.．]|"  # 七、 / 七.
    r"\d+(?:\s*[.．]\s*\d+)*\s*[、.．)）]?(?!\d)"  # 7. / 7、 / 7.1 / 7.1.2 / 7
    r")\s*"
)
_STRIP = re.compile(r"[\s\u3000、，,。.．:：;；（）()\[\]【】《》「」“”\"'‘’·\-—_/*＊]+")
_TOC_TAIL = re.compile(r"[\s.．…·\-—]*\d+\s*$")
MATCH_RATIO = 0.72


class DocumentUnreadable(ValueError):
    """The file is not a DOCX that can be read; the message is Chinese and says what to do."""


@dataclass(frozen=True)
class Heading:
    text: str
    key: str
    level: int  # 1 chapter-like, 2 item-like, 0 unknown


def normalise(text: str) -> str:
    """A title without its numbering, spaces (full-width too) and punctuation."""
    text = text.replace("\u3000", " ").strip()
    for _ in range(2):  # "第一章 1." style double prefixes
        text = _NUMBERING.sub("", text, count=1)
    return _STRIP.sub("", text)


def _level_from_numbering(text: str) -> int:
    stripped = text.replace("\u3000", " ").strip()
    if re.match(rf"^第\s*[{_CN}\d]+\s*[章篇部]", stripped) or re.match(rf"^[{_CN}]+\s*[、.．]", stripped):
        return 1
    if re.match(rf"^[（(][{_CN}\d]+[)）]", stripped) or re.match(r"^\d+\s*[.．、)）]?", stripped):
        return 2
    return 0


def _xml(data: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser=parser)  # nosec B320 (entities off, no network)


def read_headings(data: bytes, filename: str = "文件") -> list[Heading]:
    """The document's headings in order. Raises DocumentUnreadable with a clear Chinese message."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DocumentUnreadable(f"{filename} 已加密（设置了打开密码）或是旧版 Word（.doc）文件，无法读取提纲。"
                                 "请取消密码或另存为 .docx 后重新上传。")
    if data[:4] != b"PK\x03\x04":
        raise DocumentUnreadable(f"{filename} 不是 Word（.docx）文件，无法检查提纲。请上传 .docx 格式的文档。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise DocumentUnreadable(f"{filename} 不是 Word（.docx）文档（缺少正文部分），无法检查提纲。")
            if archive.getinfo("word/document.xml").file_size > 50 * 1024 * 1024:
                raise DocumentUnreadable(f"{filename} 正文过大，无法检查提纲。")
            body = _xml(archive.read("word/document.xml"))
            styles = _xml(archive.read("word/styles.xml")) if "word/styles.xml" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError) as exc:
        raise DocumentUnreadable(
            f"{filename} 已损坏，无法打开（{type(exc).__name__}）。请重新导出 .docx 后上传。") from None
    except DocumentUnreadable:
        raise
    except Exception:  # lxml's XMLSyntaxError and friends: a damaged part
        raise DocumentUnreadable(
            f"{filename} 已损坏（正文不是有效的 XML），无法检查提纲。请重新导出 .docx 后上传。") from None
    return _headings(body, _style_levels(styles))


def _style_levels(styles: Any) -> dict[str, int]:
    """styleId → heading level (1, 2 …) for heading/title styles and styles with an outline level."""
    levels: dict[str, int] = {}
    if styles is None:
        return levels
    for style in styles.iter(f"{_W}style"):
        sid = style.get(f"{_W}styleId") or ""
        name_el = style.find(f"{_W}name")
        name = (name_el.get(f"{_W}val") if name_el is not None else "") or sid
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        match = re.match(r"^(?:heading|标题)\s*(\d)$", name.strip().lower())
        if name.lower().startswith("toc") or "目录" in name:
            continue
        if match:
            levels[sid] = int(match.group(1))
        elif outline is not None and (outline.get(f"{_W}val") or "").isdigit() and int(outline.get(f"{_W}val")) < 9:
            levels[sid] = int(outline.get(f"{_W}val")) + 1
        elif name.strip().lower() in ("title", "标题"):
            levels[sid] = 1
    return levels


def _headings(body: Any, style_levels: dict[str, int]) -> list[Heading]:
    found: list[Heading] = []
    for paragraph in body.iter(f"{_W}p"):
        ppr = paragraph.find(f"{_W}pPr")
        style_id = ""
        level = 0
        numbered = False
        if ppr is not None:
            pstyle = ppr.find(f"{_W}pStyle")
            style_id = pstyle.get(f"{_W}val") if pstyle is not None else ""
            outline = ppr.find(f"{_W}outlineLvl")
            if outline is not None and (outline.get(f"{_W}val") or "").isdigit() and int(outline.get(f"{_W}val")) < 9:
                level = int(outline.get(f"{_W}val")) + 1
            numbered = ppr.find(f"{_W}numPr") is not None
        if style_id.lower().startswith("toc") or "目录" in style_id:
            continue  # a table of contents lists titles; it is not the chapters
        text = "".join(t.text or "" for t in paragraph.iter(f"{_W}t")).strip()
        if not text:
            continue
        level = level or style_levels.get(style_id, 0)
        if not level:
            by_number = _level_from_numbering(text) if _NUMBERING.match(text) else 0
            if by_number and len(text) <= 60:
                level = by_number
            elif numbered and len(text) <= 40:
                level = 2
            else:
                continue
        key = normalise(_TOC_TAIL.sub("", text) if len(text) <= 80 else text)
        if key:
            found.append(Heading(text=text, key=key, level=level))
    return found


def similar(title_key: str, heading_key: str) -> float:
    if title_key == heading_key:
        return 1.0
    shorter, longer = sorted((title_key, heading_key), key=len)
    if len(shorter) >= 4 and shorter in longer and len(shorter) / len(longer) >= 0.5:
        return 0.9
    return SequenceMatcher(None, title_key, heading_key).ratio()


def _find(title: str, headings: list[Heading], start: int, end: int, taken: set[int] | None = None) -> int | None:
    """The best heading in [start, end) for the title, not already taken by another title."""
    key = normalise(title)
    best, best_index = 0.0, None
    for index in range(start, end):
        if taken and index in taken:
            continue
        ratio = similar(key, headings[index].key)
        if ratio > best:
            best, best_index = ratio, index
    return best_index if best >= MATCH_RATIO else None


def _match_items(items: list[dict[str, Any]], headings: list[Heading], span: tuple[int, int],
                 taken: set[int]) -> list[int | None]:
    """Items of one chapter: exact titles claim their headings first, rewordings take what is left."""
    found: list[int | None] = [None] * len(items)
    for pos, item in enumerate(items):
        key = normalise(item["title"])
        for index in range(*span):
            if index not in taken and headings[index].key == key:
                found[pos] = index
                taken.add(index)
                break
    for pos, item in enumerate(items):
        if found[pos] is None:
            found[pos] = _find(item["title"], headings, *span, taken=taken)
            if found[pos] is not None:
                taken.add(found[pos])
    return found


def _label(numbering: dict[str, str], which: str, n: int, title: str) -> str:
    pattern = numbering.get(which, "")
    prefix = pattern.format(n=n, cn=int_to_cn(n)) if pattern else ""
    sep = "" if not prefix or prefix.endswith(("、", "）")) else " "
    return f"{prefix}{sep}{title}"


def check_outline(headings: list[Heading], outline: dict[str, Any], *, annex: int | None = None,
                  numbering: dict[str, str] | None = None, sharing_chapter: str | None = None) -> dict[str, Any]:
    """present / missing (required) / optional_missing against the outline; `sharing_chapter` when named."""
    numbering = numbering or {}
    sections = outline.get("sections") or []
    located: list[int | None] = []
    taken: set[int] = set()
    cursor = 0
    for section in sections:  # chapters in order; a chapter out of order is still found
        index = _find(section["title"], headings, cursor, len(headings), taken)
        if index is None:
            index = _find(section["title"], headings, 0, len(headings), taken)
        located.append(index)
        if index is not None:
            taken.add(index)
            cursor = index + 1
    present: list[str] = []
    missing: list[dict[str, Any]] = []
    optional_missing: list[str] = []
    starts = sorted(i for i in located if i is not None)
    for n, (section, index) in enumerate(zip(sections, located, strict=True), start=1):
        label = _label(numbering, "section", n, section["title"])
        section_optional = bool(section.get("optional"))
        _record(label, index is not None, section_optional, present, missing, optional_missing)
        if index is None:
            span = (0, len(headings))
        else:
            following = [i for i in starts if i > index]
            span = (index + 1, following[0] if following else len(headings))
        items = section.get("items") or []
        for m, (item, found) in enumerate(zip(items, _match_items(items, headings, span, taken), strict=True),
                                          start=1):
            item_label = f"{label} / {_label(numbering, 'item', m, item['title'])}"
            _record(item_label, found is not None, section_optional or bool(item.get("optional")),
                    present, missing, optional_missing)
    result: dict[str, Any] = {"outline": f"附件{annex}" if annex else outline.get("title", ""),
                              "title": outline.get("title", ""), "present": present, "missing": missing,
                              "optional_missing": optional_missing, "headings_found": len(headings)}
    if sharing_chapter:
        spot = next((i for s, i in zip(sections, located, strict=True) if s["title"] == sharing_chapter), None)
        result["sharing_chapter"] = spot is not None if any(s["title"] == sharing_chapter for s in sections) \
            else _find(sharing_chapter, headings, 0, len(headings)) is not None
    else:
        result["sharing_chapter"] = None
    return result


def _record(label: str, found: bool, optional: bool, present: list[str], missing: list[dict[str, Any]],
            optional_missing: list[str]) -> None:
    if found:
        present.append(label)
    elif optional:
        optional_missing.append(label)
    else:
        missing.append({"title": label, "required": True})


def check_spec(pack_data: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The pack's document check for a material code, with its outline; None where the pack has none."""
    check = (pack_data.get("document_checks") or {}).get(kind)
    if not check:
        return None
    outline = (pack_data.get("outlines") or {}).get(check["outline"])
    return {**check, "outline_spec": outline} if outline else None


def check_document(data: bytes, pack_data: dict[str, Any], kind: str, filename: str = "文件") -> dict[str, Any] | None:
    """The whole answer for one file; None where the pack checks no such document."""
    spec = check_spec(pack_data, kind)
    if spec is None:
        return None
    headings = read_headings(data, filename)
    result = check_outline(headings, spec["outline_spec"], annex=spec.get("annex"),
                           numbering=spec.get("numbering") or {}, sharing_chapter=spec.get("sharing_chapter"))
    result["blocks_submission"] = bool(spec.get("blocks_submission")) and bool(result["missing"])
    result["citation"] = spec["citation"]
    return result


def outline_docx(outline: dict[str, Any], numbering: dict[str, str] | None = None, *,
                 skip: set[str] = frozenset(), body: str = "（正文）") -> bytes:
    """A DOCX whose headings follow the outline (demo materials, tests): 标题 1 chapters, 标题 2 items."""
    from docx import Document

    numbering = numbering or {}
    document = Document()
    for n, section in enumerate(outline.get("sections") or [], start=1):
        if section["title"] in skip:
            continue
        document.add_heading(_label(numbering, "section", n, section["title"]), level=1)
        for m, item in enumerate(section.get("items") or [], start=1):
            if item["title"] in skip:
                continue
            document.add_heading(_label(numbering, "item", m, item["title"]), level=2)
            document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_entry_times(buffer.getvalue())


def _fixed_entry_times(data: bytes) -> bytes:
    """The same DOCX with every zip entry dated 2024-01-01, so one outline always gives the same bytes
    (python-docx stamps entries with the current second)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), source.read(info))
    return out.getvalue()
