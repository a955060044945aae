"""Property test: any single raw-SQL edit, deletion or reordering of audit rows is detected."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from govit.core.audit import verify_chain
from govit.core.models import AuditEntry, User
from govit.core.services import audit_record

from .audit_tamper import sql_delete, sql_update

TEXT_COLUMNS = ["action", "actor_name", "object_type", "object_id", "object_repr", "prev_hash", "entry_hash"]
printable = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)


class AuditTamperDetectionTests(TestCase):
    def _chain(self, n: int) -> list[AuditEntry]:
        actor = User.objects.create(username="prop_actor")
        return [
            audit_record(actor=actor, action="prop.write", details={"i": i, "note": "变更"}, source_ip="10.0.0.9")
            for i in range(n)
        ]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), n=st.integers(min_value=1, max_value=8))
    def test_every_tampering_is_caught(self, data: st.DataObject, n: int) -> None:
        entries = self._chain(n)
        assert verify_chain().ok
        index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
        target = entries[index]
        kinds = ["text", "outcome", "details", "timestamp", "source_ip", "seq", "delete"]
        if n > 1:
            kinds.append("swap")
        kind = data.draw(st.sampled_from(kinds), label="kind")

        expected_seq = target.seq
        expected_id: int | None = target.pk
        if kind == "text":
            column = data.draw(st.sampled_from(TEXT_COLUMNS), label="column")
            new = data.draw(printable.filter(lambda v: v != getattr(target, column)), label="value")
            sql_update(target.pk, column, new[:64] if column.endswith("hash") else new)
        elif kind == "outcome":
            sql_update(target.pk, "outcome", data.draw(st.sampled_from(["failure", "denied"])))
        elif kind == "details":
            value = data.draw(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
            if value == target.details:
                value = {"forged": True}
            sql_update(target.pk, "details", json.dumps(value))
        elif kind == "timestamp":
            shift = data.draw(st.integers(min_value=1, max_value=10**6), label="seconds")
            sql_update(
                target.pk,
                "timestamp",
                connection.ops.adapt_datetimefield_value(target.timestamp - timedelta(seconds=shift)),
            )
        elif kind == "source_ip":
            sql_update(target.pk, "source_ip", "10.0.0.10")
        elif kind == "seq":
            new_seq = target.seq + n + data.draw(st.integers(0, 5))
            sql_update(target.pk, "seq", new_seq)
            if index == n - 1:
                expected_seq = new_seq  # the moved row itself now follows a gap
            else:
                expected_seq, expected_id = entries[index + 1].seq, entries[index + 1].pk
        elif kind == "delete":
            sql_delete(target.pk)
            if index == n - 1:
                expected_id = None
            else:
                expected_seq, expected_id = entries[index + 1].seq, entries[index + 1].pk
        else:  # swap the seq of two entries: a reordering
            other_index = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda i: i != index))
            other = entries[other_index]
            parking = 10**9
            sql_update(target.pk, "seq", parking)
            sql_update(other.pk, "seq", target.seq)
            sql_update(target.pk, "seq", other.seq)
            first = min(target, other, key=lambda e: e.seq)
            second = other if first is target else target
            expected_seq, expected_id = first.seq, second.pk  # the row now sitting at the earlier seq

        report = verify_chain()
        assert not report.ok, f"{kind} at index {index} went unnoticed"
        assert report.problem is not None
        assert report.problem.seq == expected_seq, (kind, report.problem)
        assert report.problem.entry_id == expected_id, (kind, report.problem)
