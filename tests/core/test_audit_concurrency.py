"""Concurrent writers keep one linear audit chain (the head row is locked FOR UPDATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from govit.core.audit import verify_chain
from govit.core.models import AuditChainHead, AuditEntry
from govit.core.services import audit_record

WRITERS = 4
WRITES_EACH = 15


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_parallel_writers_produce_a_gapless_verified_chain(transactional_db: None) -> None:
    AuditChainHead.objects.get_or_create(pk=1)
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for i in range(WRITES_EACH):
                audit_record(actor=None, action="concurrency.write", details={"writer": number, "i": i})
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * WRITES_EACH + 1))
    report = verify_chain()
    assert report.ok, report.problem
