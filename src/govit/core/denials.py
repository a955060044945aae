"""Object-level denials are audited (等保 2.0 8.1.4.3 安全审计 a：重要的用户行为).

A signed-in user who asks for an object outside their scope — another jurisdiction's expert, project
or draw — gets 404 (the platform does not tell "absent" from "not yours"). `DenialAuditMiddleware`
records each such 404 on a URL that names an object (a `pk`/`*_id` URL parameter) as `access.denied`
with the source address, for the web pages and the API alike.

Throttled per user so a scanner can not flood the log: at most GOVIT_DENIAL_AUDIT_LIMIT entries per
user per GOVIT_DENIAL_AUDIT_WINDOW seconds (defaults 20 / 600); the entry that reaches the limit says
so ("suppressed_after"), and the next window starts recording again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]


def _object_kwargs(request: HttpRequest) -> dict[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {}
    return {k: str(v)[:40] for k, v in match.kwargs.items() if k == "pk" or k.endswith("_id") or k == "id"}


def record_denial(request: HttpRequest, *, reason: str, objects: dict[str, str] | None = None) -> bool:
    """Audit one object-level denial, unless the user's quota for the window is used up."""
    from govit.core.models import AuditOutcome
    from govit.core.net import client_ip
    from govit.core.services import audit_record

    user = request.user
    limit = int(getattr(settings, "GOVIT_DENIAL_AUDIT_LIMIT", 20))
    window = int(getattr(settings, "GOVIT_DENIAL_AUDIT_WINDOW", 600))
    key = f"govit:denials:{user.pk}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    if count > limit:
        return False
    details = {"path": request.path[:200], "method": request.method, "reason": reason, "objects": objects or {}}
    if count == limit:
        details["suppressed_after"] = f"本用户 {window} 秒内的后续越权访问不再逐条记录"
    audit_record(actor=user, action="access.denied", outcome=AuditOutcome.DENIED, source_ip=client_ip(request),
                 details=details)
    return True


class DenialAuditMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            objects = _object_kwargs(request)
            if objects:
                record_denial(request, reason="对象不存在或不在可见范围内", objects=objects)
        return response
