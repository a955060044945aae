"""Filters every template may use without `{% load %}` (registered as builtins in settings):

- `{{ amount|wan }}` — an amount in 万元 with two decimals and thousands separators (1,234.50), “—” if none;
- `{{ value|ymd }}` — a date (or datetime, in local time) in the one format of the product, 2026-03-31;
- `{{ number|article }}` — an article number as the regulations write it, 第十四条;
- `{{ "lead_office"|term:pack_id }}` — the regulation's word for a body under a pack (区政数局);
- `{{ code|pack_label:pack_id }}` — a pack's label of a document code or custom determination.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone

from govit.policy import numerals, vocabulary

register = template.Library()


def format_wan(value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount.quantize(Decimal('0.01')):,.2f}"


@register.filter
def wan(value: Any) -> str:
    return format_wan(value)


@register.filter
def ymd(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@register.filter
def article(value: Any) -> str:
    try:
        return numerals.article_label(value)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def term(key: str, pack_id: str | None) -> str:
    return vocabulary.term(pack_id, key)


@register.filter
def pack_label(code: str, pack_id: str | None) -> str:
    return vocabulary.pack_label(pack_id, code)


@register.filter
def pack_words(text: str, pack_id: str | None) -> str:
    """A generic message in the pack's own words (领导小组办公室 → 区政数局 under 昆都仑)."""
    return vocabulary.in_pack_words(str(text), pack_id)


@register.filter
def doc_name(material: Any, pack_id: str | None) -> str:
    """An uploaded material's document name in the pack's words (通州 档案验收报告), else the platform's."""
    return vocabulary.pack_label(pack_id, material.doc_code, material.get_doc_code_display())
