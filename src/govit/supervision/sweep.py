"""The nightly sweep (`govit sweep`): only what changed, in chunks, each committed on its own.

Phases, each resumable (a crash midway continues where it stopped when the sweep runs again for the
same day; every step is idempotent):

1. units — computed restrictions (未验收、验收不合格) opened or lifted, one short transaction per unit;
   a unit whose restrictions moved has its projects' stored status marked stale.
2. orders — overdue rectification orders take their next step, one transaction per order.
3. projects — the projects that need it, in chunks of `GOVIT_SWEEP_CHUNK` (Celery tasks on Redis when a
   worker is configured, in-process otherwise): a project is re-evaluated when its facts, its unit's
   facts or its pack changed, or a date it depends on came (`status_valid_until`); a project none of
   that touched is looked at only when one of its duties falls due in the reminder window.
   Each chunk computes (pack evaluations, reads) outside any transaction, then writes its
   obligations, reminders, ratings, stored status and its audit entry in one short transaction.
4. deliver — one digest per user of the reminders this run logged, marked sent user by user.

The audit chain head is locked only by the audit entry at the end of each short transaction, so
foreground requests wait at most one chunk's write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from govit import policy
from govit.core.models import Unit, User
from govit.core.services import audit_record
from govit.notifications.channels import Digest, deliver
from govit.projects.models import Project
from govit.projects.selectors import unit_facts
from govit.projects.status import compute_status, pack_key_prefix
from govit.supervision import obligations as ob
from govit.supervision import services as sv
from govit.supervision.models import (
    OPEN_OBLIGATION_STATUSES,
    OPEN_RECTIFICATION_STATUSES,
    DutyHistory,
    Obligation,
    ObligationStatus,
    RectificationOrder,
    Reminder,
    ReminderKind,
    SweepChunk,
    SweepRun,
)

logger = logging.getLogger(__name__)
ACTOR = "govit sweep"
PHASES = ("units", "orders", "projects", "deliver", "done")
COUNT_NAMES = ("projects", "evaluated", "incremental", "obligations", "reminders", "ratings", "escalations",
               "sanctions_opened", "sanctions_lifted")


def chunk_size_default() -> int:
    return int(getattr(settings, "GOVIT_SWEEP_CHUNK", 50))


# --- selecting what changed --------------------------------------------------------------------


def _needs_evaluation_q(as_of: date) -> Q:
    """Projects whose stored answer may be wrong at `as_of`: never computed, a date it depends on has
    come, computed for a later day, or computed under another version of its pack."""
    changed = (Q(status_valid_until__isnull=True) | Q(status_valid_until__lte=as_of) | Q(status_as_of__isnull=True)
               | Q(status_as_of__gt=as_of))
    for pack_id in policy.pack_ids():
        changed |= Q(pack_id=pack_id) & ~Q(status_key__startswith=pack_key_prefix(pack_id))
    return changed


def _window_obligations(as_of: date) -> QuerySet[Obligation]:
    """Open duties whose status or reminder may move today: due (or ending) within the reminder
    window or already past, except overdue ones already reminded as overdue."""
    horizon = as_of + timedelta(days=sv.lead_days())
    reminded_overdue = Reminder.objects.filter(obligation=OuterRef("pk"), kind=ReminderKind.OVERDUE)
    near = (Q(due__lte=horizon) | Q(due__isnull=True, window_until__lte=horizon)
            | Q(status=ObligationStatus.UPCOMING, window_from__lte=as_of))
    return (Obligation.objects.filter(near, status__in=OPEN_OBLIGATION_STATUSES)
            .exclude(Q(status=ObligationStatus.OVERDUE) & Exists(reminded_overdue)))


def projects_to_sweep(scope: QuerySet[Project], as_of: date, *, full: bool) -> QuerySet[Project]:
    if full:
        return scope
    window = _window_obligations(as_of).values("project_id")
    return scope.filter(_needs_evaluation_q(as_of) | Q(pk__in=window))


def _needs_evaluation(project: Project, as_of: date, full: bool) -> bool:
    if full or project.status_valid_until is None or project.status_as_of is None:
        return True
    if project.status_valid_until <= as_of or project.status_as_of > as_of:
        return True
    return not project.status_key.startswith(pack_key_prefix(project.pack_id))


# --- the run -----------------------------------------------------------------------------------


def _open_run(as_of: date, *, full: bool, scoped: bool) -> SweepRun:
    """Resume the unfinished run of the same day (a crash midway), or start one."""
    if not scoped:
        for run in SweepRun.objects.filter(as_of=as_of, finished_at__isnull=True, full=full).order_by("-pk"):
            if not run.counts.get("scoped") and run.phase in PHASES[:-1]:
                logger.info("Resuming sweep %s at phase %s", run.pk, run.phase)
                return run
    counts = {name: 0 for name in COUNT_NAMES}
    if scoped:
        counts["scoped"] = True
    return SweepRun.objects.create(as_of=as_of, full=full, phase="units", counts=counts)


def _add_counts(run: SweepRun, counts: dict[str, int], *, phase: str | None = None) -> None:
    """Add to the run's totals (row lock: chunks of one run may finish at the same time)."""
    with transaction.atomic():
        locked = SweepRun.objects.select_for_update().get(pk=run.pk)
        for name, value in counts.items():
            locked.counts[name] = locked.counts.get(name, 0) + value
        fields = ["counts"]
        if phase is not None:
            locked.phase = phase
            fields.append("phase")
        locked.save(update_fields=fields)
    run.counts, run.phase = locked.counts, locked.phase


