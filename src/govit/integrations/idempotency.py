"""`Idempotency-Key` on every POST under /api/v1: a retry gets the first answer instead of a second effect.

- same caller, same key, same request (method, path, query and body — JSON compared after parsing,
  multipart by its fields and each file's SM3) → the first response again, with `Idempotent-Replayed: true`;
- same key, different request → 409 `idempotency_key_reused`;
- same key while the first request is still running → 409 `idempotency_in_progress` (retry later);
- only final answers are kept (2xx, and 400/404/409/410/413/415/422 decided by the request itself);
  401/403/429/5xx and `concurrent_update` are not, so retrying them with the same key runs again;
- keys are scoped to the calling user and kept for GOVIT_IDEMPOTENCY_TTL_HOURS (24 h by default).

The claim is a row with a unique (principal, key) constraint, committed before the request runs, so
two simultaneous retries cannot both run — on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from govit.core import crypto
from govit.core.api_errors import API_PREFIX, error_response, too_large_response

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_KEPT_STATUSES = {400, 404, 409, 410, 413, 415, 422}
_RETRYABLE_CODES = {"concurrent_update", "idempotency_in_progress", "service_unavailable"}
_REPLAYED_HEADERS = ("Location", "Content-Disposition")


def ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "GOVIT_IDEMPOTENCY_TTL_HOURS", 24)))


def lock_timeout() -> timedelta:
    """A claim older than this whose request never finished (the process died) may be taken over."""
    return timedelta(seconds=float(getattr(settings, "GOVIT_IDEMPOTENCY_LOCK_SECONDS", 300)))


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(ch) <= 126 for ch in key)


def principal_of(request: HttpRequest) -> str | None:
    """The caller the key belongs to: the session's user, else the bearer token's user."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from govit.core.models import ApiToken

    row = ApiToken.objects.filter(digest=crypto.sm3_hex(token.strip()), revoked_at__isnull=True).values(
        "user_id").first()
    return f"user:{row['user_id']}" if row else None


def fingerprint(request: HttpRequest) -> str:
    """SM3 of the request as it matters: method, path with query, and the body in canonical form."""
    content_type = (request.content_type or "").lower()
    parts = [request.method or "", request.get_full_path()]
    if content_type == "multipart/form-data":
        fields = sorted((name, value) for name in request.POST for value in request.POST.getlist(name))
        files = []
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest = crypto.sm3_hex(b"".join(upload.chunks()))
                upload.seek(0)
                files.append((name, upload.name, upload.size, digest))
        parts.append(json.dumps({"fields": fields, "files": files}, ensure_ascii=False, sort_keys=True))
    else:
        body = request.body
        if content_type == "application/json" and body:
            try:
                body = json.dumps(json.loads(body), ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")).encode("utf-8")
            except ValueError:
                pass
        parts.append(content_type)
        parts.append(crypto.sm3_hex(body))
    return crypto.sm3_hex("\n".join(parts))


def _claim(principal: str, key: str, request: HttpRequest, digest: str) -> tuple[Any, bool]:
    """(record, claimed): claimed is True when this request now owns the key and must run."""
    from govit.integrations.models import IdempotencyRecord

    now = timezone.now()
    stale = IdempotencyRecord.objects.filter(created_at__lt=now - ttl()).values_list("pk", flat=True)[:100]
    if stale:
        IdempotencyRecord.objects.filter(pk__in=list(stale)).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                principal=principal, key=key, method=request.method or "", path=request.path[:500],
                fingerprint=digest, created_at=now, claimed_at=now,
            )
        return record, True
    except IntegrityError:
        pass
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().filter(principal=principal, key=key).first()
        if record is None:  # expired and purged by a concurrent request between the two statements
            record = IdempotencyRecord.objects.create(
                principal=principal, key=key, method=request.method or "", path=request.path[:500],
                fingerprint=digest, created_at=now, claimed_at=now,
            )
            return record, True
        if record.fingerprint == digest and not record.completed and record.claimed_at < now - lock_timeout():
            record.claimed_at = now
            record.save(update_fields=["claimed_at"])
            return record, True
    return record, False


def _keep(response: HttpResponse) -> bool:
    if getattr(response, "streaming", False):
        return False
    status = response.status_code
    if status >= 500 or status in (401, 403, 429):
        return False
    if status < 400:
        return True
    if status not in _KEPT_STATUSES:
        return False
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        code = None
    return code not in _RETRYABLE_CODES


def _replay(record: Any) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    for name, value in (record.headers or {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotencyMiddleware:
    """See the module docstring. After AuthenticationMiddleware; before the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not valid_key(key):
            return error_response(400, "invalid_idempotency_key",
                                  f"{HEADER} 请求头应为 1 至 {MAX_KEY_LENGTH} 个可见 ASCII 字符（建议使用 UUID）。",
                                  field=HEADER)
        principal = principal_of(request)
        if principal is None:
            return self.get_response(request)  # unauthenticated: the API answers 401
        try:
            digest = fingerprint(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return too_large_response()
        record, claimed = _claim(principal, key, request, digest)
        if not claimed:
            if record.fingerprint != digest:
                return error_response(409, "idempotency_key_reused",
                                      f"{HEADER}“{key}”已用于另一个内容不同的请求（{record.method} {record.path}）。"
                                      "重试时请求须与首次完全相同；新的请求请使用新的键。", field=HEADER)
            if record.completed:
                return _replay(record)
            return error_response(409, "idempotency_in_progress",
                                  f"使用 {HEADER}“{key}”的首次请求仍在处理中，请稍后用同一个键重试。",
                                  field=HEADER, headers={"Retry-After": "1"})
        try:
            response = self.get_response(request)
        except BaseException:
            type(record).objects.filter(pk=record.pk).delete()
            raise
        self._finish(record, response)
        return response

    @staticmethod
    def _finish(record: Any, response: HttpResponse) -> None:
        model = type(record)
        if not _keep(response):
            model.objects.filter(pk=record.pk).delete()
            return
        headers = {name: response[name] for name in _REPLAYED_HEADERS if name in response}
        model.objects.filter(pk=record.pk).update(
            completed=True, status_code=response.status_code, content_type=response.get("Content-Type", ""),
            headers=headers, body=bytes(response.content),
        )
