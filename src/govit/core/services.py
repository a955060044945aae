"""Core write services. Every business write goes through a service that records an audit entry."""

from __future__ import annotations

import ipaddress
import json
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from govit.core import crypto
from govit.core.audit import canonical_payload
from govit.core.models import (
    ApiToken,
    AuditChainHead,
    AuditEntry,
    AuditOutcome,
    Jurisdiction,
    Role,
    RoleAssignment,
    Unit,
    User,
)

API_TOKEN_PREFIX = "gvt_"  # noqa: S105  (a public marker, not a secret)


def _normalise_ip(source_ip: str | None) -> str | None:
    if not source_ip:
        return None
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # The same text form the database field stores, so the hashed value round-trips.
        return clean_ipv6_address(str(address))
    return str(address)


def _jsonable(details: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the database will return.
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    source_ip: str | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain inside the caller's transaction.

    `action` is a dotted English verb such as "auth.login" or "project.submit". The chain head row
    is locked (SELECT ... FOR UPDATE) so concurrent writers append one after another.
    """
    if outcome not in AuditOutcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}; use one of {AuditOutcome.values}.")
    real_actor = actor if isinstance(actor, User) and actor.pk else None
    name = actor_name if actor_name is not None else (real_actor.get_username() if real_actor else "")
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    object_repr = str(obj)[:255] if obj is not None else ""
    clean_details = _jsonable(details)
    clean_ip = _normalise_ip(source_ip)

    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "timestamp": timezone.now(),
            "actor_id": real_actor.pk if real_actor else None,
            "actor_name": name[:150],
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "outcome": outcome,
            "source_ip": clean_ip,
            "details": clean_details,
            "prev_hash": head.last_hash,
        }
        entry_hash = crypto.hmac_sm3(crypto.audit_key(), canonical_payload(**fields))
        entry = AuditEntry.objects.create(**fields, entry_hash=entry_hash)
        AuditChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry_hash)
    return entry


def role_assign(
    *,
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    unit: Unit | None = None,
    actor: User | None,
    source_ip: str | None = None,
) -> RoleAssignment:
    """Grant `role` in `jurisdiction` (on behalf of `unit`) to `user`; idempotent."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    if unit is not None and unit.jurisdiction_id != jurisdiction.pk:
        raise ValueError("The unit must belong to the jurisdiction of the role assignment.")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.update_or_create(
            user=user, role=role, jurisdiction=jurisdiction, defaults={"unit": unit}
        )
        audit_record(
            actor=actor,
            action="role.assign",
            obj=assignment,
            source_ip=source_ip,
            details={
                "user": user.get_username(),
                "role": role,
                "jurisdiction": jurisdiction.code,
                "unit": unit.name if unit else None,
                "created": created,
            },
        )
    return assignment


def api_token_create(
    *,
    user: User,
    name: str,
    actor: User | None,
    expires_at: datetime | None = None,
    source_ip: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token for `user`. Returns the row and the raw token (shown once, never stored)."""
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[: len(API_TOKEN_PREFIX) + 6],
            digest=crypto.sm3_hex(raw),
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            source_ip=source_ip,
            details={"user": user.get_username(), "name": name},
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User | None, source_ip: str | None = None) -> ApiToken:
    """Revoke a bearer token; later requests with it are refused."""
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, source_ip=source_ip)
    return token
