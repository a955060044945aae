"""Demo projects (filled in below)."""

from __future__ import annotations

from typing import TextIO


def load_projects_demo(*, stdout: TextIO) -> None:
    return None
