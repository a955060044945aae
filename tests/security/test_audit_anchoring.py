"""Attacks on the audit log and role ledger by someone who can write the database but holds no key.

等保 2.0 8.1.4.3 c) 应对审计记录进行保护，定期备份，避免受到未预期的删除、修改或覆盖;
GB/T 39786-2021 8.4 重要数据存储完整性 / 访问控制信息完整性. Each test performs the attack with raw
SQL (dropping the database guards first, as a database owner could) and sees verification fail in
Chinese, naming the first missing seq.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from govit.core import checkpoints, dbguard
from govit.core.audit import verify_chain
from govit.core.models import AuditChainHead, AuditEntry, RoleAssignment, RoleLedgerEntry, RoleLedgerHead
from govit.core.role_ledger import verify_ledger
from govit.core.services import audit_record, role_revoke

pytestmark = pytest.mark.usefixtures("demo_data")


def _sql(statement: str, params: list | None = None) -> None:
    """As a database owner: lift the guards (inside the test transaction) and run the statement."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            dbguard.remove(connection)
        cursor.execute(statement, params or [])


def _entries(n: int) -> list[AuditEntry]:
    return [audit_record(actor=None, actor_name="tester", action="test.write", details={"n": i}) for i in range(n)]


def _checkpoint() -> checkpoints.Checkpoint:
    checkpoint, failed = checkpoints.write(force=True)
    assert not failed
    return checkpoint


def _cut_tail_and_rewind_head(keep_seq: int) -> None:
    """Delete every entry after `keep_seq` and set the head back to it (with the old head's MAC field)."""
    kept = AuditEntry.objects.get(seq=keep_seq)
    _sql("DELETE FROM core_auditentry WHERE seq > %s", [keep_seq])
    _sql("UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1", [keep_seq, kept.entry_hash])


def test_checkpoints_are_signed_lines_in_a_file_outside_the_data_directory(settings: Any) -> None:
    from django.conf import settings as real

    from govit.settings import base as base_settings

    default = Path(base_settings.GOVIT_AUDIT_CHECKPOINT_FILE).resolve()
    assert Path(real.VAR_DIR).resolve() not in default.parents
    _entries(2)
    checkpoint = _checkpoint()
    path = Path(settings.GOVIT_AUDIT_CHECKPOINT_FILE)
    line = path.read_text().strip().splitlines()[-1]
    data = json.loads(line)
    assert data["audit"]["seq"] == AuditChainHead.objects.get(pk=1).last_seq == checkpoint.audit_seq
    assert len(data["mac"]) == 64 and checkpoints.parse_line(line).valid
    # A forged line (no key) is not a checkpoint.
    data["audit"]["seq"] = 1
    forged = checkpoints.parse_line(json.dumps(data))
    assert forged is not None and not forged.valid
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_every_committed_write_batch_leaves_a_checkpoint() -> None:
    with transaction.atomic():
        _entries(3)
        pending = [func for _, func, _ in connection.run_on_commit if func is checkpoints._after_commit]
    assert len(pending) == 1  # one checkpoint per batch, not per entry
    pending[0]()  # what the commit runs (the test transaction never commits)
    latest = checkpoints.latest().audit
    assert latest is not None and latest.audit_seq == AuditChainHead.objects.get(pk=1).last_seq


def test_tail_cut_with_rewound_head_is_reported_with_the_first_missing_seq() -> None:
    entries = _entries(5)
    _checkpoint()
    keep = entries[1].seq
    _cut_tail_and_rewind_head(keep)
    report = verify_chain()
    assert not report.ok
    assert report.problem.seq == keep + 1
    assert f"第一条缺失的是 seq={keep + 1}" in report.problem.reason and "检查点" in report.problem.reason
    with pytest.raises(CommandError, match=f"seq={keep + 1}"):
        call_command("audit", "verify")


def test_head_rewind_is_caught_by_the_keyed_head_even_before_any_checkpoint() -> None:
    entries = _entries(4)
    _cut_tail_and_rewind_head(entries[0].seq)
    report = verify_chain()
    assert not report.ok and "链头签名不符" in report.problem.reason


def test_a_full_wipe_is_reported() -> None:
    _entries(3)
    checkpoint = _checkpoint()
    _sql("DELETE FROM core_auditentry")
    _sql("UPDATE core_auditchainhead SET last_seq = 0, last_hash = '', mac = '' WHERE id = 1")
    report = verify_chain()
    assert not report.ok and report.problem.seq == 1
    assert f"已到 seq={checkpoint.audit_seq}" in report.problem.reason


