"""Template context shared by every page: the signed-in user's scope, navigation and counts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from govit.core.selectors import assignments_of
from govit.policy import vocabulary
from govit.web.navigation import audit_generation, nav_counts, nav_items_for


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from govit.core.models import ADMIN_ROLES
    from govit.notifications.selectors import unread_count

    assignments = assignments_of(user)
    roles = {a.role for a in assignments}
    jurisdictions = list(dict.fromkeys(a.jurisdiction for a in assignments))
    items = [(item, url) for item in nav_items_for(roles) if (url := item.url())]
    generation = audit_generation() if any(item.audited for item, _ in items) else None
    nav = [(item.label, url, nav_counts(item, user, generation)) for item, url in items]
    pack_id = next((j.pack_ids[0] for j in jurisdictions if j.pack_ids), None)
    return {
        "govit_pack_id": pack_id,
        "govit_terms": vocabulary.bodies(pack_id),  # the regulation's words for its bodies (区政数局, ...)
        "govit_assignments": assignments,
        "govit_jurisdictions": jurisdictions,
        "govit_nav": nav,
        "govit_nav_total": sum(count for _, _, count in nav),
        # 三员分立: the administrators do no business work, so they get no business notifications.
        "govit_show_notifications": bool(roles - ADMIN_ROLES),
        "govit_unread": unread_count(user),
        "govit_notifications_url": reverse("notifications:list"),
    }