def sweep(*, as_of: date | None = None, projects: QuerySet[Project] | None = None, full: bool = False,
          chunk_size: int | None = None) -> SweepRun:
    """Run (or resume) the sweep for `as_of`. `projects` limits it to those (and then sweeps them in
    full, as asked); `full` re-evaluates every project. Running it twice changes nothing and sends
    nothing the second time."""
    as_of = as_of or timezone.localdate()
    scoped = projects is not None
    full = full or scoped
    scope = (projects if scoped else Project.objects.all()).order_by()
    run = _open_run(as_of, full=full, scoped=scoped)
    if run.phase == "units":
        _units_phase(run, scope)
    if run.phase == "orders":
        _orders_phase(run, scope)
    if run.phase == "projects":
        _projects_phase(run, scope, chunk_size or chunk_size_default())
    if run.phase == "deliver":
        _deliver_phase(run)
    run.refresh_from_db()
    return run


def _units_phase(run: SweepRun, scope: QuerySet[Project]) -> None:
    opened = lifted = 0
    for unit in Unit.objects.filter(pk__in=scope.values("unit_id")).select_related("jurisdiction").iterator():
        with transaction.atomic():
            o, lift = sv.sanctions_sync(unit=unit)
        opened, lifted = opened + o, lifted + lift
    _add_counts(run, {"sanctions_opened": opened, "sanctions_lifted": lifted}, phase="orders")


def _orders_phase(run: SweepRun, scope: QuerySet[Project]) -> None:
    escalations = 0
    overdue = RectificationOrder.objects.filter(project__in=scope.values("pk"), deadline__lt=run.as_of,
                                                status__in=OPEN_RECTIFICATION_STATUSES)
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            order = RectificationOrder.objects.select_for_update().select_related("project").get(pk=pk)
            if order.deadline >= run.as_of or order.status not in OPEN_RECTIFICATION_STATUSES:
                continue  # a resumed run: this one already moved
            before = order.level
            sv.rectification_escalate(order=order, as_of=run.as_of)
            escalations += order.level - before
    _add_counts(run, {"escalations": escalations}, phase="projects")


def _chunk_ids(qs: QuerySet[Project], size: int) -> Iterator[list[int]]:
    """Primary keys in ascending order, `size` at a time, by keyset (memory stays flat)."""
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _projects_phase(run: SweepRun, scope: QuerySet[Project], size: int) -> None:
    if not run.chunks.exists():
        number = 0
        batch: list[SweepChunk] = []
        for ids in _chunk_ids(projects_to_sweep(scope, run.as_of, full=run.full), size):
            batch.append(SweepChunk(run=run, number=number, project_ids=ids))
            number += 1
            if len(batch) >= 200:
                SweepChunk.objects.bulk_create(batch)
                batch = []
        if batch:
            SweepChunk.objects.bulk_create(batch)
        if number == 0:
            SweepChunk.objects.create(run=run, number=0, project_ids=[], done_at=timezone.now())
    pending = list(run.chunks.filter(done_at__isnull=True).values_list("number", flat=True))
    if pending and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        _fan_out(run, pending)
        pending = list(run.chunks.filter(done_at__isnull=True).values_list("number", flat=True))
    for number in pending:  # eager (embedded default), or what the workers left undone
        sweep_chunk(run.pk, number)
    _add_counts(run, {}, phase="deliver")


