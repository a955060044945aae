"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govit.settings.production")
application = get_asgi_application()

from govit.core.checks import enforce_at_startup  # noqa: E402  (needs the apps loaded)

enforce_at_startup()  # the 180-day audit retention (govit.E001) also holds for an ASGI server
