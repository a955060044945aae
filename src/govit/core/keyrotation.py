"""Registry of SM4 key rotators: each app holding encrypted fields re-encrypts them with the newest key.

An app registers in AppConfig.ready():

    from govit.core.keyrotation import register_key_rotator
    register_key_rotator("experts", rotate_expert_keys)

A rotator is `rotator(*, actor_name: str) -> RotationResult`; it must be idempotent (values already
under the current key are left alone) and audit what it changed. `govit keys rotate` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RotationResult:
    name: str
    checked: int
    reencrypted: int


Rotator = Callable[..., RotationResult]
_ROTATORS: dict[str, Rotator] = {}


def register_key_rotator(name: str, rotator: Rotator) -> None:
    _ROTATORS[name] = rotator


def key_rotators() -> dict[str, Rotator]:
    return dict(sorted(_ROTATORS.items()))
