"""`govit audit verify` streams: raw rows, OpenSSL HMAC, a --since checkpoint, parallel ranges."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from govit.core.audit import verify_chain
from govit.core.models import AuditEntry
from govit.core.services import audit_record

from .audit_tamper import sql_delete, sql_update

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [audit_record(actor=None, actor_name="测试", action="test.write", details={"i": i, "文字": "中文"},
                         source_ip="10.0.0.1" if i % 2 else "2001:db8::1") for i in range(n)]


def test_since_checks_only_what_is_new_from_a_verified_checkpoint() -> None:
    entries = _write(30)
    full = verify_chain()
    assert full.ok and full.checked == 30
    partial = verify_chain(since=entries[9].seq)
    assert partial.ok and partial.checked == 20 and partial.last_seq == entries[-1].seq


def test_since_still_catches_tampering_after_and_at_the_checkpoint() -> None:
    entries = _write(12)
    sql_update(entries[8].pk, "actor_name", "mallory")
    report = verify_chain(since=entries[4].seq)
    assert not report.ok and report.problem.seq == entries[8].seq and "篡改" in report.problem.reason
    at_checkpoint = verify_chain(since=entries[8].seq)
    assert not at_checkpoint.ok and "检查点" in at_checkpoint.problem.reason


def test_since_a_missing_checkpoint_is_reported() -> None:
    entries = _write(5)
    sql_delete(entries[2].pk)
    report = verify_chain(since=entries[2].seq)
    assert not report.ok and "检查点" in report.problem.reason


def test_streamed_verification_finds_what_the_entry_wise_one_found() -> None:
    entries = _write(8)
    sql_update(entries[5].pk, "details", json.dumps({"i": 999}))
    report = verify_chain(batch_size=3)
    assert not report.ok and report.problem.seq == entries[5].seq and report.checked == 5


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel ranges need PostgreSQL (DATABASE_URL)")
def test_parallel_ranges_cover_the_chain_exactly(transactional_db: None) -> None:
    entries = _write(60)
    assert verify_chain(workers=3, batch_size=5).ok
    with transaction.atomic():
        sql_delete(entries[20].pk)  # the first entry of the second range
    report = verify_chain(workers=3, batch_size=5)
    assert not report.ok and report.problem.seq in (entries[20].seq, entries[21].seq)


def test_command_json_and_bad_input(capsys) -> None:
    entries = _write(6)
    call_command("audit", "verify", "--since", str(entries[1].seq), "--format", "json")
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] is True and body["checked"] == 4 and body["last_seq"] == entries[-1].seq
    assert body["entries_per_s"] is None or body["entries_per_s"] > 0
    call_command("audit", "verify")
    assert "--since" in capsys.readouterr().out
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--since", "abc")
    assert excinfo.value.returncode == 2 and "--since" in str(excinfo.value)
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--workers", "0")
    assert excinfo.value.returncode == 2
