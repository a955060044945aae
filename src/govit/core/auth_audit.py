"""Audit entries for sign-in, sign-out and failed sign-in, fed by Django's auth signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.http import HttpRequest

from govit.core.models import AuditOutcome, User
from govit.core.net import client_ip
from govit.core.services import audit_record


def _on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.login", obj=user, source_ip=client_ip(request))


def _on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.logout", obj=user, source_ip=client_ip(request))


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    from govit.core.services import _single_jurisdiction

    named = User.objects.filter(username=username).first() if username else None
    audit_record(
        actor=None,
        actor_name=username,
        jurisdiction=_single_jurisdiction(named) if named else None,
        action="auth.login_failed",
        outcome=AuditOutcome.DENIED if locked else AuditOutcome.FAILURE,
        source_ip=client_ip(request),
        details={"username": username, "locked_out": locked},
    )


def connect() -> None:
    signals.user_logged_in.connect(_on_login, dispatch_uid="govit.audit.login")
    signals.user_logged_out.connect(_on_logout, dispatch_uid="govit.audit.logout")
    signals.user_login_failed.connect(_on_login_failed, dispatch_uid="govit.audit.login_failed")
