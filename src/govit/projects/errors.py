"""Domain errors the services raise; the API turns them into 403 / 409 / 400 responses."""

from __future__ import annotations

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
