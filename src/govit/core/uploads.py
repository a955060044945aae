"""Upload validation, in one place for every app: size, type by content, safe names, generated storage names.

    from govit.core.uploads import UploadRejected, validate_upload, storage_name

    checked = validate_upload(data=data, filename=upload.name, allowed={"pdf", "docx"})
    name = material.file.field.generate_filename(material, storage_name(prefix=f"{project.pk}", kind=checked.kind))
    material.file.name = store_with_row(storage=material.file.storage, name=name, data=data)  # last, before commit

- the size limit is `GOVIT_UPLOAD_MAX_BYTES` (50 MB by default) unless a caller passes a smaller one;
- the type comes from the bytes (magic numbers; DOCX/XLSX by their ZIP members), never from the
  name or the browser's Content-Type, and the extension must agree with it;
- the original name is kept for display only, cleaned of directories, `..`, control and
  bidirectional-override characters; files are stored under a random name.
All messages are Chinese and meant for the user.
"""

from __future__ import annotations

import atexit
import io
import logging
import re
import threading
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpg": {"jpg", "jpeg"},
    "zip": {"zip"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
}
KIND_LABELS = {"pdf": "PDF", "png": "PNG", "jpg": "JPG", "zip": "ZIP", "docx": "DOCX", "xlsx": "XLSX"}
# A ZIP-based upload is opened to tell DOCX from XLSX; refuse archives that would expand absurdly.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_RATIO = 200


class UploadRejected(ValueError):
    """The file is refused; str(exc) is a Chinese message for the user, `code` the API error code."""

    def __init__(self, message: str, *, code: str = "invalid_file"):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    display_name: str
    content_type: str
    size: int


def max_upload_bytes() -> int:
    return int(getattr(settings, "GOVIT_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))


_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_member(name: str) -> bool:
    """A member name that could land outside the folder it is extracted to: absolute (`/x`), a drive
    letter (`C:\\x`, `C:/x`, `C:x`), a UNC path, `..`, backslashes, NUL or other control characters."""
    return (name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in re.split(r"[\\/]", name)
            or "\\" in name or any(ord(ch) < 32 for ch in name))


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if len(infos) > MAX_ZIP_MEMBERS:
        return None
    expanded = sum(info.file_size for info in infos)
    if expanded > max(len(data), 1) * MAX_ZIP_RATIO:
        return None  # zip bomb
    names = {info.filename for info in infos}
    if any(_unsafe_member(name) for name in names):
        return None  # zip slip
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def sniff_kind(data: bytes) -> str | None:
    """The file's real format from its content (never from its name), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


_SEPARATORS = re.compile(r"[\\/]")


def clean_filename(name: str) -> str:
    """A display name: no directories, no `..`, no control/format characters, no leading dots."""
    base = _SEPARATORS.split(name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    # Category C covers control (Cc) and format (Cf: bidi overrides, zero-width) characters.
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = base.replace("..", ".")
    base = base.strip().lstrip(".").strip()
    return base[:200]


def validate_upload(
    *,
    data: bytes,
    filename: str,
    allowed: set[str] | frozenset[str] | None = None,
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Check an upload; raise UploadRejected with a Chinese message, or return what it is."""
    limit = min(max_bytes or max_upload_bytes(), max_upload_bytes())
    if not data:
        raise UploadRejected("文件为空。")
    if len(data) > limit:
        raise UploadRejected(f"文件超过大小上限（{limit / (1024 * 1024):g} MB）。", code="file_too_large")
    allowed_kinds = set(allowed or CONTENT_TYPES)
    kind = sniff_kind(data)
    if kind is None or kind not in allowed_kinds:
        names = "、".join(KIND_LABELS[k] for k in CONTENT_TYPES if k in allowed_kinds)
        raise UploadRejected(f"只接受 {names} 格式的文件（按文件内容识别）。")
    display = clean_filename(filename) or f"upload.{kind}"
    extension = display.rsplit(".", 1)[-1].lower() if "." in display else ""
    if extension not in EXTENSIONS[kind]:
        raise UploadRejected(f"文件内容为 {KIND_LABELS[kind]} 格式，与文件扩展名“{extension or '无'}”不符。")
    return CheckedUpload(kind=kind, display_name=display, content_type=CONTENT_TYPES[kind], size=len(data))


def storage_name(*, prefix: str, kind: str) -> str:
    """A generated relative storage path `<prefix>/<random>.<kind>`; the user's name is never used."""
    safe_prefix = "/".join(part for part in re.split(r"[\\/]+", prefix) if part and part not in (".", ".."))
    if not re.fullmatch(r"[A-Za-z0-9_/-]*", safe_prefix):
        raise ValueError("storage prefix must be ASCII letters, digits, _ and -")
    if kind not in CONTENT_TYPES:
        raise ValueError(f"unknown kind {kind!r}")
    name = f"{uuid.uuid4().hex}.{kind}"
    return f"{safe_prefix}/{name}" if safe_prefix else name


# --- writing a file together with its row ----------------------------------------------------
#
# A file is written inside the transaction that saves its row (so the same transaction can read it
# back) and deleted again unless that transaction commits: each write registers an on_commit
# callback that confirms it; a write whose transaction (or savepoint) rolled back is never confirmed
# and is removed as soon as the connection leaves its transaction — at the end of the service call
# (`discard_uncommitted()` in its `finally`), at the end of every request (request_finished) and at
# process exit. No orphan files.

_PENDING = threading.local()


def _pending(alias: str) -> list[tuple[Any, str]]:
    table = getattr(_PENDING, "by_alias", None)
    if table is None:
        table = _PENDING.by_alias = {}
    return table.setdefault(alias, [])


def store_with_row(*, storage: Any, name: str, data: bytes, using: str = DEFAULT_DB_ALIAS) -> str:
    """Write `data` as `name` now; it is kept only if the current transaction commits. Returns the name."""
    from django.core.files.base import ContentFile

    saved = storage.save(name, ContentFile(data))
    if not transaction.get_connection(using).in_atomic_block:
        return saved
    entry = (storage, saved)
    pending = _pending(using)
    pending.append(entry)
    transaction.on_commit(lambda: pending.remove(entry) if entry in pending else None, using=using)
    return saved


def discard_uncommitted(**_: Any) -> int:
    """Delete the files whose transaction ended without committing. Returns how many were deleted."""
    deleted = 0
    table = getattr(_PENDING, "by_alias", {})
    for alias, entries in table.items():
        if not entries or connections[alias].in_atomic_block:
            continue
        for storage, name in list(entries):
            try:
                storage.delete(name)
                deleted += 1
            except OSError:
                logger.exception("Could not delete the uncommitted upload %s", name)
        entries.clear()
    return deleted


request_finished.connect(discard_uncommitted, dispatch_uid="govit.uploads.discard_uncommitted")
atexit.register(discard_uncommitted)
