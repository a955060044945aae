"""Top-level URL map: web UI, /api/v1, Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from govit.api import api

admin.site.site_header = "govit 后台管理"
admin.site.site_title = "govit 后台管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("regulations/", include("govit.regulations.urls")),
    path("projects/", include("govit.projects.urls")),
    path("reviews/", include("govit.reviews.urls")),
    path("plans/", include("govit.planning.urls")),
    path("experts/", include("govit.experts.urls")),
    path("accounts/", include("govit.accounts.urls")),
    path("supervision/", include("govit.supervision.urls")),
    path("", include("govit.web.urls")),
]
