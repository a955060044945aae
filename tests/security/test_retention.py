"""Audit retention: ≥ 180 days enforced by a system check; `govit audit archive` exports old entries
to an HMAC-SM3-signed file and deletes nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from govit.core.archive import verify_archive, write_archive
from govit.core.checks import check_audit_retention
from govit.core.models import AuditEntry
from govit.core.services import audit_record


def test_retention_below_180_days_is_a_system_check_error(settings) -> None:
    settings.GOVIT_AUDIT_RETENTION_DAYS = 90
    errors = check_audit_retention()
    assert [e.id for e in errors] == ["govit.E001"] and "180" in errors[0].msg
    settings.GOVIT_AUDIT_RETENTION_DAYS = 180
    assert check_audit_retention() == []


@pytest.mark.django_db
def test_archive_exports_only_old_entries_and_deletes_nothing(tmp_path, settings) -> None:
    settings.GOVIT_AUDIT_RETENTION_DAYS = 10  # lower than allowed: the archive still uses 180
    long_ago = timezone.now() - timedelta(days=200)
    with mock.patch("govit.core.services.timezone.now", return_value=long_ago):
        audit_record(actor=None, actor_name="old", action="test.old")
    with mock.patch("govit.core.services.timezone.now", return_value=timezone.now() - timedelta(days=100)):
        audit_record(actor=None, actor_name="middle", action="test.middle")
    audit_record(actor=None, actor_name="new", action="test.new")
    before = AuditEntry.objects.count()
    path = tmp_path / "archive.jsonl"
    assert write_archive(path) == 1
    text = path.read_text(encoding="utf-8")
    assert "test.old" in text and "test.middle" not in text and "test.new" not in text
    assert AuditEntry.objects.count() == before
    assert verify_archive(path)
    path.write_text(text.replace("test.old", "test.forged"), encoding="utf-8")
    assert not verify_archive(path)
    with pytest.raises(CommandError, match="签名不符"):
        call_command("audit", "archive", "--check", str(path))


@pytest.mark.django_db
def test_archive_command_is_audited(tmp_path, capsys) -> None:
    call_command("audit", "archive", "-o", str(tmp_path / "a.jsonl"))
    assert "数据库中的记录未删除" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="audit.archive").exists()
    call_command("audit", "archive", "--check", str(tmp_path / "a.jsonl"))
