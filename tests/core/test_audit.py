"""The audit log: audit_record, append-only guards, chain verification and `govit audit verify`."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from govit.core.audit import entry_hash_of, verify_chain
from govit.core.models import AuditChainHead, AuditEntry, AuditEntryImmutableError, Jurisdiction, User
from govit.core.services import audit_record

from .audit_tamper import sql_delete, sql_update

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    actor = User.objects.create(username="auditor_test")
    return [audit_record(actor=actor, action="test.write", details={"i": i}, source_ip="10.0.0.1") for i in range(n)]


def _verify_output() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    return str(excinfo.value)


def test_audit_record_fills_every_field_and_chains() -> None:
    jurisdiction = Jurisdiction.objects.create(code="999999", name="测试区", level="district")
    actor = User.objects.create(username="alice", full_name="张三")
    first = audit_record(actor=actor, action="jurisdiction.create", obj=jurisdiction, source_ip="::ffff:10.1.2.3")
    second = audit_record(actor=None, action="auth.login_failed", outcome="failure", actor_name="mallory")
    assert (first.seq + 1, first.entry_hash) == (second.seq, second.prev_hash)
    assert first.actor == actor and first.actor_name == "alice"
    assert (first.object_type, first.object_id, first.object_repr) == (
        "core.jurisdiction",
        str(jurisdiction.pk),
        "测试区",
    )
    assert len(first.entry_hash) == 64 and entry_hash_of(first) == first.entry_hash
    assert first.source_ip == "10.1.2.3"
    assert second.actor is None and second.actor_name == "mallory" and second.outcome == "failure"
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (second.seq, second.entry_hash)
    assert verify_chain().ok


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        audit_record(actor=None, action="x", outcome="maybe")


def test_audit_entry_rolls_back_with_the_callers_transaction() -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="doomed")
        raise RuntimeError("business write failed")
    assert AuditEntry.objects.count() == before
    assert verify_chain().ok


def test_orm_refuses_updates_and_deletes() -> None:
    entry = _write(1)[0]
    entry.action = "changed"
    with pytest.raises(AuditEntryImmutableError):
        entry.save()
    with pytest.raises(AuditEntryImmutableError):
        entry.delete()
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor not in ("sqlite", "postgresql"), reason="trigger only on these")
def test_database_trigger_refuses_raw_updates() -> None:
    entry = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET action = %s WHERE id = %s", ["x", entry.pk])  # noqa: S608


def test_verify_passes_on_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _write(5)
    call_command("audit", "verify")
    assert "校验通过" in capsys.readouterr().out


def test_verify_names_an_edited_entry() -> None:
    entries = _write(5)
    sql_update(entries[2].pk, "action", "test.innocent")
    message = _verify_output()
    assert f"seq={entries[2].seq} id={entries[2].pk}" in message and "篡改" in message


def test_verify_names_an_edited_details_field() -> None:
    entries = _write(4)
    sql_update(entries[1].pk, "details", json.dumps({"i": 99}))
    assert f"seq={entries[1].seq} id={entries[1].pk}" in _verify_output()


def test_verify_detects_a_deleted_middle_entry() -> None:
    entries = _write(5)
    sql_delete(entries[2].pk)
    message = _verify_output()
    assert f"seq={entries[3].seq} id={entries[3].pk}" in message
    assert f"缺少 seq={entries[2].seq}" in message


def test_verify_detects_a_deleted_last_entry() -> None:
    entries = _write(5)
    sql_delete(entries[-1].pk)
    message = _verify_output()
    assert f"seq={entries[-1].seq}" in message and "链尾缺失" in message


def test_verify_detects_a_forged_hash_with_the_wrong_key() -> None:
    entries = _write(3)
    sql_update(entries[0].pk, "entry_hash", "0" * 64)
    assert f"seq={entries[0].seq} id={entries[0].pk}" in _verify_output()
