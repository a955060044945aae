"""Tokens die with the credentials they stand for.

A `pre_save` hook on the user compares the stored password hash and `is_active` with the new ones:
a password change (any path: the user's own page, a reset, the Django admin, `set_password`) or a
deactivation revokes every live API token of the account. The bearer authentication also refuses a
token older than the account's last password change, so a token survives neither.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save


def _before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    instance._govit_credentials_changed = None
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not ({"password", "is_active"} & set(update_fields)):
        return
    old = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["password"] != instance.password:
        instance._govit_credentials_changed = "password_changed"
    elif old["is_active"] and not instance.is_active:
        instance._govit_credentials_changed = "account_disabled"


def _after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    reason = getattr(instance, "_govit_credentials_changed", None)
    if reason:
        from govit.core.services import api_tokens_revoke_all

        instance._govit_credentials_changed = None
        api_tokens_revoke_all(user=instance, reason=reason)


def connect() -> None:
    from govit.core.models import User

    pre_save.connect(_before_save, sender=User, dispatch_uid="govit.credentials.pre")
    post_save.connect(_after_save, sender=User, dispatch_uid="govit.credentials.post")
