"""Shared fixtures for the Django-side tests (tests/policy has its own)."""

from __future__ import annotations

import io

import pytest

from govit.core.demo import DEMO_PASSWORD, load_core_demo


@pytest.fixture
def demo_data(db: None) -> None:
    """The core demo data: four jurisdictions, their units, one user per role each."""
    load_core_demo(stdout=io.StringIO())


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD
