"""Engine semantics on the fixture pack `sample-2025` (a made-up regulation)."""

from govit.policy import evaluate

BASE = {"pack": "sample-2025", "as_of": "2025-06-01"}


def run(project=None, unit=None, **kw):
    return evaluate({**BASE, **kw, "project": project or {}, "unit": unit or {}})


def test_missing_fact_makes_the_verdict_incomplete_and_names_it():
    out = run({"category": "new", "total_investment_wan": 10, "funding_sources": ["local_fiscal"]})
    assert out["verdict"] == "incomplete"
    missing = [f for f in out["findings"] if f["severity"] == "missing"]
    assert missing[0]["missing_facts"] == ["on_gov_cloud"]
    assert missing[0]["citation"] == {"pack": "sample-2025", "article": 4, "item": 2}


def test_block_wins_over_missing():
    out = run({"category": "new", "contains": ["machine_room"]})
    assert out["verdict"] == "blocked"


def test_exception_article_relaxes_a_block_and_cites_both():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 80, "contains": ["machine_room"],
               "mandated_by_higher_level": True, "industry_dept_approved": True})
    assert out["verdict"] == "eligible"
    finding = next(f for f in out["findings"] if f["rule"].endswith("machine-room"))
    assert finding["severity"] == "warn"
    assert finding["citation"]["article"] == 5
    assert finding["citations"] == [{"pack": "sample-2025", "article": 4, "item": 1}]


def test_overlapping_articles_produce_a_conflict_and_the_stricter_route():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 50})
    conflict = [f for f in out["findings"] if f["severity"] == "conflict"]
    assert len(conflict) == 1
    assert {c["article"] for c in [conflict[0]["citation"], *conflict[0]["citations"]]} == {2, 3}
    assert out["determinations"]["review_route"]["value"] == "joint_review"
    assert out["verdict"] == "eligible"


def test_no_conflict_either_side_of_the_threshold():
    for amount, route in ((49.99, "exempt"), (50.01, "joint_review")):
        out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
                   "total_investment_wan": amount})
        assert out["determinations"]["review_route"]["value"] == route
        assert not [f for f in out["findings"] if f["severity"] == "conflict"]


def test_out_of_scope_skips_rules():
    out = run({"classified": True, "contains": ["machine_room"]})
    assert out["verdict"] == "eligible"
    assert out["determinations"]["in_scope"]["value"] is False
    assert out["determinations"]["review_route"]["value"] == "not_applicable"


def test_reference_scope_still_applies_rules():
    out = run({"funding_sources": ["self_raised"], "contains": ["machine_room"], "category": "operation"})
    assert out["determinations"]["in_scope"]["value"] is False
    assert out["verdict"] == "blocked"


def test_expired_pack_still_evaluates_with_a_warning():
    out = run({"classified": True}, as_of="2026-11-21")
    assert out["pack"]["status"] == "expired"
    warn = [f for f in out["findings"] if f["rule"].endswith("validity/expired")]
    assert warn and warn[0]["severity"] == "warn" and warn[0]["citation"]["article"] == 9


def test_not_yet_in_force():
    out = run({"classified": True}, as_of="2024-12-31")
    assert out["pack"]["status"] == "not_yet_in_force"


def test_days_left_while_in_force():
    out = run({"classified": True}, as_of="2026-01-06")
    assert out["pack"]["days_left"] == 10


def test_deadlines_are_computed_with_month_end_clamping():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 10,
               "dates": {"approved": "2024-11-30", "completed": "2025-08-31", "accepted": "2025-08-31",
                         "go_live": "2025-08-31"}}, as_of="2025-12-01")
    deadlines = {d["code"]: d for d in out["determinations"]["deadlines"]["value"]}
    assert deadlines["acceptance_application_due"]["due"] == "2026-02-28"
    assert deadlines["acceptance_application_due"]["status"] == "met"
    assert deadlines["self_evaluation_window"]["from"] == "2026-02-28"
    assert deadlines["self_evaluation_window"]["until"] == "2026-08-31"
    assert deadlines["procurement_start_due"]["status"] == "overdue"
    assert "progress_report_due" not in deadlines


def test_procurement_lapse_blocks():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 10, "dates": {"approved": "2024-05-31"}})
    assert out["verdict"] == "blocked"
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 10, "dates": {"approved": "2024-06-01"}})
    assert out["verdict"] == "eligible"  # 2024-06-01 + 12 months = 2025-06-01: not yet after it


def test_change_route_and_ratio():
    project = {"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 100}
    ok = run({**project, "change": {"increase_wan": 15, "decrease_wan": 15}})
    assert ok["determinations"]["change_route"]["value"] == "self_adjust_and_file"
    assert ok["determinations"]["change_ratio"]["value"] == 0.15
    over = run({**project, "change": {"increase_wan": 15.5, "decrease_wan": 20}})
    assert over["determinations"]["change_route"]["value"] == "full_reapproval"
    none = run(project)
    assert "change_route" not in none["determinations"]


def test_union_of_bodies_in_canonical_order():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 80, "contains": ["machine_room"]})
    assert out["determinations"]["review_bodies"]["value"] == ["data_bureau", "secrecy_crypto", "experts"]


def test_trace_records_facts_and_parameters():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "total_investment_wan": 80})
    entry = next(t for t in out["trace"] if t["name"] == "review_route/joint-review")
    assert entry["facts"] == {"total_investment_wan": 80.0}
    assert entry["parameters"] == {"joint_review_min_wan": 50}
    assert out["pack"]["digest"].startswith("sha256:")


def test_missing_determination_cites_the_undecidable_case():
    out = run({"category": "operation", "funding_sources": ["local_fiscal"]})
    missing = next(f for f in out["findings"] if f["rule"].endswith("determination/review_route"))
    assert {c["article"] for c in [missing["citation"], *missing.get("citations", [])]} == {2, 3}
    assert missing["missing_facts"] == ["total_investment_wan"]


def test_otherwise_never_overrides_a_matching_case():
    ok = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
              "total_investment_wan": 100, "change": {"increase_wan": 1, "decrease_wan": 1}})
    assert ok["determinations"]["change_route"]["value"] == "self_adjust_and_file"


def test_union_with_an_undecidable_case_says_it_may_be_short():
    out = run({"category": "new", "on_gov_cloud": True, "funding_sources": ["local_fiscal"],
               "contains": ["machine_room"]})
    assert out["determinations"]["review_bodies"]["value"] == ["data_bureau", "secrecy_crypto"]
    assert any(f["rule"].endswith("determination/review_bodies") and f["severity"] == "missing"
               for f in out["findings"])


def test_a_determination_value_can_raise_a_finding():
    base = {"category": "operation", "funding_sources": ["local_fiscal"], "total_investment_wan": 10}
    denied = run({**base, "on_gov_cloud": False})
    assert denied["determinations"]["om_funding"]["value"] == "denied"
    raised = next(f for f in denied["findings"] if f["rule"].endswith("om_funding/denied"))
    assert raised["severity"] == "block" and raised["citation"]["article"] == 4
    assert denied["verdict"] == "blocked"
    allowed = run({**base, "on_gov_cloud": True})
    assert allowed["determinations"]["om_funding"]["value"] == "allowed"
    assert allowed["verdict"] == "eligible"
