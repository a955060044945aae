"""Shares the project test fixtures (demo world, API clients)."""

from tests.projects.conftest import api, world  # noqa: F401
