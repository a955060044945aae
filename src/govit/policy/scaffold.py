"""`govit packs new ID --from TEXT.txt`: a pack folder from a regulation's text, every article still to write.

Every article becomes `principle: 待编写` so `govit packs coverage ID` lists what is left; the
document number and dates are left unknown (null) rather than invented. The pack loads as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from govit.policy.articles import split_annexes, split_articles
from govit.policy.loader import PackError

TODO = "待编写"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*-\d{4}$")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
_TITLE = re.compile(r"^\s*(\S{4,60}(?:办法|规定|细则|意见|制度)(?:（[^）]*）)?)\s*$")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def scaffold(pack_id: str, source: str) -> dict:
    """The pack's data: the articles of `source`, each with the principle 待编写."""
    if not ID_PATTERN.match(pack_id):
        raise PackError(f"政策包 ID {pack_id!r} 应为小写字母、数字和连字符，并以年份结尾，如 haimen-2025")
    articles = split_articles(source)
    if not articles:
        raise PackError("原文中没有找到“第一条”“第二条”……形式的条款，无法生成政策包")
    quoted = re.search(r"《([^》]{4,60}(?:办法|规定|细则)(?:（[^）]*）)?)》", re.sub(r"\s+", "", source[:3000]))
    title = quoted.group(1) if quoted else next(
        (m.group(1) for line in source.splitlines()[:40] if (m := _TITLE.match(line))), None)
    doc_number = _DOC_NUMBER.search(source[:2000])
    data: dict = {
        "id": pack_id,
        "title": title or TODO,
        "doc_number": re.sub(r"\s+", "", doc_number.group(0)) if doc_number else None,
        "issuer": TODO,
        "jurisdiction": {"name": TODO, "level": TODO},
        "issued": None,
        "valid_from": None,
        "valid_until": None,
        "validity_citation": {"article": articles[-1].number},
        "text_complete": True,
        "articles": [{"number": a.number, **({"chapter": a.chapter} if a.chapter else {}), "text": a.text}
                     for a in articles],
    }
    annexes = split_annexes(source)
    if annexes:
        data["annexes"] = [{"number": x.number, "title": x.title, "text": x.text} for x in annexes]
    data.update({
        "facts": {},
        "unit_kinds": {},
        "scope": {"otherwise": {"mode": "full", "citation": {"article": 1}}},
        "rules": [],
        "determinations": {},
        "principles": {str(a.number): TODO for a in articles},
    })
    return data


def write_pack(pack_id: str, source_path: Path, into: Path) -> Path:
    folder = into / pack_id
    if folder.exists():
        raise PackError(f"文件夹 {folder} 已存在，不覆盖")
    data = scaffold(pack_id, source_path.read_text(encoding="utf-8"))
    folder.mkdir(parents=True)
    header = (f"# {pack_id}: scaffolded from {source_path.name} by `govit packs new`.\n"
              "# Every article is `principle: 待编写`; replace each with rules, determinations, deadlines … or a\n"
              "# principle saying why it cannot be encoded. `govit packs coverage ID` shows what is left.\n")
    (folder / "pack.yaml").write_text(header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                                                         width=100000), encoding="utf-8")
    (folder / "cases.yaml").write_text("# Cases written from the articles: facts → expected verdict, findings.\n[]\n",
                                       encoding="utf-8")
    return folder
