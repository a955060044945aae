"""Find, read and validate policy packs: a pack is a folder, validated before it is used."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import yaml

from govit.policy import derived
from govit.policy.articles import item_numbers
from govit.policy.conditions import params_in
from govit.policy.validation import check_names, explain_schema_error

PACKS_DIR = Path(__file__).parent / "packs"
SCHEMA_PATH = Path(__file__).parent / "pack.schema.json"
# Extra folders of packs (new jurisdictions as data), separated by os.pathsep.
EXTRA_PACKS_ENV = "GOVIT_EXTRA_PACKS"


class PackError(ValueError):
    """A pack that cannot be loaded; the message names the pack and the place."""


# libyaml's parser when PyYAML was built with it: the same safe constructor, several times faster
# (every process reads the four packs once; web workers and sweep chunks start from that).
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """A YAML loader that refuses duplicate keys (a silent overwrite would drop a rule)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise PackError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (SafeLoader subclass)  # nosec B506
    except PackError as exc:
        raise PackError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise PackError(f"{path}: not valid YAML: {exc}") from None


def _jsonable(value: Any) -> Any:
    """YAML dates become ISO strings and integer keys strings, so JSON Schema sees JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass
class Pack:
    """A loaded, validated pack."""

    id: str
    data: dict[str, Any]
    folder: Path
    digest: str
    articles: dict[int, dict[str, Any]]
    annexes: dict[int, dict[str, Any]]
    module: ModuleType | None = None
    cases_path: Path | None = None
    items: dict[int, list[int]] = field(default_factory=dict)
    # Citation objects per pack element (id of the dict), built once: evaluation is a hot path.
    citation_cache: dict[int, list[Any]] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def text_complete(self) -> bool:
        return bool(self.data.get("text_complete", True))

    @property
    def missing_articles(self) -> list[int]:
        return list(self.data.get("missing_articles") or [])

    @property
    def doc_number(self) -> str | None:
        return self.data.get("doc_number")

    @property
    def parameters(self) -> dict[str, Any]:
        return self.data.get("parameters", {})

    @property
    def valid_from(self) -> date | None:
        """None when the pack states that its start date is unknown (`valid_from: null`)."""
        value = self.data.get("valid_from")
        return date.fromisoformat(value) if value else None

    @property
    def valid_until(self) -> date | None:
        value = self.data.get("valid_until")
        return date.fromisoformat(value) if value else None

    def status(self, as_of: date) -> str:
        if self.valid_from is not None and as_of < self.valid_from:
            return "not_yet_in_force"
        if self.valid_until is not None and as_of > self.valid_until:
            return "expired"
        return "in_force"


def citations_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The citations a pack element carries: `citation` first, then `citations`."""
    found = []
    if "citation" in node:
        found.append(node["citation"])
    found.extend(node.get("citations", []))
    return found


