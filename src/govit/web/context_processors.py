"""Template context shared by every page: the signed-in user's scope and navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from govit.core.selectors import role_assignments_of
from govit.web.navigation import nav_items_for


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignments = list(role_assignments_of(user))
    roles = {a.role for a in assignments}
    jurisdictions = list(dict.fromkeys(a.jurisdiction for a in assignments))
    nav = [(item.label, url) for item in nav_items_for(roles) if (url := item.url())]
    return {
        "govit_assignments": assignments,
        "govit_jurisdictions": jurisdictions,
        "govit_nav": nav,
    }
