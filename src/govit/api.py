"""The REST API root at /api/v1 (django-ninja). Every app's router is mounted here, in one place.

To add an app's endpoints, append one line below, e.g.:

    api.add_router("/policy", "govit.policy_api.api.router")

A router may be given as an object or an import path string (imported when URLs are built).
All routes require a signed-in session (CSRF-checked) or an `Authorization: Bearer gvt_…` token
unless a route says otherwise with `auth=None`.
"""

from __future__ import annotations

from ninja import NinjaAPI

from govit.core.api_auth import API_AUTH

api = NinjaAPI(
    title="govit API",
    version="1",
    description="政务信息化项目全生命周期管理平台 接口",
    auth=API_AUTH,
    urls_namespace="api-1",
)

api.add_router("", "govit.core.api.router")
api.add_router("/policy", "govit.regulations.api.router")
api.add_router("/projects", "govit.projects.api.router")
api.add_router("/opinion-tasks", "govit.reviews.api.router")
api.add_router("/plans", "govit.planning.api.router")
api.add_router("/notifications", "govit.notifications.api.router")
api.add_router("/experts", "govit.experts.api.router")
api.add_router("/supervision", "govit.supervision.api.router")
