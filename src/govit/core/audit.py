"""The audit hash chain: canonical form of an entry, its HMAC-SM3, and chain verification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from govit.core import crypto
from govit.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = ""


def canonical_payload(
    *,
    seq: int,
    timestamp: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    outcome: str,
    source_ip: str | None,
    details: Any,
    prev_hash: str,
    jurisdiction_code: str = "",
) -> bytes:
    """The exact bytes the entry hash covers: sorted-key compact JSON, UTC microsecond timestamp.

    `jurisdiction_code` is covered only when set, so entries written before it existed keep their hash."""
    document = {
        "seq": seq,
        "timestamp": timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "outcome": outcome,
        "source_ip": source_ip,
        "details": details,
        "prev_hash": prev_hash,
    }
    if jurisdiction_code:
        document["jurisdiction_code"] = jurisdiction_code
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


HASHED_FIELDS = (
    "seq",
    "timestamp",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "source_ip",
    "details",
    "prev_hash",
    "jurisdiction_code",
)


def entry_hash_of(entry: AuditEntry, *, key: bytes | None = None) -> str:
    """Recompute the HMAC-SM3 of a stored entry."""
    payload = canonical_payload(**{name: getattr(entry, name) for name in HASHED_FIELDS})
    return crypto.hmac_sm3(key or crypto.audit_key(), payload)


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the stored chain disagrees with what was written."""

    seq: int | None
    entry_id: int | None
    reason: str

    def describe(self) -> str:
        where = f"seq={self.seq} id={self.entry_id}" if self.entry_id is not None else f"seq={self.seq}"
        return f"{where}：{self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_seq: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


