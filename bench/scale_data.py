"""Bulk data for the scale bench: N projects across the four jurisdictions and all stages, with their
timelines, reports, obligations, tasks and ratings, and an audit chain of M valid entries.

Each generated project is a copy of one of the demo projects (which the services drove through the
real lifecycle, so every stage, fact and stored status is one the platform produced itself) with its
own name, unit and creation date. Rows are written in batches: COPY on PostgreSQL, bulk INSERT
elsewhere; nothing is evaluated per project. Run again with a larger N: only the missing rows are added.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from govit.core import crypto
from govit.core.audit import canonical_payload
from govit.core.models import AuditChainHead, AuditEntry, Unit, UnitKind
from govit.projects.models import (
    Material,
    ProgressReport,
    Project,
    ProjectEvent,
    ProjectYearAmount,
)
from govit.reviews.models import OpinionTask
from govit.supervision.models import DutyHistory, HealthRating, Obligation

MARK = "压测"
BATCH = 2000
CHILDREN: list[type[models.Model]] = [ProjectEvent, ProjectYearAmount, Material, ProgressReport, Obligation,
                                      OpinionTask, HealthRating]


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (fast), bulk INSERT elsewhere. JSON columns are passed as Python values."""
    if not rows:
        return
    columns = _columns(model)
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=500)  # type: ignore[misc]
        return
    from psycopg.types.json import Jsonb

    json_columns = {f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])


def _templates() -> dict[int, list[dict[str, Any]]]:
    """The demo projects of each jurisdiction with their child rows, as plain dicts."""
    by_jurisdiction: dict[int, list[dict[str, Any]]] = defaultdict(list)
    derived = dict(DutyHistory.objects.values_list("project_id", "as_of"))
    for project in Project.objects.exclude(name__startswith=MARK).order_by("pk"):
        row = {c: getattr(project, c) for c in _columns(Project)}
        children = {}
        for model in CHILDREN:
            children[model] = [{c: v for c, v in r.items() if c != "id"}
                               for r in model.objects.filter(project_id=project.pk).values(*_columns(model))]
        by_jurisdiction[project.jurisdiction_id].append({"row": row, "children": children,
                                                         "derived": derived.get(project.pk)})
    return by_jurisdiction


def generate_projects(target: int, *, seed: int = 1, log: Any = print) -> int:
    """Add projects until `target` bench projects exist; returns how many were added."""
    have = Project.objects.filter(name__startswith=MARK).count()
    missing = target - have
    if missing <= 0:
        return 0
    rng = random.Random(seed + have)
    templates = _templates()
    units = {j: list(Unit.objects.filter(jurisdiction_id=j, kind=UnitKind.CONSTRUCTION_DEPARTMENT)
                     .values_list("pk", flat=True)) or list(Unit.objects.filter(jurisdiction_id=j)
                                                            .values_list("pk", flat=True))
             for j in templates}
    jurisdictions = sorted(templates)
    now = timezone.now()
    added = 0
    while added < missing:
        size = min(BATCH, missing - added)
        picks = []
        for i in range(size):
            jurisdiction = jurisdictions[(have + added + i) % len(jurisdictions)]
            template = rng.choice(templates[jurisdiction])
            row = dict(template["row"])
            number = have + added + i + 1
            row["name"] = f"{MARK}{number:06d}·{row['name']}"[:200]
            row["facts"] = {**row["facts"], "name": row["name"]}
            row["unit_id"] = rng.choice(units[jurisdiction])
            picks.append((row, template))
        with transaction.atomic():
            projects = Project.objects.bulk_create([Project(**row) for row, _ in picks], batch_size=500)
            created_at = [now - timedelta(days=rng.randint(0, 1100), seconds=rng.randint(0, 86400))
                          for _ in projects]
            _set_times(projects, created_at)
            for model in CHILDREN:
                rows = []
                for project, (_, template) in zip(projects, picks, strict=True):
                    for child in template["children"][model]:
                        rows.append({**child, "project_id": project.pk})
                _unique_reviews(model, rows)
                insert_rows(model, rows)
            _duty_histories(projects, [template for _, template in picks])
        added += size
        log(f"  projects {have + added}/{target}")
    return added


def _duty_histories(projects: list[Project], templates: list[dict[str, Any]]) -> None:
    """Each copy's duties stand as its template's did, derived up to the night before the template's
    last sweep (so tonight's sweep has a day to add, as a real night has), keyed by its own facts."""
    from govit.projects.selectors import unit_facts
    from govit.supervision.obligations import history_key

    facts_by_unit: dict[int, dict[str, Any]] = {}
    rows = []
    for project, template in zip(projects, templates, strict=True):
        if template["derived"] is None:
            continue
        if project.unit_id not in facts_by_unit:
            facts_by_unit[project.unit_id] = unit_facts(Unit.objects.select_related("jurisdiction")
                                                        .get(pk=project.unit_id))
        day = template["derived"] - timedelta(days=1)
        rows.append(DutyHistory(project=project, as_of=day, key=history_key(project, facts_by_unit[project.unit_id],
                                                                             day)))
    DutyHistory.objects.bulk_create(rows, batch_size=1000)


