"""The similarity index in the database (IndexEntry) and in memory (engine.Index), kept in step
incrementally: only systems and projects changed since they were indexed are segmented again.

`index_sync()` is what the Celery task (eager by default), `govit analysis index` and every check
run first; `load_index()` keeps one engine.Index per jurisdiction per process and rebuilds it only
when an entry changed (a count and a time stamp tell).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max

from govit.analysis.engine.features import Features, extract
from govit.analysis.engine.index import Doc, Index
from govit.analysis.engine.lexicon import Lexicon, load_lexicon
from govit.analysis.models import DocKind, ExistingSystem, IndexEntry, UnitSupervisor
from govit.core.models import Jurisdiction
from govit.projects.models import Project

# The states whose data a project holds and shares once built (see engine.detect.BUILT).
_SHARING_FACTS = ("shares_data_as_required", "connected_to_sharing_platform")


def place_names(jurisdiction: Jurisdiction) -> list[str]:
    """南通市通州区 → 南通市通州区, 南通市, 通州区, 南通, 通州: words that say where, not what."""
    name = jurisdiction.name
    parts = [p for p in re.split(r"(?<=[省市区县州旗盟])", name) if p]
    found = {name, *parts}
    for part in list(found):
        if len(part) > 2 and part[-1] in "省市区县州旗盟":
            found.add(part[:-1])
    for suffix in ("回族自治州", "自治州", "自治区"):
        for part in list(found):
            if part.endswith(suffix) and len(part) > len(suffix):
                found.add(part[: -len(suffix)])
    return sorted(found, key=len, reverse=True)


def _strip(text: str, places: list[str]) -> str:
    for place in places:
        text = text.replace(place, " ")
    return text


def features_of(lexicon: Lexicon, places: list[str], *, name: str, content: str, functions: list[str],
                data_items: list[str]) -> Features:
    return extract(lexicon, name=_strip(name, places), content=_strip(content or "", places),
                   functions=functions, data_items=data_items)


def _groups(jurisdiction: Jurisdiction) -> dict[int, int]:
    return dict(UnitSupervisor.objects.filter(unit__jurisdiction=jurisdiction).values_list("unit_id", "supervisor_id"))


def _system_entry(system: ExistingSystem, lexicon: Lexicon, places: list[str], groups: dict[int, int]) -> dict:
    return {
        "jurisdiction_id": system.jurisdiction_id, "unit_id": system.unit_id, "group_id": groups.get(system.unit_id),
        "name": system.name, "state": "", "plan_year": system.go_live_year,
        "amount_wan": float(system.investment_wan) if system.investment_wan is not None else None,
        "shares_data": system.shares_data, "category": "",
        "features": features_of(lexicon, places, name=system.name, content=system.content,
                                functions=system.functions, data_items=system.data_items).to_json(),
        "lexicon_digest": lexicon.digest, "source_updated_at": system.updated_at,
    }


def _project_entry(project: Project, lexicon: Lexicon, places: list[str], groups: dict[int, int]) -> dict:
    facts = project.facts or {}
    amount = facts.get("total_investment_wan")
    return {
        "jurisdiction_id": project.jurisdiction_id, "unit_id": project.unit_id,
        "group_id": groups.get(project.unit_id), "name": project.name, "state": project.state,
        "plan_year": project.plan_year, "amount_wan": float(amount) if isinstance(amount, int | float) else None,
        "shares_data": any(facts.get(f) is True for f in _SHARING_FACTS), "category": facts.get("category") or "",
        "features": features_of(lexicon, places, name=project.name, content=project.content,
                                functions=list(project.functions or []),
                                data_items=list(project.data_items or [])).to_json(),
        "lexicon_digest": lexicon.digest, "source_updated_at": project.updated_at,
    }


@dataclass
class SyncCounts:
    indexed: int = 0
    removed: int = 0
    total: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"indexed": self.indexed, "removed": self.removed, "total": self.total}


def index_sync(*, jurisdiction: Jurisdiction, rebuild: bool = False) -> SyncCounts:
    """Bring the jurisdiction's IndexEntry rows in line with its systems and projects."""
    lexicon = load_lexicon()
    places = place_names(jurisdiction)
    counts = SyncCounts()
    entries = {(e["kind"], e["ref"]): e for e in IndexEntry.objects.filter(jurisdiction=jurisdiction).values(
        "pk", "kind", "ref", "source_updated_at", "lexicon_digest", "group_id")}
    groups = _groups(jurisdiction)
    sources: list[tuple[str, Any, Any]] = [
        (DocKind.SYSTEM, ExistingSystem.objects.filter(jurisdiction=jurisdiction), _system_entry),
        (DocKind.PROJECT, Project.objects.filter(jurisdiction=jurisdiction).select_related("unit"), _project_entry),
    ]
    seen: set[tuple[str, int]] = set()
    with transaction.atomic():
        for kind, queryset, build in sources:
            rows = queryset.values_list("pk", "updated_at", "unit_id")
            stamps = {pk: (stamp, unit_id) for pk, stamp, unit_id in rows}
            stale = [pk for pk, (stamp, unit_id) in stamps.items()
                     if rebuild or (kind, pk) not in entries or entries[(kind, pk)]["source_updated_at"] != stamp
                     or entries[(kind, pk)]["lexicon_digest"] != lexicon.digest
                     or entries[(kind, pk)]["group_id"] != groups.get(unit_id)]
            seen.update((kind, pk) for pk in stamps)
            for obj in queryset.filter(pk__in=stale) if stale else []:
                IndexEntry.objects.update_or_create(kind=kind, ref=obj.pk,
                                                    defaults=build(obj, lexicon, places, groups))
                counts.indexed += 1
        gone = [e["pk"] for key, e in entries.items() if key not in seen]
        if gone:
            counts.removed = IndexEntry.objects.filter(pk__in=gone).delete()[0]
    counts.total = len(seen)
    return counts


