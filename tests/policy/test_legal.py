"""Legal numbers (民法典 第一千二百五十九条) and periods (第二百零二条)."""

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from govit.policy.legal import TERM_OPERATOR, add_months, compare, next_annual, quarter_end, year_end


def test_terms_that_include_the_number():
    for term in ("以上", "以下", "以内", "及以上", "及以下", "不超过", "不少于"):
        assert compare(TERM_OPERATOR[term], 50, 50), term


def test_terms_that_exclude_the_number():
    for term in ("超过", "不满", "低于"):
        assert not compare(TERM_OPERATOR[term], 50, 50), term


def test_legal_terms_around_the_threshold():
    assert compare("over", 50.01, 50) and not compare("over", 50, 50)
    assert compare("under", 29.99, 30) and not compare("under", 30, 30)


def test_month_end_clamps():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 28), 24) == date(2026, 12, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


def test_periodic_dates():
    assert quarter_end(date(2026, 11, 21)) == date(2026, 12, 31)
    assert quarter_end(date(2026, 4, 1)) == date(2026, 6, 30)
    assert year_end(date(2026, 1, 1)) == date(2026, 12, 31)
    assert next_annual(date(2026, 11, 21), 10, "last") == date(2027, 10, 31)
    assert next_annual(date(2026, 10, 31), 10, "last") == date(2026, 10, 31)
    assert next_annual(date(2026, 1, 5), 11, 30) == date(2026, 11, 30)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 240))
def test_add_months_lands_in_the_right_month_never_past_the_day(start, months):
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day <= start.day
    # Only a missing day moves the date, and then it is that month's last day.
    if end.day < start.day:
        assert end.day == calendar.monthrange(end.year, end.month)[1]
