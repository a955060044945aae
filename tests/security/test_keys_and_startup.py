"""Keys outside the data directory with 0600 files, `govit keys` audited (等保 8.1.4.8 / 密评 8.4 密钥
管理); the 180-day audit retention also holds when a WSGI/ASGI server starts (等保 8.1.4.3 c)."""

from __future__ import annotations

import importlib
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from govit.core import crypto
from govit.core.checks import check_key_files
from govit.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_default_key_directory_is_outside_the_data_directory(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv("GOVIT_KEY_FILE", raising=False)
    monkeypatch.delenv("GOVIT_KEY_DIR", raising=False)
    monkeypatch.setenv("GOVIT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    import govit.settings.base as base

    reloaded = importlib.reload(base)
    try:
        assert not reloaded.GOVIT_KEY_FILE.resolve().is_relative_to(reloaded.VAR_DIR.resolve())
        assert reloaded.GOVIT_KEY_FILE == tmp_path / "config" / "govit" / "keys" / "govit.key"
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_created_key_files_are_0600(monkeypatch: Any, settings: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "govit.key"
    monkeypatch.setenv("GOVIT_KEY_FILE", str(key_file))
    monkeypatch.delenv("GOVIT_SM4_KEYS", raising=False)
    settings.GOVIT_KEY_FILE_AUTOCREATE = True
    crypto._master_secret.cache_clear()
    try:
        crypto.sm4_key()
        crypto.sm4_keyring_add()
        for path in (key_file, crypto.sm4_keyring_path()):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(key_file.parent.stat().st_mode) & 0o077 == 0
    finally:
        crypto._master_secret.cache_clear()


def test_key_files_in_the_data_directory_or_readable_by_others_are_reported(
        monkeypatch: Any, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    key_file = tmp_path / "keys" / "govit.key"
    key_file.parent.mkdir()
    key_file.write_text("00" * 32 + "\n")
    key_file.chmod(0o644)
    monkeypatch.setenv("GOVIT_KEY_FILE", str(key_file))
    ids = {w.id for w in check_key_files()}
    assert {"govit.W010", "govit.W011"} <= ids


def test_govit_keys_actions_are_audited(monkeypatch: Any, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVIT_KEY_FILE", str(tmp_path / "govit.key"))
    monkeypatch.delenv("GOVIT_SM4_KEYS", raising=False)
    settings.GOVIT_KEY_FILE_AUTOCREATE = True
    crypto._master_secret.cache_clear()
    try:
        call_command("keys", "status")
        call_command("keys", "add")
    finally:
        crypto._master_secret.cache_clear()
    actions = list(AuditEntry.objects.filter(action__startswith="keys.").values_list("action", "outcome"))
    assert ("keys.status", "success") in actions and ("keys.add", "success") in actions
    entry = AuditEntry.objects.filter(action="keys.add").latest("seq")
    assert "govit keys add" in entry.actor_name and "current_key" in entry.details


@pytest.mark.parametrize("module", ["govit.wsgi", "govit.asgi"])
def test_server_refuses_to_start_with_short_audit_retention(settings: Any, module: str) -> None:
    settings.GOVIT_AUDIT_RETENTION_DAYS = 30
    sys.modules.pop(module, None)
    with pytest.raises(ImproperlyConfigured, match="180"):
        importlib.import_module(module)
    sys.modules.pop(module, None)


@pytest.mark.usefixtures("demo_data")
def test_wsgi_preloads_every_jurisdictions_index_and_freezes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """GOVIT_PRELOAD_INDEXES=1: the master builds each jurisdiction's analysis index before forking,
    closes its database connections (the workers open their own) and hides the objects from the GC."""
    import gc

    from django.db import connections

    from govit.analysis import indexing
    from govit.core.models import Jurisdiction

    closed: list[bool] = []
    monkeypatch.setenv("GOVIT_PRELOAD_INDEXES", "1")
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))  # keep the test's transaction
    indexing.forget_checks()
    sys.modules.pop("govit.wsgi", None)
    try:
        importlib.import_module("govit.wsgi")
        assert set(indexing._checked) == set(Jurisdiction.objects.values_list("pk", flat=True))
        assert closed and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        sys.modules.pop("govit.wsgi", None)
