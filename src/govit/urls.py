"""Top-level URL map: web UI, /api/v1, Django admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from govit.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("regulations/", include("govit.regulations.urls")),
    path("projects/", include("govit.projects.urls")),
    path("reviews/", include("govit.reviews.urls")),
    path("plans/", include("govit.planning.urls")),
    path("experts/", include("govit.experts.urls")),
    path("accounts/", include("govit.accounts.urls")),
    path("supervision/", include("govit.supervision.urls")),
    path("integrations/", include("govit.integrations.urls")),
    path("analysis/", include("govit.analysis.urls")),
    path("", include("govit.notifications.urls")),
    path("", include("govit.web.urls")),
]

# The Django admin (OTP required, every write audited: govit.core.admin_site) only where switched on;
# production settings never serve it.
if getattr(settings, "GOVIT_SERVE_DJANGO_ADMIN", False):
    urlpatterns.insert(1, path("admin/", admin.site.urls))
