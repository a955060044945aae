"""Keyed chain heads and signed checkpoints outside the database.

Someone who can write the database but does not hold the audit key can still delete the newest
entries and move a head back to an earlier state, or wipe both tables. Two things catch that:

- Each head row carries `mac = HMAC-SM3(head key, chain | seq | hash)`; a head set by SQL to any
  state the application never wrote fails it.
- After every transaction that wrote audit entries (and on `govit audit checkpoint`, from cron),
  a *checkpoint* — both heads (seq, hash), the time, and an HMAC-SM3 over them — is appended to
  every configured sink (`GOVIT_AUDIT_CHECKPOINT_SINKS`):
  - `file:///abs/path` — an append-only file, by default `GOVIT_AUDIT_CHECKPOINT_FILE`, outside
    the data directory;
  - `syslog://host:port` (UDP) or `syslog:///dev/log` — a log server;
  - `https://…` or `http://…` — the checkpoint is POSTed as JSON to a log server.
  `govit audit verify` and `govit roles verify` read the newest valid checkpoint from the file sinks
  (or the files given with `--checkpoint`, e.g. exported from the log server) and report any chain
  that ends before it: a tail cut, a head rewind or a wipe, naming the first missing seq.

All keys are derived (HKDF-SM3) from the audit key, which never lives in the database.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govit.core import crypto

logger = logging.getLogger("govit.audit.checkpoints")

AUDIT_CHAIN = "audit"
ROLES_CHAIN = "roles"
_TAIL_BYTES = 256 * 1024


def head_key() -> bytes:
    return crypto.hkdf_sm3(crypto.audit_key(), info=b"govit/chain-head-key/v1", length=32)


def checkpoint_key() -> bytes:
    return crypto.hkdf_sm3(crypto.audit_key(), info=b"govit/audit-checkpoint-key/v1", length=32)


def head_mac(chain: str, seq: int, last_hash: str, *, key: bytes | None = None) -> str:
    """The MAC a chain head row must carry for (seq, hash)."""
    return crypto.hmac_sm3(key or head_key(), f"govit-head|{chain}|{int(seq)}|{last_hash}")


def head_problem(chain: str, head: Any) -> str | None:
    """A Chinese description when the head row is missing or its MAC does not match, else None."""
    label = "审计日志" if chain == AUDIT_CHAIN else "角色授权台账"
    if head is None:
        return f"{label}链头记录缺失（被删除）"
    if not head.mac and head.last_seq == 0 and not head.last_hash:
        return None  # an empty chain that was never written
    if not crypto_equal(head.mac or "", head_mac(chain, head.last_seq, head.last_hash)):
        return f"{label}链头签名不符：链头 seq={head.last_seq} 不是本系统写入的状态（链头被改写或回退）"
    return None


def crypto_equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Checkpoint:
    audit_seq: int
    audit_hash: str
    roles_seq: int
    roles_hash: str
    time: str
    mac: str = ""

    def body(self) -> dict[str, Any]:
        return {"v": 1, "time": self.time, "audit": {"seq": self.audit_seq, "hash": self.audit_hash},
                "roles": {"seq": self.roles_seq, "hash": self.roles_hash}}

    def signed(self) -> Checkpoint:
        return Checkpoint(self.audit_seq, self.audit_hash, self.roles_seq, self.roles_hash, self.time,
                          _sign(self.body()))

    def line(self) -> str:
        return json.dumps({**self.body(), "mac": self.mac}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))

    @property
    def valid(self) -> bool:
        return bool(self.mac) and crypto_equal(self.mac, _sign(self.body()))


def _sign(body: dict[str, Any]) -> str:
    payload = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return crypto.hmac_sm3(checkpoint_key(), payload)


def parse_line(line: str) -> Checkpoint | None:
    """A checkpoint from one sink line (a syslog line may carry a prefix before the JSON)."""
    start = line.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(line[start:])
        return Checkpoint(int(data["audit"]["seq"]), str(data["audit"]["hash"]), int(data["roles"]["seq"]),
                          str(data["roles"]["hash"]), str(data["time"]), str(data.get("mac", "")))
    except (ValueError, KeyError, TypeError):
        return None


# --- sinks ---------------------------------------------------------------------------------------


def sinks() -> list[str]:
    from django.conf import settings

    configured = getattr(settings, "GOVIT_AUDIT_CHECKPOINT_SINKS", None)
    if configured:
        return [s for s in configured if s]
    return [Path(settings.GOVIT_AUDIT_CHECKPOINT_FILE).resolve().as_uri()]


def _file_path(sink: str) -> Path | None:
    if sink.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(sink).path))
    if sink.startswith("/"):
        return Path(sink)
    return None


def _append_file(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def _send_syslog(sink: str, line: str) -> None:
    import socket
    from logging.handlers import SysLogHandler
    from urllib.parse import urlparse

    parsed = urlparse(sink)
    if parsed.hostname:
        handler = SysLogHandler(address=(parsed.hostname, parsed.port or 514), socktype=socket.SOCK_DGRAM)
    else:
        handler = SysLogHandler(address=parsed.path or "/dev/log")
    try:
        record = logging.LogRecord("govit.audit", logging.INFO, __file__, 0, "govit-audit-checkpoint %s",
                                   (line,), None)
        handler.emit(record)
    finally:
        handler.close()


def _send_http(sink: str, line: str) -> None:
    import urllib.request

    request = urllib.request.Request(sink, data=line.encode("utf-8"), method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310  # nosec B310 (configured log server)
        pass


def emit(checkpoint: Checkpoint, *, targets: Iterable[str] | None = None) -> list[str]:
    """Write `checkpoint` to every sink; returns the sinks that failed (each failure is logged)."""
    failed = []
    for sink in targets or sinks():
        try:
            path = _file_path(sink)
            if path is not None:
                _append_file(path, checkpoint.line())
            elif sink.startswith("syslog:"):
                _send_syslog(sink, checkpoint.line())
            elif sink.startswith(("http://", "https://")):
                _send_http(sink, checkpoint.line())
            else:
                raise ValueError(f"unknown checkpoint sink {sink!r}")
        except Exception:  # a sink failure must not undo the committed write
            logger.exception("audit checkpoint not written to %s", sink)
            failed.append(sink)
    return failed


def current() -> Checkpoint:
    """The signed checkpoint of both heads as they are now (heads whose MAC fails are not signed)."""
    from govit.core.models import AuditChainHead, RoleLedgerHead

    audit = AuditChainHead.objects.filter(pk=1).first()
    roles = RoleLedgerHead.objects.filter(pk=1).first()
    return Checkpoint(audit.last_seq if audit else 0, audit.last_hash if audit else "",
                      roles.last_seq if roles else 0, roles.last_hash if roles else "",
                      datetime.now(UTC).isoformat(timespec="seconds")).signed()


_last_written: dict[str, tuple[int, int]] = {}


def write(*, force: bool = False) -> tuple[Checkpoint, list[str]]:
    """Checkpoint the heads now (skipped when this process already wrote the same heads, unless forced).

    A head whose MAC fails is never checkpointed: that would anchor a forged state.
    """
    from govit.core.models import AuditChainHead, RoleLedgerHead

    for chain, model in ((AUDIT_CHAIN, AuditChainHead), (ROLES_CHAIN, RoleLedgerHead)):
        problem = head_problem(chain, model.objects.filter(pk=1).first())
        if problem:
            raise CheckpointRefused(problem)
    checkpoint = current()
    key = (checkpoint.audit_seq, checkpoint.roles_seq)
    sinks_now = sinks()
    marker = "|".join(sinks_now)
    if not force and _last_written.get(marker) == key:
        return checkpoint, []
    failed = emit(checkpoint, targets=sinks_now)
    if not failed:
        _last_written[marker] = key
    return checkpoint, failed


class CheckpointRefused(RuntimeError):
    """The heads fail their MAC: no checkpoint is written."""


def _after_commit() -> None:
    try:
        write()
    except CheckpointRefused as exc:
        logger.error("audit checkpoint refused: %s", exc)
    except Exception:
        logger.exception("audit checkpoint failed")


def schedule() -> None:
    """Checkpoint once after the current transaction commits (immediately in autocommit)."""
    from django.db import connection, transaction

    if connection.in_atomic_block and any(func is _after_commit for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_after_commit)


# --- reading back --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latest:
    audit: Checkpoint | None
    roles: Checkpoint | None
    invalid_lines: int
    sources: list[str]


def _tail_lines(path: Path) -> list[str]:
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size > _TAIL_BYTES:
            handle.seek(size - _TAIL_BYTES)
            handle.readline()  # drop the partial first line
        return handle.read().decode("utf-8", errors="replace").splitlines()


def latest(extra_files: Iterable[str | Path] = ()) -> Latest:
    """The newest valid checkpoint of each chain found in the file sinks and `extra_files`."""
    paths = [p for p in (_file_path(s) for s in sinks()) if p is not None] + [Path(f) for f in extra_files]
    best_audit: Checkpoint | None = None
    best_roles: Checkpoint | None = None
    invalid = 0
    sources = []
    for path in paths:
        if not path.is_file():
            continue
        sources.append(str(path))
        for line in _tail_lines(path):
            if not line.strip():
                continue
            checkpoint = parse_line(line)
            if checkpoint is None or not checkpoint.valid:
                invalid += 1
                continue
            if best_audit is None or checkpoint.audit_seq > best_audit.audit_seq:
                best_audit = checkpoint
            if best_roles is None or checkpoint.roles_seq > best_roles.roles_seq:
                best_roles = checkpoint
    return Latest(best_audit, best_roles, invalid, sources)
