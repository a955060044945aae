"""The role-assignment ledger: an HMAC-SM3 chain over every grant and revocation.

`append` is called by the role services inside their transaction. `verify_ledger` walks the chain
(like the audit chain: seq, prev_hash, HMAC, head) and then replays it into the set of assignments
that should exist and compares that with the `RoleAssignment` table, so an assignment inserted,
edited or deleted directly in the database is reported.

The HMAC key is derived (HKDF-SM3) from the audit key, so it never lives in the database either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from govit.core import checkpoints, crypto
from govit.core.models import RoleAssignment, RoleLedgerAction, RoleLedgerEntry, RoleLedgerHead

HASHED_FIELDS = (
    "seq",
    "timestamp",
    "action",
    "assignment_id",
    "user_id_value",
    "role",
    "jurisdiction_id_value",
    "unit_id_value",
    "actor_name",
    "prev_hash",
)


def ledger_key() -> bytes:
    return crypto.hkdf_sm3(crypto.audit_key(), info=b"govit/role-ledger-key/v1", length=32)


def _payload(fields: dict) -> bytes:
    document = {name: fields[name] for name in HASHED_FIELDS}
    document["timestamp"] = fields["timestamp"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash_of(entry: RoleLedgerEntry, *, key: bytes | None = None) -> str:
    fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
    return crypto.hmac_sm3(key or ledger_key(), _payload(fields))


def append(*, action: str, assignment: RoleAssignment, actor_name: str) -> RoleLedgerEntry:
    """Append one ledger entry for `assignment` (call inside the service's transaction)."""
    with transaction.atomic():
        head = RoleLedgerHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            RoleLedgerHead.objects.get_or_create(pk=1)
            head = RoleLedgerHead.objects.select_for_update().get(pk=1)
        fields = {
            "seq": head.last_seq + 1,
            "timestamp": timezone.now(),
            "action": action,
            "assignment_id": assignment.pk,
            "user_id_value": assignment.user_id,
            "role": assignment.role,
            "jurisdiction_id_value": assignment.jurisdiction_id,
            "unit_id_value": assignment.unit_id,
            "actor_name": actor_name[:150],
            "prev_hash": head.last_hash,
        }
        entry_hash = crypto.hmac_sm3(ledger_key(), _payload(fields))
        entry = RoleLedgerEntry.objects.create(**fields, entry_hash=entry_hash)
        RoleLedgerHead.objects.filter(pk=1).update(
            last_seq=entry.seq, last_hash=entry_hash,
            mac=checkpoints.head_mac(checkpoints.ROLES_CHAIN, entry.seq, entry_hash))
        checkpoints.schedule()
    return entry


def state_of(assignment: RoleAssignment) -> tuple[int, str, int, int | None]:
    return (assignment.user_id, assignment.role, assignment.jurisdiction_id, assignment.unit_id)


def ledger_state(assignment_id: int) -> tuple[int, str, int, int | None] | None:
    """What the ledger says about one assignment now (None: never granted or revoked)."""
    last = RoleLedgerEntry.objects.filter(assignment_id=assignment_id).order_by("-seq").first()
    if last is None or last.action == RoleLedgerAction.REVOKE:
        return None
    return (last.user_id_value, last.role, last.jurisdiction_id_value, last.unit_id_value)


@dataclass(frozen=True)
class LedgerReport:
    checked: int
    assignments: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger(*, checkpoint_files: tuple[str, ...] = (), use_checkpoints: bool = True) -> LedgerReport:
    """Check the chain, its keyed head and the newest external checkpoint, then compare the
    replayed ledger with the RoleAssignment table."""
    anchor = checkpoints.latest(checkpoint_files).roles if use_checkpoints else None
    key = ledger_key()
    expected_seq, prev_hash, checked = 1, "", 0
    expected: dict[int, tuple[int, str, int, int | None]] = {}
    problems: list[str] = []
    for entry in RoleLedgerEntry.objects.order_by("seq", "id").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            problems.append(f"台账 seq={entry.seq}：序号不连续，期望 seq={expected_seq}（台账条目被删除或插入）")
            break
        if entry.prev_hash != prev_hash:
            problems.append(f"台账 seq={entry.seq}：前一条哈希不符（台账条目被删除、替换或移动）")
            break
        if entry_hash_of(entry, key=key) != entry.entry_hash:
            problems.append(f"台账 seq={entry.seq}：内容与哈希不符（台账条目被篡改）")
            break
        if entry.action == RoleLedgerAction.GRANT:
            expected[entry.assignment_id] = (
                entry.user_id_value,
                entry.role,
                entry.jurisdiction_id_value,
                entry.unit_id_value,
            )
        else:
            expected.pop(entry.assignment_id, None)
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    if problems:
        return LedgerReport(checked, RoleAssignment.objects.count(), problems)

    head = RoleLedgerHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if (head.last_seq if head else 0) != last_seq or (head.last_hash if head else "") != prev_hash:
        problems.append(
            f"台账链头与链尾不一致：链头 seq={head.last_seq if head else 0}，实际最后一条 seq={last_seq}"
            f"（最新台账条目被删除），第一条缺失的是 seq={last_seq + 1}"
        )
    if anchor is not None and anchor.roles_seq > last_seq:
        problems.append(
            f"台账链尾缺失：外部检查点（{anchor.time}）记录台账已到 seq={anchor.roles_seq}，数据库中只到 "
            f"seq={last_seq}，第一条缺失的是 seq={last_seq + 1}（最新台账条目被删除、链头被回退或台账被清空）"
        )
    elif anchor is not None and anchor.roles_seq > 0:
        stored = RoleLedgerEntry.objects.filter(seq=anchor.roles_seq).values_list("entry_hash", flat=True).first()
        if stored != anchor.roles_hash:
            problems.append(f"台账 seq={anchor.roles_seq} 与外部检查点（{anchor.time}）不符（台账被整体重写）")
    head_issue = checkpoints.head_problem(checkpoints.ROLES_CHAIN, head)
    if head_issue and not (head is None and last_seq == 0 and anchor is None):
        problems.append(head_issue)

    actual = {a.pk: (a, state_of(a)) for a in RoleAssignment.objects.select_related("user")}
    for pk, (assignment, state) in sorted(actual.items()):
        if pk not in expected:
            problems.append(
                f"角色授权 id={pk}（用户 {assignment.user.get_username()}，角色 {assignment.role}）不在台账中："
                "未经授权服务直接写入数据库"
            )
        elif expected[pk] != state:
            problems.append(
                f"角色授权 id={pk}（用户 {assignment.user.get_username()}）与台账不符：记录被直接修改"
                f"（台账：{expected[pk]}，数据库：{state}）"
            )
    for pk in sorted(set(expected) - set(actual)):
        user_id, role, jurisdiction_id, _ = expected[pk]
        problems.append(
            f"角色授权 id={pk}（用户标识 {user_id}，角色 {role}，行政区域标识 {jurisdiction_id}）在台账中有效，"
            "但已从数据库中删除"
        )
    return LedgerReport(checked, len(actual), problems)