def walk_citations(data: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (place, citation) in a pack, for validation and coverage."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "citation" and isinstance(value, dict):
                found.append((path, value))
            elif key == "citations" and isinstance(value, list):
                found.extend((path, c) for c in value if isinstance(c, dict))
            elif key == "validity_citation":
                found.append(("validity", value))
            else:
                found.extend(walk_citations(value, where))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            label = value.get("id") or value.get("code") or value.get("stage") if isinstance(value, dict) else None
            found.extend(walk_citations(value, f"{path}[{label or index}]"))
    return found


def _reads_fact(condition: Any, fact: str) -> bool:
    if isinstance(condition, dict):
        return condition.get("fact") == fact or any(_reads_fact(v, fact) for v in condition.values())
    if isinstance(condition, list):
        return any(_reads_fact(v, fact) for v in condition)
    return False


def _validate(pack_id: str, data: dict[str, Any], folder: Path) -> None:
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        path = list(first.absolute_path)
        rule = ""
        if len(path) > 1 and path[0] == "rules" and isinstance(path[1], int) and path[1] < len(data["rules"]):
            rule = f"规则 {data['rules'][path[1]].get('id')}："
        raise PackError(f"pack {pack_id}: {rule}schema error at {explain_schema_error(first)}")
    if data["id"] != folder.name:
        raise PackError(f"pack {pack_id}: id {data['id']!r} differs from its folder name {folder.name!r}")
    numbers = [a["number"] for a in data["articles"]]
    if numbers != list(range(1, len(numbers) + 1)):
        raise PackError(f"pack {pack_id}: articles must be numbered 1..N without gaps")
    items = {a["number"]: item_numbers(a["text"]) for a in data["articles"]}
    annexes = {a["number"] for a in data.get("annexes", [])}
    for place, citation in walk_citations(data):
        article, item, annex = citation["article"], citation.get("item"), citation.get("annex")
        if article not in items:
            raise PackError(f"pack {pack_id}: {place} cites article {article}, which does not exist "
                            f"(政策包 {pack_id}：{place} 引用第{article}条，本办法只有第1至{len(items)}条)")
        if item is not None and item not in items[article]:
            valid = "、".join(f"（{n}）" for n in items[article]) or "无"
            raise PackError(f"pack {pack_id}: {place} cites article {article} item {item}, which does not exist "
                            f"(政策包 {pack_id}：{place} 引用第{article}条第{item}项，该条的项：{valid})")
        if annex is not None and annex not in annexes:
            raise PackError(f"pack {pack_id}: {place} cites annex {annex}, which does not exist "
                            f"(有效的附件：{'、'.join(map(str, sorted(annexes))) or '无'})")
    for article in data.get("principles", {}):
        if int(article) not in items:
            raise PackError(f"pack {pack_id}: principles name article {article}, which does not exist")
    known = set(data.get("parameters", {}))
    unknown = params_in({k: v for k, v in data.items() if k != "parameters"}) - known
    if unknown:
        raise PackError(f"pack {pack_id}: unknown parameter(s) {', '.join(sorted(unknown))}")
    for check, spec in (data.get("analysis") or {}).items():
        if not any(_reads_fact(r.get("when"), f"project.{spec['fact']}") for r in data.get("rules", [])):
            raise PackError(f"pack {pack_id}: analysis.{check} sets fact {spec['fact']}, which no rule reads")
    problems = check_names(pack_id, data, derived.DERIVED)
    if problems:
        shown = problems[:20]
        more = f"\n……另有 {len(problems) - 20} 处" if len(problems) > 20 else ""
        raise PackError("\n".join(shown) + more)
    rule_ids = [r["id"] for r in data.get("rules", [])]
    duplicates = {r for r in rule_ids if rule_ids.count(r) > 1}
    if duplicates:
        raise PackError(f"pack {pack_id}: duplicate rule id(s) {', '.join(sorted(duplicates))}")


def _load_module(pack_id: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"govit_pack_rules_{pack_id.replace('-', '_')}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pack_folder(folder: Path) -> Pack:
    """Read and validate one pack folder."""
    pack_yaml = folder / "pack.yaml"
    if not pack_yaml.is_file():
        raise PackError(f"{folder}: no pack.yaml")
    raw = pack_yaml.read_bytes()
    data = _jsonable(read_yaml(pack_yaml))
    if not isinstance(data, dict):
        raise PackError(f"{pack_yaml}: a pack is a mapping")
    _validate(folder.name, data, folder)
    digest = hashlib.sha256(raw)
    rules_py = folder / "rules.py"
    module = None
    if rules_py.is_file():
        digest.update(rules_py.read_bytes())
        module = _load_module(folder.name, rules_py)
    for rule in data.get("rules", []):
        if "python" in rule and (module is None or not hasattr(module, rule["python"])):
            raise PackError(f"pack {folder.name}: rule {rule['id']} names python function "
                            f"{rule['python']!r}, which rules.py does not define")
    cases = folder / "cases.yaml"
    return Pack(
        id=data["id"], data=data, folder=folder, digest="sha256:" + digest.hexdigest(),
        articles={a["number"]: a for a in data["articles"]},
        annexes={a["number"]: a for a in data.get("annexes", [])},
        module=module, cases_path=cases if cases.is_file() else None,
        items={a["number"]: item_numbers(a["text"]) for a in data["articles"]},
    )


def pack_folders() -> dict[str, Path]:
    """Every pack folder, built-in and from GOVIT_EXTRA_PACKS, by id."""
    roots = [PACKS_DIR, *(Path(p) for p in os.environ.get(EXTRA_PACKS_ENV, "").split(os.pathsep) if p)]
    found: dict[str, Path] = {}
    for root in roots:
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "pack.yaml").is_file():
                    if folder.name in found and found[folder.name] != folder:
                        builtin = found[folder.name].parent == PACKS_DIR
                        raise PackError(
                            f"{EXTRA_PACKS_ENV} 中的政策包 {folder.name}（{folder}）与"
                            f"{'内置' if builtin else '另一个'}政策包同名（{found[folder.name]}），不能替换它；"
                            "请为新政策包另取 ID")
                    found[folder.name] = folder
    return found


_cache: dict[Path, tuple[float, Pack]] = {}
_checked: dict[tuple[str, str], tuple[float, Path]] = {}
# How long a loaded pack is trusted before its files are looked at again (edits show up within it).
RECHECK_SECONDS = 2.0


def load_pack(pack_id: str) -> Pack:
    """The pack with this id (cached; reloaded when its files change)."""
    key = (pack_id, os.environ.get(EXTRA_PACKS_ENV, ""))
    now = time.monotonic()
    seen = _checked.get(key)
    if seen and now - seen[0] < RECHECK_SECONDS and seen[1] in _cache:
        return _cache[seen[1]][1]
    folders = pack_folders()
    if pack_id not in folders:
        raise PackError(f"未知的政策包 {pack_id!r}，可用：{', '.join(sorted(folders))}")
    folder = folders[pack_id]
    stamp = max((p.stat().st_mtime for p in folder.iterdir() if p.suffix in (".yaml", ".py")), default=0.0)
    cached = _cache.get(folder)
    if not cached or cached[0] != stamp:
        cached = (stamp, load_pack_folder(folder))
        _cache[folder] = cached
    _checked[key] = (now, folder)
    return cached[1]


def pack_ids() -> list[str]:
    return sorted(pack_folders())


def clear_cache() -> None:
    """Forget every loaded pack (a pack folder just written is read again on next use)."""
    _cache.clear()
    _checked.clear()
