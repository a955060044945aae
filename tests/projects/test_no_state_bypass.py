"""No state change bypasses the services: `state` is written only by the FSM transitions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import govit
from govit.projects.models import Project

SRC = Path(govit.__file__).parent
FSM_MODULE = SRC / "projects" / "models.py"
PATTERNS = [
    re.compile(r"\.update\([^)]*\bstate\s*="),
    re.compile(r"\.update_or_create\([^)]*\bstate\s*="),
    re.compile(r"\.state\s*=(?!=)"),
    re.compile(r"setattr\([^,]+,\s*[\"']state[\"']"),
    re.compile(r"\.bulk_update\([^)]*[\"']state[\"']"),
]


def test_no_direct_state_writes_outside_the_state_machine() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == FSM_MODULE or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if any(p.search(line) for p in PATTERNS):
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_state_field_is_protected() -> None:
    project = Project()
    with pytest.raises(AttributeError):
        project.state = "approved"
