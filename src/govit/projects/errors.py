"""Domain errors the services raise; the API turns them into 400 / 403 / 404 / 409 responses.

Every error carries a stable snake_case `code` (listed in govit.core.api_errors.ERROR_CODES and
docs/api.md) that a program can act on, and, where one input is at fault, the `field` naming it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    """A refusal a user should read: `message` is Chinese and says what to do next.

    `code` overrides the class's default code (a finer reason, e.g. ``wrong_state``); `field` names
    the input at fault (``facts.total_investment_wan``, ``citation.article`` …).
    """

    status = 400
    code = "invalid_input"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.citations: list[dict[str, Any]] = []
        self.missing: list[str] = []
        super().__init__(message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.message, "field": self.field,
                "citations": self.citations, "missing": self.missing}


class PermissionDenied(DomainError):
    """The actor's role (in this jurisdiction / unit) may not do this; `citations` name the article that
    says who decides, where a pack does."""

    status = 403
    code = "permission_denied"

    def __init__(self, message: str, *, citations: list[dict[str, Any]] | None = None, code: str | None = None,
                 field: str | None = None):
        super().__init__(message, code=code, field=field)
        self.citations = citations or []


class InvalidInput(DomainError):
    """The input is malformed (bad facts, bad file, unknown document code …)."""

    status = 400
    code = "invalid_input"


class NotFound(DomainError):
    """The object does not exist or lies outside the caller's scope (the two are not told apart)."""

    status = 404
    code = "not_found"


class TransitionRefused(DomainError):
    """The pack (or the project's state) forbids this step; carries the articles and what is missing."""

    status = 409
    code = "transition_refused"

    def __init__(self, message: str, *, citations: list[dict[str, Any]] | None = None,
                 missing: list[str] | None = None, code: str | None = None, field: str | None = None):
        super().__init__(message, code=code, field=field)
        self.citations = citations or []
        self.missing = missing or []


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
                    details={"service": service.__name__, "code": exc.code, "message": exc.message,
                             "citations": getattr(exc, "citations", []), "missing": getattr(exc, "missing", [])},
                )
            raise

    return wrapper


_AUDIT_TARGETS = ("project", "change_request", "task", "plan", "item", "member", "notice")
