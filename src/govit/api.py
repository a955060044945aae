"""The REST API root at /api/v1 (django-ninja). Every app's router is mounted here, in one place.

To add an app's endpoints, append one line below, e.g.:

    api.add_router("/policy", "govit.policy_api.api.router")

A router may be given as an object or an import path string (imported when URLs are built).
All routes require a signed-in session (CSRF-checked) or an `Authorization: Bearer gvt_…` token
unless a route says otherwise with `auth=None`.

Errors: every error under /api/v1 has one JSON shape (`code`, `detail`, `field`, `citations`,
`missing`); the handlers registered here, `govit.core.api_errors.ApiErrorMiddleware` and the error
responses added to the OpenAPI document all come from govit.core.api_errors. Raise a
`govit.projects.errors.DomainError` (or let a missing object's DoesNotExist propagate) — never
build an error response by hand.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from govit.core import api_errors, api_openapi
from govit.core.api_auth import API_AUTH


class Utf8JSONRenderer(JSONRenderer):
    """JSON with the Chinese text readable as is (`ensure_ascii=False`)."""

    json_dumps_params = {"ensure_ascii": False}


class GovitAPI(NinjaAPI):
    """operationIds are `<tag>_<verb>` (snake_case ASCII, e.g. `projects_create`, `projects_transition_submit`);
    tags are ASCII with the Chinese name as their description (api_openapi.TAGS)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return api_openapi.document_errors(super().get_openapi_schema(*args, **kwargs))

    def get_openapi_operation_id(self, operation: Any) -> str:
        tags = list(operation.tags or [])
        return api_openapi.operation_id(tags[0] if tags else "core", operation.view_func.__name__)


api = GovitAPI(
    title="govit API",
    version="1",
    description="政务信息化项目全生命周期管理平台 接口。错误的统一格式与错误代码见 docs/api.md。",
    auth=API_AUTH,
    urls_namespace="api-1",
    renderer=Utf8JSONRenderer(),
)
api_errors.install(api)

api.add_router("", "govit.core.api.router")
api.add_router("/policy", "govit.regulations.api.router")
api.add_router("/projects", "govit.projects.api.router")
api.add_router("/opinion-tasks", "govit.reviews.api.router")
api.add_router("/plans", "govit.planning.api.router")
api.add_router("/notifications", "govit.notifications.api.router")
api.add_router("/experts", "govit.experts.api.router")
api.add_router("/supervision", "govit.supervision.api.router")
api.add_router("/events", "govit.integrations.api.events_router")
api.add_router("/webhooks", "govit.integrations.api.webhooks_router")
api.add_router("/analysis", "govit.analysis.api.router")
