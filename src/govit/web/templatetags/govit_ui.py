"""Template helpers shared by every app's pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from govit.web.confirm import Confirmation

register = template.Library()


@register.simple_tag
def confirm_attrs(confirmation: Confirmation | None) -> str:
    """The data-confirm attributes that make a form open the confirmation dialog before it submits."""
    if confirmation is None:
        return ""
    return format_html('data-confirm="{}" data-confirm-detail="{}" data-confirm-ok="{}"',
                       confirmation.title, confirmation.detail, confirmation.ok)