_COLUMNS = ("id", "seq", "timestamp", "actor_id", "actor_name", "action", "object_type", "object_id",
            "object_repr", "outcome", "source_ip", "details", "prev_hash", "entry_hash", "jurisdiction_code")


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rows(connection: Any, *, after: int, until: int | None, batch_size: int) -> Any:
    """(id, seq, …, entry_hash) tuples in seq order, `batch_size` at a time from a server-side cursor
    (PostgreSQL) or a plain one (SQLite): no ORM objects, memory independent of the chain's length."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in _COLUMNS]
    if connection.vendor == "postgresql":
        # The database writes the timestamp in the hashed form (UTC, microseconds) and hands over the
        # JSON as text: no datetime or jsonb objects are built per row.
        quoted[2] = ("to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'")
        quoted[10] = "host(\"source_ip\")"
        quoted[11] = "\"details\"::text"
    columns = ", ".join(quoted)
    # Names come from the model, values are bound.
    sql = f"SELECT {columns} FROM {table} WHERE seq > %s"  # noqa: S608  # nosec B608
    params: list[Any] = [after]
    if until is not None:
        sql += " AND seq <= %s"
        params.append(until)
    sql += " ORDER BY seq, id"
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(batch_size)
            if not batch:
                return
            yield from batch


def _segment(*, after: int, until: int | None, prev_hash: str, batch_size: int,
             connection: Any = None) -> tuple[int, int, str, ChainProblem | None]:
    """Verify entries after..until, chained from `prev_hash`. Returns (checked, last seq, last hash, problem)."""
    from django.db import connection as default_connection

    conn = connection or default_connection
    key = crypto.audit_key()
    base = crypto.hmac_sm3_factory(key)
    dumps, loads, sort_keys = orjson.dumps, orjson.loads, orjson.OPT_SORT_KEYS
    expected_seq = after + 1
    checked = 0
    for row in _rows(conn, after=after, until=until, batch_size=batch_size):
        pk, seq, timestamp, actor_id, actor_name, action, object_type, object_id, object_repr, outcome, \
            source_ip, details, stored_prev, stored_hash, jurisdiction_code = row
        if seq != expected_seq:
            if seq > expected_seq:
                reason = f"序号不连续：缺少 seq={expected_seq}（之前的条目被删除或序号被改动）"
            else:
                reason = f"序号重复或倒序：期望 seq={expected_seq}（条目被插入或序号被改动）"
            return checked, expected_seq - 1, prev_hash, ChainProblem(seq, pk, reason)
        if stored_prev != prev_hash:
            reason = "前一条哈希不符（前一条目被删除、替换或本条被移动）"
            return checked, expected_seq - 1, prev_hash, ChainProblem(seq, pk, reason)
        document = {
            "seq": seq,
            "timestamp": timestamp if isinstance(timestamp, str) and "T" in timestamp
            else _as_datetime(timestamp).astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id, "actor_name": actor_name, "action": action, "object_type": object_type,
            "object_id": object_id, "object_repr": object_repr, "outcome": outcome,
            "source_ip": str(source_ip) if source_ip is not None else None,
            "details": loads(details) if isinstance(details, str | bytes) else details,
            "prev_hash": stored_prev,
        }
        if jurisdiction_code:
            document["jurisdiction_code"] = jurisdiction_code
        mac = base.copy()
        mac.update(dumps(document, option=sort_keys))
        # The fast form agrees with canonical_payload for everything audit_record writes; where it
        # may not (a float's exponent, an unusual address form), the entry is hashed exactly as written.
        if mac.finalize().hex() != stored_hash and _exact_hash(pk, key) != stored_hash:
            reason = "内容与哈希不符（本条目已被篡改）"
            return checked, expected_seq - 1, prev_hash, ChainProblem(seq, pk, reason)
        prev_hash = stored_hash
        expected_seq += 1
        checked += 1
    return checked, expected_seq - 1, prev_hash, None


def _exact_hash(pk: int, key: bytes) -> str:
    entry = AuditEntry.objects.filter(pk=pk).first()
    return entry_hash_of(entry, key=key) if entry is not None else ""


def _anchor(since: int) -> tuple[str, ChainProblem | None]:
    """The stored hash of entry `since` (itself re-checked), where a partial verification starts."""
    if since <= 0:
        return GENESIS_HASH, None
    entry = AuditEntry.objects.filter(seq=since).first()
    if entry is None:
        return GENESIS_HASH, ChainProblem(since, None, f"检查点 seq={since} 的条目不存在（被删除，或检查点有误）")
    if entry_hash_of(entry) != entry.entry_hash:
        return GENESIS_HASH, ChainProblem(since, entry.pk, "检查点条目的内容与哈希不符（本条目已被篡改）")
    return entry.entry_hash, None


def _parallel(since: int, last: int, workers: int, batch_size: int,
              prev_hash: str) -> tuple[int, int, str, ChainProblem | None]:
    """Split (since, last] into `workers` ranges verified by as many processes (each with its own
    database connection). Each range starts from the stored hash before it; the range before it
    checks that entry, so the whole chain is covered exactly as in one pass."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from django.db import connections

    bounds = [since + (last - since) * k // workers for k in range(workers + 1)]
    starts = dict(AuditEntry.objects.filter(seq__in=bounds[1:-1]).values_list("seq", "entry_hash"))
    connections.close_all()  # children must not share the parent's socket
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = []
        for k in range(workers):
            start_hash = prev_hash if k == 0 else starts.get(bounds[k], "")
            futures.append(pool.submit(_segment_in_child, bounds[k], bounds[k + 1], start_hash, batch_size))
        results = [f.result() for f in futures]
    checked = 0
    for k, (seg_checked, seg_last, seg_hash, problem) in enumerate(results):
        checked += seg_checked
        if problem is None and seg_last != bounds[k + 1]:
            problem = ChainProblem(seg_last + 1, None,
                                   f"序号不连续：缺少 seq={seg_last + 1}（之前的条目被删除或序号被改动）")
        if problem is not None:
            return checked, seg_last, seg_hash, problem
    return checked, results[-1][1], results[-1][2], None


def _segment_in_child(after: int, until: int, prev_hash: str, batch_size: int) -> tuple[int, int, str, Any]:
    from django.db import connections

    try:
        return _segment(after=after, until=until, prev_hash=prev_hash, batch_size=batch_size)
    finally:
        connections.close_all()


def verify_chain(*, since: int = 0, batch_size: int = 5000, workers: int = 1,
                 checkpoint_files: tuple[str, ...] = (), use_checkpoints: bool = True) -> ChainReport:
    """Walk the chain in seq order (from entry `since`, a checkpoint, when given) and report the first
    inconsistency, if any. Streams raw rows and hashes them with OpenSSL's HMAC-SM3; `workers` > 1
    verifies ranges in parallel processes (PostgreSQL).

    Then the keyed head and the newest external checkpoint (govit.core.checkpoints) are checked, so a
    tail cut with a rewound head, or a wipe, is reported with the first missing seq."""
    from govit.core import checkpoints

    # Read the checkpoint before walking: every entry it covers was committed before it was written.
    anchor = checkpoints.latest(checkpoint_files).audit if use_checkpoints else None
    report = _verify_walk(since=since, batch_size=batch_size, workers=workers)
    if not report.ok:
        return report
    head = AuditChainHead.objects.filter(pk=1).first()
    if anchor is not None and anchor.audit_seq > report.last_seq:
        reason = (f"链尾缺失：外部检查点（{anchor.time}）记录审计日志已到 seq={anchor.audit_seq}，"
                  f"数据库中只到 seq={report.last_seq}，第一条缺失的是 seq={report.last_seq + 1}"
                  "（最新条目被删除、链头被回退或日志被清空）")
        return ChainReport(report.checked, report.last_seq, ChainProblem(report.last_seq + 1, None, reason))
    if anchor is not None and anchor.audit_seq > 0:
        stored = AuditEntry.objects.filter(seq=anchor.audit_seq).values_list("pk", "entry_hash").first()
        if stored is None or stored[1] != anchor.audit_hash:
            reason = (f"与外部检查点（{anchor.time}）不符：seq={anchor.audit_seq} 的哈希不是检查点记录的哈希"
                      "（该条及之前的日志被整体重写）")
            return ChainReport(report.checked, report.last_seq,
                               ChainProblem(anchor.audit_seq, stored[0] if stored else None, reason))
    problem = checkpoints.head_problem(checkpoints.AUDIT_CHAIN, head)
    if problem is not None and not (head is None and report.last_seq == 0 and anchor is None):
        return ChainReport(report.checked, report.last_seq,
                           ChainProblem(head.last_seq if head else report.last_seq + 1, None, problem))
    return report


def _verify_walk(*, since: int, batch_size: int, workers: int) -> ChainReport:
    prev_hash, problem = _anchor(since)
    if problem is not None:
        return ChainReport(0, since, problem)
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if workers > 1 and head_seq - since > workers * batch_size:
        checked, last_seq, prev_hash, problem = _parallel(since, head_seq, workers, batch_size, prev_hash)
        if problem is None:
            more, last_seq, prev_hash, problem = _segment(after=last_seq, until=None, prev_hash=prev_hash,
                                                          batch_size=batch_size)
            checked += more
    else:
        checked, last_seq, prev_hash, problem = _segment(after=since, until=None, prev_hash=prev_hash,
                                                         batch_size=batch_size)
    if problem is None:
        # Entries appended while the walk ran: the head may have moved on; check those too.
        head = AuditChainHead.objects.filter(pk=1).first()
        head_seq = head.last_seq if head else 0
        head_hash = head.last_hash if head else GENESIS_HASH
        if head_seq > last_seq:
            more, last_seq, prev_hash, problem = _segment(after=last_seq, until=None, prev_hash=prev_hash,
                                                          batch_size=batch_size)
            checked += more
    if problem is not None:
        return ChainReport(checked, last_seq, problem)
    if head_seq != last_seq or head_hash != prev_hash:
        if head_seq > last_seq:
            reason = f"链尾缺失：链头记录最后一条为 seq={head_seq}，实际只到 seq={last_seq}（最新条目被删除）"
            return ChainReport(checked, last_seq, ChainProblem(last_seq + 1, None, reason))
        reason = f"链头与链尾不一致：链头 seq={head_seq}，实际最后一条 seq={last_seq}"
        last = AuditEntry.objects.filter(seq=last_seq).first()
        return ChainReport(checked, last_seq, ChainProblem(last_seq, last.pk if last else None, reason))
    return ChainReport(checked, last_seq, None)
