"""Domain errors the services raise; the API turns them into 403 / 409 / 400 responses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    """A refusal a user should read: `message` is Chinese and says what to do next."""

    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class PermissionDenied(DomainError):
    """The actor's role (in this jurisdiction / unit) may not do this."""

    status = 403


class InvalidInput(DomainError):
    """The input is malformed (bad facts, bad file, unknown document code …)."""

    status = 400


class TransitionRefused(DomainError):
    """The pack (or the project's state) forbids this step; carries the articles and what is missing."""

    status = 409

    def __init__(self, message: str, *, citations: list[dict[str, Any]] | None = None,
                 missing: list[str] | None = None):
        super().__init__(message)
        self.citations = citations or []
        self.missing = missing or []

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.message, "citations": self.citations, "missing": self.missing}


def audit_refusals(service: Callable[..., Any]) -> Callable[..., Any]:
    """Audit a refused service call (等保: failed and denied operations are recorded too).

    The service's own transaction has rolled back when the error reaches here, so the entry is written
    in a transaction of its own; the error is then raised again unchanged.
    """

    @functools.wraps(service)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except DomainError as exc:
            from django.db import transaction

            from govit.core.services import audit_record

            target = next((kwargs[k] for k in _AUDIT_TARGETS if kwargs.get(k) is not None), None)
            with transaction.atomic():
                audit_record(
                    actor=kwargs.get("actor"),
                    action="service.refused",
                    obj=target,
                    outcome="failure" if isinstance(exc, InvalidInput) else "denied",
                    source_ip=kwargs.get("source_ip"),
                    details={"service": service.__name__, "message": exc.message,
                             "citations": getattr(exc, "citations", []), "missing": getattr(exc, "missing", [])},
                )
            raise

    return wrapper


_AUDIT_TARGETS = ("project", "change_request", "task", "plan", "item")