def test_wipe_of_the_head_row_too_is_reported() -> None:
    _entries(2)
    _checkpoint()
    _sql("DELETE FROM core_auditentry")
    _sql("DELETE FROM core_auditchainhead")
    report = verify_chain()
    assert not report.ok and report.problem.seq == 1


def test_a_rewritten_chain_does_not_match_the_checkpoint() -> None:
    entries = _entries(3)
    checkpoint = _checkpoint()
    _sql("UPDATE core_auditentry SET entry_hash = %s WHERE seq = %s", ["0" * 64, checkpoint.audit_seq])
    report = verify_chain()
    assert not report.ok and entries  # whichever check sees it first, it is reported


def test_checkpoint_exported_from_a_log_server_is_used(tmp_path: Path, settings: Any) -> None:
    _entries(3)
    exported = tmp_path / "from-log-server.log"
    settings.GOVIT_AUDIT_CHECKPOINT_SINKS = [exported.as_uri()]
    checkpoint = _checkpoint()
    settings.GOVIT_AUDIT_CHECKPOINT_SINKS = ["file:///nonexistent/govit-test/none.log"]
    _cut_tail_and_rewind_head(checkpoint.audit_seq - 1)
    assert verify_chain().ok is False  # head MAC
    with pytest.raises(CommandError, match=f"seq={checkpoint.audit_seq}"):
        call_command("audit", "verify", "--checkpoint", str(exported))


def test_erased_revocation_is_reported_by_roles_verify() -> None:
    assignment = RoleAssignment.objects.select_related("user", "jurisdiction").get(user__username="tz_expert")
    saved = (assignment.pk, assignment.user_id, assignment.role, assignment.jurisdiction_id, assignment.unit_id)
    role_revoke(assignment=assignment, actor=None, actor_name="命令行")
    checkpoint = _checkpoint()
    # The attacker erases the revocation from the ledger, rewinds the head, and restores the assignment.
    last = RoleLedgerEntry.objects.order_by("-seq").first()
    previous = RoleLedgerEntry.objects.get(seq=last.seq - 1)
    _sql("DELETE FROM core_roleledgerentry WHERE id = %s", [last.pk])
    head = RoleLedgerHead.objects.get(pk=1)
    _sql("UPDATE core_roleledgerhead SET last_seq = %s, last_hash = %s WHERE id = %s",
         [previous.seq, previous.entry_hash, head.pk])
    _sql("INSERT INTO core_roleassignment (id, user_id, role, jurisdiction_id, unit_id) VALUES (%s, %s, %s, %s, %s)",
         list(saved))
    report = verify_ledger()
    assert not report.ok
    assert any(f"第一条缺失的是 seq={checkpoint.roles_seq}" in p for p in report.problems)
    with pytest.raises(CommandError, match="台账链尾缺失"):
        call_command("roles", "verify")


@pytest.mark.parametrize("statement", [
    "UPDATE core_auditentry SET action = 'x'",
    "DELETE FROM core_auditentry",
    "UPDATE core_roleledgerentry SET role = 'audit_admin'",
    "DELETE FROM core_roleledgerentry",
    "DELETE FROM core_auditchainhead",
    "UPDATE core_auditchainhead SET last_seq = 0",
    "DELETE FROM core_roleledgerhead",
    "UPDATE core_roleledgerhead SET last_seq = 0",
])
def test_the_database_itself_refuses_changes(statement: str) -> None:
    _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_the_database_refuses_truncate() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE FROM is refused above)")
    _entries(1)
    for table in dbguard.GUARDED_TABLES:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")


def test_the_head_still_moves_forward() -> None:
    before = AuditChainHead.objects.get(pk=1).last_seq
    _entries(2)
    assert AuditChainHead.objects.get(pk=1).last_seq == before + 2
    assert verify_chain().ok


def test_flush_is_refused_where_not_allowed(settings: Any) -> None:
    settings.GOVIT_ALLOW_FLUSH = False
    _entries(1)
    with pytest.raises(CommandError, match="只能追加"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.exists()


def test_audit_checkpoint_command(capsys: Any) -> None:
    _entries(1)
    call_command("audit", "checkpoint", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["audit"]["seq"] == AuditChainHead.objects.get(pk=1).last_seq
    _cut_tail_and_rewind_head(out["audit"]["seq"] - 1)
    with pytest.raises(CommandError, match="未写入检查点"):
        call_command("audit", "checkpoint")