def _fan_out(run: SweepRun, numbers: list[int]) -> None:
    """Send the chunks to the Celery workers and wait for them through the database (no result
    backend needed, and safe inside a task); stalled chunks are then run here."""
    from celery import group

    from govit.supervision.tasks import sweep_chunk_task

    group(sweep_chunk_task.s(run.pk, n) for n in numbers).apply_async()
    stall = float(getattr(settings, "GOVIT_SWEEP_STALL_SECONDS", 300))
    remaining, last_progress = len(numbers), time.monotonic()
    while remaining:
        time.sleep(0.2)
        now_remaining = run.chunks.filter(done_at__isnull=True).count()
        if now_remaining < remaining:
            remaining, last_progress = now_remaining, time.monotonic()
        elif time.monotonic() - last_progress > stall:
            logger.warning("Sweep %s: %s chunks stalled on the workers; running them here", run.pk, remaining)
            return


# --- one chunk ---------------------------------------------------------------------------------


def sweep_chunk(run_id: int, number: int) -> dict[str, int]:
    """Sweep one chunk: compute outside a transaction, then write it all in one short transaction."""
    run = SweepRun.objects.get(pk=run_id)
    chunk = SweepChunk.objects.get(run=run, number=number)
    if chunk.done_at is not None:
        return chunk.counts
    as_of = run.as_of
    projects = list(Project.objects.filter(pk__in=chunk.project_ids).select_related("unit__jurisdiction",
                                                                                   "jurisdiction").order_by("pk"))
    facts_by_unit: dict[int, dict[str, Any]] = {}
    histories = {h.project_id: h for h in DutyHistory.objects.filter(project_id__in=chunk.project_ids)}
    plans = {}
    for project in projects:
        if project.unit_id not in facts_by_unit:
            facts_by_unit[project.unit_id] = unit_facts(project.unit)
        plans[project.pk] = _plan(project, as_of, run.full, facts_by_unit[project.unit_id],
                                  histories.get(project.pk))
    counts = {name: 0 for name in COUNT_NAMES if name not in ("escalations", "sanctions_opened",
                                                              "sanctions_lifted")}
    with transaction.atomic():
        chunk = SweepChunk.objects.select_for_update().get(pk=chunk.pk)
        if chunk.done_at is not None:
            return chunk.counts  # another worker finished it meanwhile
        stamps = dict(Project.objects.filter(pk__in=chunk.project_ids).values_list("pk", "updated_at"))
        derived: list[DutyHistory] = []
        for project in projects:
            plan = plans[project.pk]
            if stamps.get(project.pk) != project.updated_at:
                # Changed by a request since it was read: read and compute again, under the write.
                project = Project.objects.select_related("unit__jurisdiction", "jurisdiction").get(pk=project.pk)
                plan = _plan(project, as_of, True, unit_facts(project.unit), None)
            _apply(run, project, plan, as_of, counts)
            if plan["evaluate"]:
                derived.append(DutyHistory(project_id=project.pk, key=plan["history_key"], as_of=as_of))
        DutyHistory.objects.bulk_create(derived, update_conflicts=True, unique_fields=["project"],
                                        update_fields=["key", "as_of"])
        chunk.done_at = timezone.now()
        chunk.counts = counts
        chunk.save(update_fields=["done_at", "counts"])
        # Last statement of the transaction: the chain head is held from here to the commit only.
        audit_record(actor=None, actor_name=ACTOR, action="supervision.sweep_chunk", obj=run,
                     details={"as_of": as_of.isoformat(), "chunk": number, **counts})
    _add_counts(run, counts)
    return counts


def _derived_since(project: Project, as_of: date, full: bool, facts: dict[str, Any],
                   history: DutyHistory | None) -> date | None:
    """The day up to which the project's duties already stand (same history, `ob.history_key`), or
    None when they must be derived from the start (a full sweep, a first one, a changed past)."""
    if full or history is None or history.as_of > as_of:
        return None
    return history.as_of if history.key == ob.history_key(project, facts, history.as_of) else None