def _unique_reviews(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Child rows pointing at other rows of the template (met_by_event) cannot follow: drop the link."""
    if model is Obligation:
        for row in rows:
            row["met_by_event_id"] = None


def _set_times(projects: list[Project], created_at: list[datetime]) -> None:
    """Spread creation (and last change) over three years: auto_now_add wrote 'now' for all."""
    if connection.vendor != "postgresql":
        for project, when in zip(projects, created_at, strict=True):
            Project.objects.filter(pk=project.pk).update(created_at=when, updated_at=when)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_project AS p SET created_at = v.t, updated_at = v.t "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, t) WHERE p.id = v.id",
            [[p.pk for p in projects], created_at],
        )


ACTIONS = ("project.update", "project.material.upload", "project.submit", "project.review.opinion",
           "project.report.quarterly", "auth.login", "auth.logout", "project.approval.approve")


def _audit_rows(start_seq: int, prev_hash: str, count: int, rng: random.Random,
                project_ids: list[tuple[int, str]]) -> Iterator[dict[str, Any]]:
    key = crypto.audit_key()
    base = crypto.hmac_sm3_factory(key)
    moment = datetime.now(UTC) - timedelta(days=400)
    step = timedelta(seconds=max(1, 400 * 86400 // max(count, 1)))
    for seq in range(start_seq, start_seq + count):
        moment += step
        project_id, code = rng.choice(project_ids) if project_ids else (0, "")
        fields = {
            "seq": seq, "timestamp": moment, "actor_id": None, "actor_name": f"bench_user_{seq % 97}",
            "action": ACTIONS[seq % len(ACTIONS)], "object_type": "projects.project", "object_id": str(project_id),
            "object_repr": f"{MARK}项目 {project_id}", "outcome": "success",
            "source_ip": f"10.{seq % 200}.{(seq // 200) % 250}.{seq % 250 + 1}",
            "details": {"pack": "tongzhou-2023", "reason": "", "n": seq % 1000}, "prev_hash": prev_hash,
            # Tagged like audit_record tags an entry about a project (the audit administrator's scope).
            "jurisdiction_code": code or None,
        }
        mac = base.copy()
        mac.update(canonical_payload(**fields))
        entry_hash = mac.finalize().hex()
        yield {**fields, "entry_hash": entry_hash}
        prev_hash = entry_hash


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate_audit(target: int, *, seed: int = 1, log: Any = print) -> int:
    """Extend the audit chain to `target` entries, each hashed exactly as `audit_record` would."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        missing = target - head.last_seq
        if missing <= 0:
            return 0
        rng = random.Random(seed + head.last_seq)
        project_ids = list(Project.objects.order_by("?").values_list("pk", "jurisdiction__code")[:5000])
        last_seq, last_hash, written = head.last_seq, head.last_hash, 0
        for batch in _chunks(_audit_rows(head.last_seq + 1, head.last_hash, missing, rng, project_ids), 20000):
            _insert_audit(batch)
            last_seq, last_hash = batch[-1]["seq"], batch[-1]["entry_hash"]
            written += len(batch)
            if written % 200000 < 20000:
                log(f"  audit entries {last_seq}/{target}")
        from govit.core.checkpoints import AUDIT_CHAIN, head_mac

        # The head is keyed (HMAC-SM3) and may only move forward (database trigger).
        AuditChainHead.objects.filter(pk=1).update(last_seq=last_seq, last_hash=last_hash,
                                                   mac=head_mac(AUDIT_CHAIN, last_seq, last_hash))
    return written


def _insert_audit(batch: list[dict[str, Any]]) -> None:
    if connection.vendor == "postgresql":
        insert_rows(AuditEntry, [{**row, "details": row["details"]} for row in batch])
    else:
        AuditEntry.objects.bulk_create([AuditEntry(**row) for row in batch], batch_size=500)


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def summary() -> dict[str, Any]:
    return {"projects": Project.objects.count(), "bench_projects": Project.objects.filter(
        name__startswith=MARK).count(), "audit_entries": AuditChainHead.objects.filter(pk=1).values_list(
        "last_seq", flat=True).first() or 0, "events": ProjectEvent.objects.count(),
        "obligations": Obligation.objects.count()}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
