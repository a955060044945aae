"""The one input-bounds layer: amounts, dates and text, shared by Django forms, the API schemas and the
policy facts. Pure Python + pydantic (no Django), so `govit.policy` can use it.

- Amounts (万元): finite, ≥ 0, at most 10^7 万元 (1 000 亿元), at most 4 decimals;
- other numbers: finite and within ±10^9 (integers within ±2^53);
- dates: 2000-01-01 .. 2100-12-31, and a pair (start, end) in order;
- text: control characters (C0 and C1, NUL included; tab and line breaks kept in multi-line text),
  lone surrogates, bidi overrides / isolates / marks and other format characters are removed, and
  the length is limited.

`check_*` raise `BoundsError` (a ValueError) with a Chinese message that says what is allowed; the
caller names the field. `sanitise` is the output side: it makes anything already stored (NaN,
1e300, NUL …) safe to render or export, never raising.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

AMOUNT_MAX_WAN = 10**7
AMOUNT_PLACES = 4
NUMBER_MAX = 10**9
INT_MAX = 2**53
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
TEXT_MAX = 20000  # a multi-line text field (建设内容 …)
LINE_MAX = 500  # a one-line text field (名称 …), unless a field says otherwise

# Bidi embeddings/overrides/isolates and marks: they reorder what a reader sees (Trojan Source).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_KEPT_MULTILINE = "\t\n"
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BoundsError(ValueError):
    """A value outside the bounds; the message is Chinese and says what is allowed. `path` names the
    key inside a nested value (``change.increase_wan``), empty for the value itself."""

    def __init__(self, message: str, path: str = "") -> None:
        self.reason = message
        self.path = path
        super().__init__(f"{path}：{message}" if path else message)


# --- text ---------------------------------------------------------------------------------------


def _dropped(ch: str, multiline: bool) -> bool:
    if ch in _BIDI:
        return True
    category = unicodedata.category(ch)
    if category == "Cc":
        return not (multiline and ch in _KEPT_MULTILINE)
    # Cs: lone surrogates; Cf: format characters (zero-width, bidi, BOM …) except ZWJ/ZWNJ. Private-use
    # characters stay: some sites encode rare characters of personal names (生僻字) there.
    if category == "Cs":
        return True
    return category == "Cf" and ch not in "\u200c\u200d"


def storable(value: Any) -> Any:
    """`value` (text, or dicts and lists of it) with NUL and lone surrogates replaced by U+FFFD.

    For records of what was attempted (audit entries): PostgreSQL can store neither character, and
    unlike `clean_text` nothing is dropped, so the record still shows that something was there."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def clean_text(value: str, *, multiline: bool = True) -> str:
    """`value` without control, surrogate, bidi and format characters; CR LF become LF; stripped."""
    if not isinstance(value, str):
        return value
    text = _SURROGATE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    if any(_dropped(ch, multiline) for ch in text):
        text = "".join(ch for ch in text if not _dropped(ch, multiline))
    return text.strip()


def check_text(value: Any, *, max_length: int = TEXT_MAX, multiline: bool = True) -> Any:
    if not isinstance(value, str):
        return value
    text = clean_text(value, multiline=multiline)
    if len(text) > max_length:
        raise BoundsError(f"长度不能超过 {max_length} 个字符（现有 {len(text)} 个）")
    return text


# --- numbers ------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def check_amount(value: Any) -> Any:
    """A sum in 万元: finite, not negative, ≤ 10^7 万元, ≤ 4 decimals. None passes."""
    if value is None:
        return None
    number = _decimal(value)
    if number is None or not number.is_finite():
        raise BoundsError("应为有限的数字（单位：万元）")
    if number < 0:
        raise BoundsError("不能为负数")
    if number > AMOUNT_MAX_WAN:
        raise BoundsError(f"不能超过 {AMOUNT_MAX_WAN:,} 万元（1 000 亿元）")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_PLACES:
        raise BoundsError(f"最多保留 {AMOUNT_PLACES} 位小数（万元）")
    return value


