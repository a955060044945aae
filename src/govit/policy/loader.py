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

from govit.policy.articles import item_numbers
from govit.policy.conditions import params_in

PACKS_DIR = Path(__file__).parent / "packs"
SCHEMA_PATH = Path(__file__).parent / "pack.schema.json"
# Extra folders of packs (new jurisdictions as data), separated by os.pathsep.
EXTRA_PACKS_ENV = "GOVIT_EXTRA_PACKS"


class PackError(ValueError):
    """A pack that cannot be loaded; the message names the pack and the place."""


class _UniqueKeyLoader(yaml.SafeLoader):
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
    def parameters(self) -> dict[str, Any]:
        return self.data.get("parameters", {})

    @property
    def valid_from(self) -> date:
        return date.fromisoformat(self.data["valid_from"])

    @property
    def valid_until(self) -> date | None:
        value = self.data.get("valid_until")
        return date.fromisoformat(value) if value else None

    def status(self, as_of: date) -> str:
        if as_of < self.valid_from:
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


def _validate(pack_id: str, data: dict[str, Any], folder: Path) -> None:
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PackError(f"pack {pack_id}: schema error at {where}: {first.message}")
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
            raise PackError(f"pack {pack_id}: {place} cites article {article}, which does not exist")
        if item is not None and item not in items[article]:
            raise PackError(f"pack {pack_id}: {place} cites article {article} item {item}, which does not exist")
        if annex is not None and annex not in annexes:
            raise PackError(f"pack {pack_id}: {place} cites annex {annex}, which does not exist")
    for article in data.get("principles", {}):
        if int(article) not in items:
            raise PackError(f"pack {pack_id}: principles name article {article}, which does not exist")
    known = set(data.get("parameters", {}))
    unknown = params_in({k: v for k, v in data.items() if k != "parameters"}) - known
    if unknown:
        raise PackError(f"pack {pack_id}: unknown parameter(s) {', '.join(sorted(unknown))}")
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
