"""Shared fixtures for the Django-side tests (tests/policy has its own)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from govit.core.demo import DEMO_PASSWORD, load_core_demo


@pytest.fixture
def demo_data(db: None) -> None:
    """The core demo data: four jurisdictions, their units, one user per role each."""
    load_core_demo(stdout=io.StringIO())


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: menu badges are cached against the audit chain head, and a
    rolled-back test database returns to the same head with other rows."""
    from django.core.cache import cache

    from govit.analysis.indexing import forget_checks

    cache.clear()
    forget_checks()


@pytest.fixture(autouse=True)
def _fresh_audit_checkpoints() -> Iterator[None]:
    """Each test starts without external audit checkpoints (a flushed test database is not a wipe)."""
    _drop_checkpoint_file()
    yield
    _drop_checkpoint_file()


def _drop_checkpoint_file() -> None:
    from django.conf import settings

    path = getattr(settings, "GOVIT_AUDIT_CHECKPOINT_FILE", None) if settings.configured else None
    if path:
        Path(path).unlink(missing_ok=True)
        from govit.core import checkpoints

        checkpoints._last_written.clear()
