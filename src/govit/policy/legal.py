"""Chinese legal numbers and dates: which words include the number, and how periods end.

民法典 第一千二百五十九条: 以上、以下、以内、届满 include the number; 不满、超过、以外 exclude it.
民法典 第二百零二条: a period of months or years ends on the corresponding day of the last month,
or on that month's last day when it has no such day.
"""

from __future__ import annotations

import calendar
from datetime import date

# The operator each legal term maps to; a pack's parameter carries the term of its text.
TERM_OPERATOR = {
    "以上": "at_least", "及以上": "at_least", "不少于": "at_least", "不低于": "at_least", "含": "at_least",
    "以下": "at_most", "及以下": "at_most", "以内": "at_most", "不超过": "at_most", "届满": "at_most",
    "超过": "over", "高于": "over", "以外": "over",
    "不满": "under", "低于": "under", "少于": "under",
    "等于": "eq",
}

_COMPARE = {
    "at_least": lambda value, n: value >= n,
    "at_most": lambda value, n: value <= n,
    "over": lambda value, n: value > n,
    "under": lambda value, n: value < n,
}


def compare(operator: str, value: float, threshold: float) -> bool:
    """Compare an amount with a threshold the way the legal term says (至多6位小数, 避免浮点误差)."""
    return _COMPARE[operator](round(value, 6), round(threshold, 6))


def add_months(start: date, months: int) -> date:
    """start + N months, clamped to the end of month: 2025-08-31 + 6 → 2026-02-28."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def quarter_end(day: date) -> date:
    """The last day of the quarter containing `day` (每季度末)."""
    month = ((day.month - 1) // 3 + 1) * 3
    return date(day.year, month, calendar.monthrange(day.year, month)[1])


def year_end(day: date) -> date:
    """12-31 of `day`'s year (每年年底前, 年度结束前)."""
    return date(day.year, 12, 31)


def next_annual(day: date, month: int, dom: int | str) -> date:
    """The next (month, day) on or after `day`; dom 'last' is the month's last day (10月底前)."""
    def on(year: int) -> date:
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last if dom == "last" else min(int(dom), last))

    this_year = on(day.year)
    return this_year if this_year >= day else on(day.year + 1)
