"""Developer and demo settings: the default for `manage.py`, `govit` and `make run`."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
# A fixed key is fine here: DEBUG never runs in production (production.py demands SECRET_KEY).
SECRET_KEY = os.environ.get("SECRET_KEY") or "govit-dev-insecure-key-not-for-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
GOVIT_KEY_FILE_AUTOCREATE = True
GOVIT_ALLOW_FLUSH = True
GOVIT_SERVE_DJANGO_ADMIN = True
GOVIT_ALLOW_DEMO = True
# A developer's test receiver usually listens on this machine.
GOVIT_WEBHOOK_ALLOW_LOOPBACK = True
# `GOVIT_DEMO_SKIP_OTP=1 make run` skips the TOTP step for a quick look (never in production).
GOVIT_DEMO_SKIP_OTP = os.environ.get("GOVIT_DEMO_SKIP_OTP", "") == "1"

VAR_DIR.mkdir(parents=True, exist_ok=True)
