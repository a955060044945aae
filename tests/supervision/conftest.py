"""Fixtures for supervision tests: the demo world and projects with chosen dates."""

from __future__ import annotations

from typing import Any

import pytest

from govit.core.demo import DEMO_JURISDICTIONS, demo_username
from govit.core.models import User
from govit.projects.models import Project
from tests.projects.conftest import api, drive_to, world  # noqa: F401  (fixtures re-exported)


def prefix(pack_id: str) -> str:
    return next(s.prefix for s in DEMO_JURISDICTIONS if s.pack_id == pack_id)


def user(pack_id: str, role: str) -> User:
    return User.objects.get(username=demo_username(prefix(pack_id), role))


def with_dates(project: Project, **dates: str) -> Project:
    """Test set-up: give the project the dated facts of the scenario (the services date steps today)."""
    project.facts = {**project.facts, "dates": dates}
    project.save(update_fields=["facts"])
    return project


def new_project(pack_id: str, target: str = "draft", **dates: str) -> Project:
    project = drive_to(pack_id, target)
    return with_dates(project, **dates)


@pytest.fixture
def make_project(world: Any) -> Any:  # noqa: F811 - the imported fixture, requested by name
    return new_project
