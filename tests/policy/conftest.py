"""Policy tests see the built-in packs plus the fixture packs: `sample-2025` (every engine feature) and
the fifth jurisdiction `xinqu-2025` (tests/fixtures/packs, its own facts and unit kinds)."""

import os
from pathlib import Path

import pytest

FIXTURE_PACKS = Path(__file__).parent / "fixtures" / "packs"
FIFTH_PACKS = Path(__file__).parent.parent / "fixtures" / "packs"
EXTRA_PACKS = os.pathsep.join([str(FIXTURE_PACKS), str(FIFTH_PACKS)])


@pytest.fixture(autouse=True)
def _fixture_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", EXTRA_PACKS)
