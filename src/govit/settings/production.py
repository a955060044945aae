"""Production settings: PostgreSQL via DATABASE_URL, Redis via REDIS_URL, HTTPS only.

Refuses to start without SECRET_KEY. `manage.py check --deploy` must print no warning.
"""

from __future__ import annotations

import os

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable (50+ random characters) "
        "before starting govit with production settings."
    )
if not ALLOWED_HOSTS:  # noqa: F405
    ALLOWED_HOSTS = ["localhost"]

# No skipping the second factor in production, whatever the environment says.
if os.environ.get("GOVIT_DEMO_SKIP_OTP"):
    raise ImproperlyConfigured("GOVIT_DEMO_SKIP_OTP is a development setting and is refused in production.")
GOVIT_DEMO_SKIP_OTP = False
# No Django admin in production (emergency work goes through audited `govit` commands), no flush.
GOVIT_SERVE_DJANGO_ADMIN = False
GOVIT_ALLOW_FLUSH = False

SECURE_SSL_REDIRECT = os.environ.get("GOVIT_SSL_REDIRECT", "1") != "0"
# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("GOVIT_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# The daily supervision sweep (govit sweep) under Celery beat: `celery -A govit.celery beat`.
CELERY_BEAT_SCHEDULE = {
    "supervision-sweep": {
        "task": "govit.supervision.sweep",
        "schedule": crontab(hour=int(os.environ.get("GOVIT_SWEEP_HOUR", "6")), minute=0),
    },
    # Webhook deliveries that are due (a safety net beside each failed attempt's own countdown).
    "webhook-retry": {"task": "govit.integrations.retry_due", "schedule": 60.0},
}
