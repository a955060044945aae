"""Policy tests see the built-in packs plus the fixture pack `sample-2025`."""

from pathlib import Path

import pytest

FIXTURE_PACKS = Path(__file__).parent / "fixtures" / "packs"


@pytest.fixture(autouse=True)
def _fixture_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", str(FIXTURE_PACKS))
