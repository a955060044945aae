"""Settings for the test suite (pytest-django)."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
SECRET_KEY = "govit-test-key-not-secret"  # noqa: S105 (test settings only)  # nosec B105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
GOVIT_KEY_FILE_AUTOCREATE = True
GOVIT_ALLOW_FLUSH = True
GOVIT_SERVE_DJANGO_ADMIN = True
# One checkpoint file per test process; tests/conftest.py empties it around every test.
GOVIT_AUDIT_CHECKPOINT_FILE = VAR_DIR / f"test-checkpoints-{os.getpid()}.log"
GOVIT_AUDIT_CHECKPOINT_SINKS: list[str] = []
GOVIT_ALLOW_DEMO = True
# The webhook tests run their receiver on 127.0.0.1 (tests/api/receiver.py).
GOVIT_WEBHOOK_ALLOW_LOOPBACK = True
# Same algorithm as production, fewer rounds: the suite logs in dozens of users.
GOVIT_PBKDF2_SM3_ITERATIONS = 1_000
# Django's test client `login()` calls authenticate() without a request, which axes refuses;
# the lockout tests switch axes on with override_settings.
AXES_ENABLED = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
# The older suite signs users in with `force_login`, which presents no TOTP code; the second-factor
# tests (tests/security/test_otp.py) switch this off to exercise the real step.
GOVIT_DEMO_SKIP_OTP = True

# No Celery worker runs during tests: tasks execute in-process even when REDIS_URL names a broker.
CELERY_TASK_ALWAYS_EAGER = True

# A file (WAL) rather than shared-cache memory for the SQLite test database: threads then lock the way
# the embedded deployment does (busy timeout), which the concurrency tests of the sweep rely on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so two runs in one clone never share (pytest-django removes it).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_govit_{os.getpid()}.sqlite3")}  # noqa: F405
