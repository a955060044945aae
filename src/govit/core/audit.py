"""The audit hash chain: canonical form of an entry, its HMAC-SM3, and chain verification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
) -> bytes:
    """The exact bytes the entry hash covers: sorted-key compact JSON, UTC microsecond timestamp."""
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


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole chain in seq order and report the first inconsistency, if any."""
    key = crypto.audit_key()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("seq", "id").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                reason = f"序号不连续：缺少 seq={expected_seq}（之前的条目被删除或序号被改动）"
            else:
                reason = f"序号重复或倒序：期望 seq={expected_seq}（条目被插入或序号被改动）"
            return ChainReport(checked, expected_seq - 1, ChainProblem(entry.seq, entry.pk, reason))
        if entry.prev_hash != prev_hash:
            reason = "前一条哈希不符（前一条目被删除、替换或本条被移动）"
            return ChainReport(checked, expected_seq - 1, ChainProblem(entry.seq, entry.pk, reason))
        if entry_hash_of(entry, key=key) != entry.entry_hash:
            reason = "内容与哈希不符（本条目已被篡改）"
            return ChainReport(checked, expected_seq - 1, ChainProblem(entry.seq, entry.pk, reason))
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_seq != last_seq or head_hash != prev_hash:
        if head_seq > last_seq:
            reason = f"链尾缺失：链头记录最后一条为 seq={head_seq}，实际只到 seq={last_seq}（最新条目被删除）"
            return ChainReport(checked, last_seq, ChainProblem(last_seq + 1, None, reason))
        reason = f"链头与链尾不一致：链头 seq={head_seq}，实际最后一条 seq={last_seq}"
        last = AuditEntry.objects.filter(seq=last_seq).first()
        return ChainReport(checked, last_seq, ChainProblem(last_seq, last.pk if last else None, reason))
    return ChainReport(checked, last_seq, None)
