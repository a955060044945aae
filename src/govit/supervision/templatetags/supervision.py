"""`{% load supervision %}{% unit_sanctions %}`: the active restrictions of the signed-in applicant's unit."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("supervision/_unit_sanctions.html", takes_context=True)
def unit_sanctions(context: dict[str, Any]) -> dict[str, Any]:
    from govit.supervision.selectors import unit_sanctions_for

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"sanctions": unit_sanctions_for(user) if user is not None and user.is_authenticated else []}
