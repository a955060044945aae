"""The words a pack's regulation uses for its bodies, documents and codes (pure Python, no Django).

A pack's optional `vocabulary` block names, in the regulation's own words, the bodies the platform's
roles stand for (`bodies`: 昆都仑 calls the lead office 区政数局, 昌吉 州数字化发展局 with its
联审成员单位), the documents it requires (`documents`: 通州 档案验收报告, 等保备案证明) and the labels of
any custom determination, value or code (`labels`: project_class → 项目类别). The UI asks
`term(pack_id, key)`; a pack without the word falls back to the platform's generic term.
"""

from __future__ import annotations

from typing import Any

# The generic word for each body, used only where the pack does not name it.
GENERIC_BODIES: dict[str, str] = {
    "lead_office": "牵头部门",
    "member_reviewer": "会审成员单位",
    "applicant": "项目建设单位",
    "leadership": "领导",
    "expert": "评审专家",
    "leading_group": "领导小组",
}


def vocabulary(pack_id: str | None) -> dict[str, dict[str, str]]:
    """The pack's `vocabulary` block (bodies, documents, labels), each a mapping; empty when unknown."""
    block: dict[str, Any] = {}
    declared: dict[str, str] = {}
    if pack_id:
        from govit.policy.declarations import declared_documents
        from govit.policy.loader import PackError, load_pack

        try:
            data = load_pack(pack_id).data
        except (PackError, KeyError, FileNotFoundError):
            data = {}
        block = data.get("vocabulary") or {}
        declared = declared_documents(data)  # a pack's own documents (top-level `documents`)
    words = {part: dict(block.get(part) or {}) for part in ("bodies", "documents", "labels")}
    words["documents"] = {**declared, **words["documents"]}
    return words


def term(pack_id: str | None, key: str, default: str | None = None) -> str:
    """The regulation's word for a body (`lead_office`, `member_reviewer`, ...), or the generic one."""
    words = vocabulary(pack_id)["bodies"]
    return words.get(key) or default or GENERIC_BODIES.get(key, key)


def pack_label(pack_id: str | None, code: str, default: str | None = None) -> str:
    """The pack's label of a document code, a custom determination or one of its values, or `default`
    (the code itself when no default is given)."""
    words = vocabulary(pack_id)
    found = words["labels"].get(code) or words["documents"].get(code)
    return found or (default if default is not None else code)


def bodies(pack_id: str | None) -> dict[str, str]:
    """Every body's word under the pack, generic words filled in."""
    return {**GENERIC_BODIES, **vocabulary(pack_id)["bodies"]}


# The platform's generic names, longest first, and the body each stands for.
_GENERIC_NAMES = (("领导小组办公室（牵头部门）", "lead_office"), ("本级领导小组办公室", "lead_office"),
                  ("领导小组办公室", "lead_office"), ("会审成员单位", "member_reviewer"))


def in_pack_words(text: str, pack_id: str | None) -> str:
    """`text` with the platform's generic body names put in the pack's own words (a message written once
    for every jurisdiction reads 区政数局 under 昆都仑). Names the pack does not give are left alone."""
    words = vocabulary(pack_id)["bodies"]
    if not words or not text:
        return text
    for generic, key in _GENERIC_NAMES:
        if key in words and generic in text:
            text = text.replace(generic, words[key])
    return text


def determination_name(pack_id: str | None, name: str) -> str:
    """A determination's Chinese name: the platform's, else the pack's label (a custom `project_class` → 项目类别)."""
    from govit.policy import labels

    return labels.DETERMINATION.get(name) or pack_label(pack_id, name)


def determination_text(pack_id: str | None, name: str, value: Any) -> str:
    """A determination's value in plain Chinese; a custom code in the pack's labels, never the bare code."""
    from govit.policy import labels

    if isinstance(value, list):
        return "、".join(determination_text(pack_id, name, v) for v in value) or "无"
    known = labels.determination_value_label(name, value)
    if isinstance(value, str) and known == value:
        return pack_label(pack_id, value, labels.DOCUMENTS.get(value, value))
    return known
