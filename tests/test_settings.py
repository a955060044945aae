"""Settings modules: production refuses to start without SECRET_KEY and passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from govit.celery import app as celery_app

REPO = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(extra)
    return env


def test_language_timezone_and_hashers() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.PASSWORD_HASHERS[0] == "govit.core.hashers.PBKDF2SM3PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in settings.PASSWORD_HASHERS
    assert settings.AUTH_USER_MODEL == "core.User"


def test_celery_is_eager_in_tests_and_uses_redis_when_configured() -> None:
    assert celery_app.conf.task_always_eager
    assert celery_app.conf.broker_url == (os.environ.get("REDIS_URL") or "memory://")


def test_dev_settings_are_eager_without_redis() -> None:
    env = _clean_env(DJANGO_SETTINGS_MODULE="govit.settings.dev")
    env.pop("REDIS_URL", None)
    code = "from govit.celery import app; print(app.conf.task_always_eager)"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set")
def test_redis_cache_and_broker_are_reachable() -> None:
    cache.set("govit-ci-probe", "好", timeout=30)
    assert cache.get("govit-ci-probe") == "好"
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)


def test_production_refuses_to_start_without_secret_key() -> None:
    result = _manage("check", env=_clean_env(DJANGO_SETTINGS_MODULE="govit.settings.production"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings(tmp_path) -> None:
    # A key directory of its own: a developer's var/keys (the pre-issue-12 default) is govit.W010.
    env = _clean_env(DJANGO_SETTINGS_MODULE="govit.settings.production", SECRET_KEY="x" * 64 + "-Az9!q",
                     GOVIT_KEY_DIR=str(tmp_path / "keys"))
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
