"""Values written to exports (XLSX, CSV, DOCX) from data already in the database.

Rows stored before the input bounds (or written by SQL) may hold NaN, 1e300, NUL and other control
characters, lone surrogates or bidi overrides. XML-based formats (XLSX, DOCX) refuse such characters
and would fail the whole download; a spreadsheet would also evaluate a leading `=`. Every exported
value goes through here, so an export never fails on content.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from govit import bounds

_FORMULA_START = ("=", "+", "-", "@")


def text(value: Any) -> str:
    """Any value as export-safe text (no control/bidi/surrogate characters; NaN and ±inf → empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, Decimal) and not value.is_finite():
        return ""
    return bounds.clean_text(value if isinstance(value, str) else str(value))


def number(value: Any) -> str:
    """A stored number for display: `%g`, empty when not a finite number."""
    try:
        figure = float(value)
    except (TypeError, ValueError, OverflowError):
        return text(value)
    return f"{figure:g}" if math.isfinite(figure) else ""


def cell(value: Any) -> Any:
    """One spreadsheet cell (XLSX or CSV): numbers stay numbers when finite, text is cleaned and a
    leading formula character is neutralised."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        figure = float(value)
        if not math.isfinite(figure):
            return ""
        return value if abs(figure) < 1e15 else f"{figure:g}"  # beyond a spreadsheet's precision
    cleaned = text(value)
    return "'" + cleaned if cleaned.startswith(_FORMULA_START) else cleaned
