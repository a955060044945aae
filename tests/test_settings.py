"""Settings modules: production refuses to start without SECRET_KEY and passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from govit.celery import app as celery_app

REPO = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
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


def test_celery_is_eager_without_redis() -> None:
    if os.environ.get("REDIS_URL"):
        assert not celery_app.conf.task_always_eager
        assert celery_app.conf.broker_url == os.environ["REDIS_URL"]
    else:
        assert celery_app.conf.task_always_eager


def test_production_refuses_to_start_without_secret_key() -> None:
    result = _manage("check", env=_clean_env(DJANGO_SETTINGS_MODULE="govit.settings.production"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings() -> None:
    env = _clean_env(DJANGO_SETTINGS_MODULE="govit.settings.production", SECRET_KEY="x" * 64 + "-Az9!q")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
