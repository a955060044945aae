"""Numbers that must agree: a year's funds within the total investment, cumulative at least this year's;
amounts shown in 万元 with two decimals and dates in one format."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import timezone

from govit.projects.forms import ProjectForm, ReportForm


def test_a_years_funds_cannot_exceed_the_total_investment() -> None:
    form = ProjectForm({"name": "平台", "total_investment_wan": "80", "planned_year": "2026", "planned_wan": "95.5"})
    assert not form.is_valid()
    assert form.errors["planned_wan"] == ["“该年度需要资金”（95.50 万元）不能超过“建设总投资”（80.00 万元）。"]
    within = ProjectForm({"name": "平台", "total_investment_wan": "80", "planned_year": "2026", "planned_wan": "80"})
    assert "planned_wan" not in within.errors


def test_the_cumulative_investment_is_at_least_this_years() -> None:
    data = {"kind": "quarterly", "period": "2026Q1", "year_investment_wan": "30", "total_investment_wan": "20",
            "funds_used_wan": "0"}
    form = ReportForm(data)
    assert not form.is_valid()
    assert form.errors["total_investment_wan"] == ["“累计完成投资”（20.00 万元）不能少于“当年完成投资”（30.00 万元）。"]
    assert form["year_investment_wan"].value() == "30"  # what was typed is kept
    assert "total_investment_wan" not in ReportForm({**data, "total_investment_wan": "30"}).errors


def _render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_amounts_in_wan_with_two_decimals_and_one_date_format() -> None:
    assert _render("{{ a|wan }}", a=1234.5) == "1,234.50"
    assert _render("{{ a|wan }}", a=Decimal("80")) == "80.00"
    assert _render("{{ a|wan }}", a=None) == "—"
    assert _render("{{ d|date }}", d=date(2026, 3, 31)) == "2026-03-31"
    moment = timezone.make_aware(datetime(2026, 3, 31, 9, 5))
    assert _render("{{ d }}", d=moment) == "2026-03-31 09:05"
    assert _render("{{ d|ymd }}", d=date(2026, 3, 31)) == "2026-03-31"
    assert _render("{{ n|article }}", n=14) == "第十四条"