def _plan(project: Project, as_of: date, full: bool, facts: dict[str, Any],
          history: DutyHistory | None) -> dict[str, Any]:
    """What the chunk will write for `project`, computed from reads only."""
    if not _needs_evaluation(project, as_of, full):
        return {"evaluate": False}
    from govit.projects.evaluations import cached_evaluate
    from govit.projects.selectors import project_policy_input

    data = project_policy_input(project, unit_fact_values=facts)
    since = _derived_since(project, as_of, full, facts, history)
    return {"evaluate": True, "facts": facts, "since": since, "data": data,
            "found": sv.obligation_candidates(project, as_of, facts, since=since),
            "history_key": ob.history_key(project, facts, as_of),
            "result": cached_evaluate(data, project.pack_id, as_of)}


def _apply(run: SweepRun, project: Project, plan: dict[str, Any], as_of: date, counts: dict[str, int]) -> None:
    counts["projects"] += 1
    if plan["evaluate"]:
        counts["evaluated"] += 1
        counts["incremental"] += int(plan["since"] is not None)
        obligations = sv.obligations_refresh(project=project, as_of=as_of, found=plan["found"],
                                             partial=plan["since"] is not None)
    else:
        obligations = [sv.obligation_advance(o, as_of) for o in _window_obligations(as_of).filter(
            project=project).select_related("project")]
    for obligation in obligations:
        counts["obligations"] += 1
        kind = sv.reminder_kind(obligation, as_of)
        if kind is None:
            continue
        for user in sv._responsible(obligation, kind):
            _, created = Reminder.objects.get_or_create(user=user, obligation=obligation, kind=kind,
                                                        defaults={"sweep": run})
            counts["reminders"] += int(created)
    rating = sv.rating_refresh(project=project, as_of=as_of)
    counts["ratings"] += int(rating is not None)
    turn = getattr(rating, "next_change", None)
    if plan["evaluate"]:
        fields = compute_status(project, as_of=as_of, unit_fact_values=plan["facts"], result=plan["result"],
                                data=plan["data"])
        if turn is not None:
            fields["status_valid_until"] = min(fields["status_valid_until"], turn)
        Project.objects.filter(pk=project.pk).update(**fields)
    else:
        overdue = Obligation.objects.filter(project=project, status=ObligationStatus.OVERDUE).count()
        update: dict[str, Any] = {"overdue_count": overdue}
        if turn is not None and (project.status_valid_until is None or turn < project.status_valid_until):
            update["status_valid_until"] = turn
        Project.objects.filter(pk=project.pk).update(**update)


# --- digests -----------------------------------------------------------------------------------


def _deliver_phase(run: SweepRun) -> None:
    """One digest per user of this run's new reminders; each user's are marked sent with it."""
    sent = {"inbox": 0, "email": 0, "webhook": 0}
    waiting = Reminder.objects.filter(sweep=run, digest_sent_at__isnull=True)
    for user_id in list(waiting.order_by("user_id").values_list("user_id", flat=True).distinct()):
        items = list(waiting.filter(user_id=user_id).select_related("obligation__project").order_by("pk"))
        user = User.objects.get(pk=user_id)
        digest = Digest(
            user=user, subject=f"督办提醒（{len(items)} 项）",
            lines=[sv.obligation_line(r.obligation, r.kind) for r in items],
            payload={"as_of": run.as_of.isoformat(),
                     "obligations": [{"project": r.obligation.project_id, "code": r.obligation.code,
                                      "period": r.obligation.period, "deadline": r.obligation.deadline.isoformat(),
                                      "kind": r.kind, "citation": r.obligation.citation} for r in items]})
        for channel, n in deliver([digest]).items():
            sent[channel] = sent.get(channel, 0) + n
        Reminder.objects.filter(pk__in=[r.pk for r in items]).update(digest_sent_at=timezone.now())
    with transaction.atomic():
        run = SweepRun.objects.select_for_update().get(pk=run.pk)
        run.counts = {**run.counts, "delivered": sent, "chunks": run.chunks.count()}
        run.phase = "done"
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "phase", "finished_at"])
        audit_record(actor=None, actor_name=ACTOR, action="supervision.sweep", obj=run,
                     details={"as_of": run.as_of.isoformat(), **{k: v for k, v in run.counts.items()
                                                                 if k in COUNT_NAMES}})

