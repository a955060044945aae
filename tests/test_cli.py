"""The `govit` entry point: policy commands go to govit.policy.cli, the rest to Django."""

from __future__ import annotations

import sys
import types

import pytest

from govit import cli


def test_policy_commands_are_delegated(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []
    fake = types.ModuleType("govit.policy.cli")
    fake.main = lambda argv: received.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "govit.policy.cli", fake)
    assert cli.main(["govit", "evaluate", "facts.json", "--pack", "tongzhou-2023"]) == 0
    assert cli.main(["govit", "packs", "list"]) == 0
    assert received == [["evaluate", "facts.json", "--pack", "tongzhou-2023"], ["packs", "list"]]


def test_other_commands_run_through_django(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["govit", "help", "audit"]) == 0
    assert "verify" in capsys.readouterr().out
