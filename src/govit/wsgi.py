"""WSGI entry point; defaults to production settings (e.g. `gunicorn govit.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govit.settings.production")
application = get_wsgi_application()
