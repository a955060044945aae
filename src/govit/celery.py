"""The govit Celery app. Eager (in-process) unless REDIS_URL is set; see settings.base.

Worker: `celery -A govit.celery worker` (with DJANGO_SETTINGS_MODULE set).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govit.settings.dev")

app = Celery("govit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