def check_number(value: Any) -> Any:
    """Any other number: finite and within ±10^9 (an integer within ±2^53). None passes."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            raise BoundsError("数值超出允许范围")
        return value
    number = _decimal(value)
    if number is None or not number.is_finite():
        raise BoundsError("应为有限的数字")
    if abs(number) > NUMBER_MAX:
        raise BoundsError(f"数值超出允许范围（绝对值不超过 {NUMBER_MAX:,}）")
    return value


# --- dates --------------------------------------------------------------------------------------


def check_date(value: Any) -> Any:
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not DATE_MIN <= day <= DATE_MAX:
        raise BoundsError(f"日期应在 {DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()} 之间")
    return value


def check_order(start: Any, end: Any, start_label: str = "开始日期", end_label: str = "结束日期") -> None:
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise BoundsError(f"{end_label}不能早于{start_label}")


# Pairs of field names that must be in order wherever both appear (forms and schemas).
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("start", "end"), ("starts_on", "ends_on"), ("start_date", "end_date"), ("date_from", "date_to"),
    ("since", "until"), ("from_date", "to_date"),
    ("period_start", "period_end"), ("valid_from", "valid_until"),
)


def check_pairs(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every ordered pair present in `values` whose end is before its start."""
    problems = []
    for first, second in ORDERED_PAIRS:
        try:
            check_order(values.get(first), values.get(second), first, second)
        except BoundsError:
            problems.append((second, f"不能早于 {first}"))
    return problems


# --- by field name: one rule for forms and schemas ----------------------------------------------


def is_amount_field(name: str) -> bool:
    return name.endswith("_wan") or name in ("amount", "budget")


def check_value(name: str, value: Any, *, max_length: int | None = None, multiline: bool = True) -> Any:
    """Apply the rule for a field called `name` to an already-parsed value (recursing into lists/dicts)."""
    if isinstance(value, str):
        return check_text(value, max_length=max_length or TEXT_MAX, multiline=multiline)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return check_amount(value) if is_amount_field(name) else check_number(value)
    if isinstance(value, (date, datetime)):
        return check_date(value)
    if isinstance(value, list):
        return [check_value(name, item, max_length=max_length, multiline=multiline) for item in value]
    if isinstance(value, tuple):
        return tuple(check_value(name, item, max_length=max_length, multiline=multiline) for item in value)
    if isinstance(value, dict):
        checked = {}
        for key, item in value.items():
            try:
                checked[check_text(key, max_length=LINE_MAX, multiline=False) if isinstance(key, str) else key] = \
                    check_value(str(key), item, multiline=multiline)
            except BoundsError as exc:  # name the key inside: change.increase_wan
                raise BoundsError(exc.reason, f"{key}.{exc.path}" if exc.path else str(key)) from None
        return checked
    return value


# --- the output side ----------------------------------------------------------------------------


def sanitise(value: Any) -> Any:
    """Make stored data safe to render or export: text cleaned, non-finite numbers → None. Never raises."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, list):
        return [sanitise(item) for item in value]
    if isinstance(value, tuple):
        return tuple(sanitise(item) for item in value)
    if isinstance(value, dict):
        return {sanitise(k): sanitise(v) for k, v in value.items()}
    return value


# --- pydantic annotated types -------------------------------------------------------------------


def _reject_non_finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise BoundsError("应为有限的数字")
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        raise BoundsError("应为有限的数字")
    return value


Amount = Annotated[float, BeforeValidator(_reject_non_finite), AfterValidator(check_amount)]
Number = Annotated[float, BeforeValidator(_reject_non_finite), AfterValidator(check_number)]
BoundedDate = Annotated[date, AfterValidator(check_date)]


def _line(max_length: int) -> Any:
    return AfterValidator(lambda v: check_text(v, max_length=max_length, multiline=False))


def _multi(max_length: int) -> Any:
    return AfterValidator(lambda v: check_text(v, max_length=max_length, multiline=True))


Line = Annotated[str, _line(LINE_MAX)]
Text = Annotated[str, _multi(TEXT_MAX)]
