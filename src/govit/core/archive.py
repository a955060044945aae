"""Signed export of old audit entries (`govit audit archive`).

Policy (docs/security.md): entries are kept in the database for at least GOVIT_AUDIT_RETENTION_DAYS
(never less than 180). The archive copies entries older than the retention to a JSON-lines file
signed with HMAC-SM3 for off-line safekeeping; the application itself never deletes audit entries
(the ORM and database triggers refuse it), so nothing younger than 180 days can be lost through it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from govit.core import crypto
from govit.core.audit import HASHED_FIELDS
from govit.core.checks import MIN_AUDIT_RETENTION_DAYS
from govit.core.models import AuditEntry

SIGNATURE_PREFIX = "#govit-audit-archive hmac-sm3="


def archive_key() -> bytes:
    return crypto.hkdf_sm3(crypto.audit_key(), info=b"govit/audit-archive-key/v1", length=32)


def retention_days() -> int:
    return max(int(getattr(settings, "GOVIT_AUDIT_RETENTION_DAYS", MIN_AUDIT_RETENTION_DAYS)), MIN_AUDIT_RETENTION_DAYS)


def archive_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=retention_days())


def _line(entry: AuditEntry) -> str:
    document = {name: getattr(entry, name) for name in HASHED_FIELDS}
    document["timestamp"] = entry.timestamp.astimezone(UTC).isoformat(timespec="microseconds")
    document["entry_hash"] = entry.entry_hash
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_archive(path: Path, *, now: datetime | None = None) -> int:
    """Write entries older than the retention period to `path`; returns how many. Deletes nothing."""
    cutoff = archive_cutoff(now)
    lines = [_line(e) for e in AuditEntry.objects.filter(timestamp__lt=cutoff).order_by("seq").iterator()]
    body = "".join(line + "\n" for line in lines)
    signature = crypto.hmac_sm3(archive_key(), body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body + SIGNATURE_PREFIX + signature + "\n", encoding="utf-8")
    return len(lines)


def verify_archive(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    body, _, last = text.rstrip("\n").rpartition("\n")
    if not last.startswith(SIGNATURE_PREFIX):
        body, last = "", text.rstrip("\n")
        if not last.startswith(SIGNATURE_PREFIX):
            return False
    body = body + "\n" if body else ""
    expected = crypto.hmac_sm3(archive_key(), body)
    return crypto_compare(expected, last[len(SIGNATURE_PREFIX) :].strip())


def crypto_compare(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
