"""The Django admin site: second factor required, every write audited, not served in production.

`urls.py` mounts it only where `GOVIT_SERVE_DJANGO_ADMIN` is on (dev and test; production settings
force it off: emergency work goes through audited `govit` commands). Where it is served:
- it is django-otp's `OTPAdminSite`: only a user verified by a TOTP device in this session gets in;
- every request that may write (POST, PUT, PATCH, DELETE) is recorded in the audit chain with the
  path, the status and the admin log entries it produced, refused and failed attempts included.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django_otp.admin import OTPAdminSite

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class GovitAdminSite(OTPAdminSite):
    site_header = "govit 后台管理"
    site_title = "govit 后台管理"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def audited(request: Any, *args: Any, **kwargs: Any) -> Any:
            if request.method not in UNSAFE:
                return inner(request, *args, **kwargs)
            from django.contrib.admin.models import LogEntry

            before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = inner(request, *args, **kwargs)
            _audit(request, response.status_code, before)
            return response

        return audited


def _audit(request: Any, status: int, before: int) -> None:
    from django.contrib.admin.models import LogEntry

    from govit.core.net import client_ip
    from govit.core.services import audit_record

    user = request.user if getattr(request.user, "is_authenticated", False) else None
    changes = [{"action": e.get_action_flag_display() if hasattr(e, "get_action_flag_display") else e.action_flag,
                "model": e.content_type.model if e.content_type else "", "object_id": e.object_id or "",
                "object": (e.object_repr or "")[:100]}
               for e in LogEntry.objects.filter(pk__gt=before).select_related("content_type")[:50]]
    allowed = user is not None and user.is_staff and getattr(user, "is_verified", lambda: False)()
    outcome = "success" if changes else ("denied" if not allowed else "failure")
    audit_record(actor=user, action="admin.write", outcome=outcome, source_ip=client_ip(request),
                 details={"path": request.path[:200], "method": request.method, "status": status, "changes": changes})
