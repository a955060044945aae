"""Three-valued conditions: missing facts are never a silent pass."""

from datetime import date

import pytest

from govit.policy.conditions import Context, evaluate
from govit.policy.derived import DERIVED


def ctx(project=None, unit=None, params=None):
    return Context({"project": project or {}, "unit": unit or {}}, params or {}, date(2026, 11, 21), DERIVED)


def test_absent_fact_is_unknown_and_named():
    out = evaluate({"fact": "project.on_gov_cloud", "is": False}, ctx())
    assert out.value is None
    assert out.missing == {"on_gov_cloud"}


def test_absent_default_for_trigger_facts():
    assert evaluate({"fact": "project.contains", "any_of": ["machine_room"], "absent": False}, ctx()).value is False


@pytest.mark.parametrize(("a", "b", "expected"), [
    (True, True, True), (True, False, False), (False, None, False), (True, None, None), (None, None, None)])
def test_kleene_and(a, b, expected):
    project = {k: v for k, v in (("x", a), ("y", b)) if v is not None}
    cond = {"all": [{"fact": "project.x", "is": True}, {"fact": "project.y", "is": True}]}
    assert evaluate(cond, ctx(project)).value is expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    (False, False, False), (True, None, True), (False, None, None), (None, None, None)])
def test_kleene_or(a, b, expected):
    project = {k: v for k, v in (("x", a), ("y", b)) if v is not None}
    cond = {"any": [{"fact": "project.x", "is": True}, {"fact": "project.y", "is": True}]}
    assert evaluate(cond, ctx(project)).value is expected


def test_false_conjunct_clears_missing():
    cond = {"all": [{"fact": "project.category", "eq": "new"}, {"fact": "project.on_gov_cloud", "is": False}]}
    out = evaluate(cond, ctx({"category": "operation"}))
    assert out.value is False and not out.missing


def test_parameter_threshold_and_ratio_of_an_amount():
    params = {"limit": {"value": 0.10}}
    cond = {"fact": "project.annual_om_wan", "over": {"param": "limit", "times": "project.total_investment_wan"}}
    assert evaluate(cond, ctx({"annual_om_wan": 11, "total_investment_wan": 100}, params=params)).value is True
    assert evaluate(cond, ctx({"annual_om_wan": 10, "total_investment_wan": 100}, params=params)).value is False
    assert evaluate(cond, ctx({"annual_om_wan": 10}, params=params)).missing == {"total_investment_wan"}


def test_subset_of_needs_a_non_empty_list():
    cond = {"fact": "project.funding_sources", "subset_of": ["self_raised"]}
    assert evaluate(cond, ctx({"funding_sources": []})).value is False
    assert evaluate(cond, ctx({"funding_sources": ["self_raised"]})).value is True
    assert evaluate(cond, ctx({"funding_sources": ["self_raised", "local_fiscal"]})).value is False


def test_date_after_and_before():
    project = {"dates": {"approved": date(2025, 11, 20), "trial_started": date(2026, 1, 31),
                         "accepted": date(2026, 4, 29)}}
    assert evaluate({"after": {"date": "project.dates.approved", "add_months": 12}}, ctx(project)).value is True
    before = {"before": {"fact": "project.dates.accepted", "date": "project.dates.trial_started", "add_months": 3}}
    # 2026-01-31 + 3 months = 2026-04-30 (clamped); accepted on 04-29 is before it.
    assert evaluate(before, ctx(project)).value is True


def test_derived_change_ratio_excludes_procurement_savings():
    project = {"total_investment_wan": 100,
               "change": {"increase_wan": 5, "decrease_wan": 25, "procurement_savings_wan": 12}}
    assert evaluate({"fact": "derived.change_ratio", "at_most": 0.13}, ctx(project)).value is True
    assert evaluate({"fact": "derived.change_ratio", "under": 0.13}, ctx(project)).value is False
    assert evaluate({"fact": "derived.change_exceeds_estimate", "is": False}, ctx(project)).value is True