# --- the in-memory index ---------------------------------------------------------------------


_lock = threading.Lock()
_loaded: dict[int, tuple[tuple[Any, ...], Index]] = {}


def _version(jurisdiction: Jurisdiction) -> tuple[Any, ...]:
    # COUNT(*), not COUNT(id): answered from the (jurisdiction, indexed_at) index alone.
    stats = IndexEntry.objects.filter(jurisdiction=jurisdiction).aggregate(n=Count("*"), last=Max("indexed_at"))
    return (stats["n"], stats["last"], load_lexicon().digest)


def _doc(row: dict[str, Any]) -> Doc:
    return Doc(key=f"{row['kind']}:{row['ref']}", kind=row["kind"], ref=row["ref"], name=row["name"],
               unit_id=row["unit_id"], unit_name=row["unit__name"], features=Features.from_json(row["features"]),
               group_id=row["group_id"], plan_year=row["plan_year"], amount_wan=row["amount_wan"], state=row["state"],
               shares_data=row["shares_data"], extra={"category": row["category"]})


_FIELDS = ("kind", "ref", "name", "unit_id", "unit__name", "features", "group_id", "plan_year", "amount_wan",
           "state", "shares_data", "category")
# Past this share of documents changed since the IDF was computed, the index is built again.
REBUILD_SHARE = 0.1


def load_index(jurisdiction: Jurisdiction) -> Index:
    """The jurisdiction's engine.Index: the cached one when nothing changed, the cached one with the
    changed entries applied (incremental), or a fresh build when much has changed."""
    version = _version(jurisdiction)
    with _lock:
        cached = _loaded.get(jurisdiction.pk)
    if cached and cached[0] == version:
        return cached[1]
    lexicon = load_lexicon()
    entries = IndexEntry.objects.filter(jurisdiction=jurisdiction)
    index = None
    if cached and cached[0][2] == version[2] and cached[0][1] is not None:
        old = cached[1]
        changed = [_doc(r) for r in entries.filter(indexed_at__gte=cached[0][1]).values(*_FIELDS)]
        keys = {f"{k}:{r}" for k, r in entries.values_list("kind", "ref")}
        removed = {d.key for d in old.docs if d.key not in keys}
        if old.drift + len(changed) + len(removed) <= REBUILD_SHARE * max(len(keys), 1):
            index = old.updated(changed, removed)
    if index is None:
        index = Index([_doc(r) for r in entries.order_by("kind", "ref").values(*_FIELDS)], lexicon.settings,
                      key_items=lexicon.key_items)
    with _lock:
        _loaded[jurisdiction.pk] = (version, index)
    return index


_synced: dict[int, tuple[Any, ...]] = {}


def _source_version(jurisdiction: Jurisdiction) -> tuple[Any, ...]:
    systems = ExistingSystem.objects.filter(jurisdiction=jurisdiction).aggregate(n=Count("pk"),
                                                                                 last=Max("updated_at"))
    projects = Project.objects.filter(jurisdiction=jurisdiction).aggregate(n=Count("pk"), last=Max("updated_at"))
    groups = UnitSupervisor.objects.filter(unit__jurisdiction=jurisdiction).aggregate(n=Count("pk"), m=Max("pk"))
    return (systems["n"], systems["last"], projects["n"], projects["last"], groups["n"], groups["m"],
            load_lexicon().digest)


# jurisdiction → (audit chain head, lexicon digest, monotonic time, index) of the last full check.
_checked: dict[int, tuple[str, str, float, Index]] = {}
# Even with no audited write, the counts are read again after this long (a write that bypassed the
# services is then seen too).
RECHECK_SECONDS = 60.0


def synced_index(jurisdiction: Jurisdiction) -> Index:
    """The index with every change to the jurisdiction's systems and projects taken in (an
    incremental sync runs only when their count or latest change differs from the last sync).

    Systems, projects and groups change only through audited services, so while the audit chain head
    stays where it was at the last check (and for at most RECHECK_SECONDS), the index is current
    without reading the counts again: a project page then costs no COUNT over the jurisdiction."""
    from govit.core.selectors import audit_generation

    generation, digest = audit_generation(), load_lexicon().digest
    seen = _checked.get(jurisdiction.pk)
    if seen and seen[0] == generation and seen[1] == digest and time.monotonic() - seen[2] < RECHECK_SECONDS:
        return seen[3]
    version = _source_version(jurisdiction)
    if _synced.get(jurisdiction.pk) != version:
        index_sync(jurisdiction=jurisdiction)
        _synced[jurisdiction.pk] = version
    index = load_index(jurisdiction)
    _checked[jurisdiction.pk] = (generation, digest, time.monotonic(), index)
    return index


def forget_checks() -> None:
    """Read the counts again at the next check (tests: a rolled-back database returns to an old head)."""
    _checked.clear()
