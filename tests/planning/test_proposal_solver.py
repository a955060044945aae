"""The proposal's selection is exact (not greedy) within the budget, mandatory items are always in,
and the score comes from the pack term by term (通州 第七条 「先急后缓、量力而行」; 昌吉 第十一条)."""

from __future__ import annotations

import itertools
import random

import pytest

from govit.planning.proposal import scoring, solver
from govit.policy import load_pack


def _brute_force(items: list[solver.Item], budget: float) -> float:
    fixed = [i for i in items if i.mandatory]
    free = [i for i in items if not i.mandatory]
    left = budget - sum(i.amount_wan for i in fixed)
    best = 0.0
    for r in range(len(free) + 1):
        for combo in itertools.combinations(free, r):
            if sum(i.amount_wan for i in combo) <= left + 1e-9:
                best = max(best, sum(i.score for i in combo))
    return round(best + sum(i.score for i in fixed), 4)


def test_exact_selection_beats_greedy_where_greedy_is_not_optimal() -> None:
    # 量力而行 with 100 万元: greedy takes the best score per 万元 (A) and then nothing else fits;
    # B + C use the money fully and score more.
    items = [solver.Item("A", 51, 60), solver.Item("B", 50, 50), solver.Item("C", 50, 50)]
    exact = solver.solve(items, 100)
    greedy = solver.greedy(items, 100)
    assert sorted(exact.selected) == ["B", "C"] and exact.total_score == 100 and exact.optimal
    assert greedy.selected == ["A"] and greedy.total_score == 60


@pytest.mark.parametrize("seed", range(12))
def test_selection_is_optimal_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    items = [solver.Item(str(i), round(rng.uniform(5, 120), 2), round(rng.uniform(1, 60), 1),
                         mandatory=rng.random() < 0.15) for i in range(11)]
    budget = round(sum(i.amount_wan for i in items) * rng.uniform(0.2, 0.6), 2)
    result = solver.solve(items, budget)
    chosen = [i for i in items if i.key in result.selected]
    assert sum(i.amount_wan for i in chosen) <= budget + 1e-6
    if not result.mandatory_over_budget:
        assert all(i.key in result.selected for i in items if i.mandatory)
        assert result.total_score == pytest.approx(_brute_force(items, budget), abs=1e-6)
    assert result.total_score >= solver.greedy(items, budget).total_score - 1e-9


def test_mandatory_items_are_in_even_when_they_leave_nothing() -> None:
    items = [solver.Item("续建", 90, 5, mandatory=True), solver.Item("新建", 20, 50)]
    result = solver.solve(items, 100)
    assert result.selected == ["续建"] and result.total_wan == 90 and not result.mandatory_over_budget


def test_the_budget_holds_even_when_mandatory_items_exceed_it() -> None:
    """量力而行 (通州 第七条): the best mandatory items within the money, the rest of it to others."""
    items = [solver.Item("续建1", 60, 30, mandatory=True), solver.Item("续建2", 50, 20, mandatory=True),
             solver.Item("续建3", 45, 25, mandatory=True), solver.Item("新建", 10, 1)]
    result = solver.solve(items, 100)
    assert result.mandatory_over_budget and result.total_wan <= 100
    assert sorted(result.selected) == ["续建2", "续建3"]
    assert result.total_score == 45  # 续建2 + 续建3 (45, 95 万) beats 续建1 + 新建 (31, 70 万)
    assert solver.greedy(items, 100).total_wan <= 100


def test_urgent_project_scores_above_an_otherwise_identical_normal_one() -> None:
    """通州 第七条: 先急后缓."""
    spec = load_pack("tongzhou-2023").data["plan_priority"]
    assert spec["citation"]["article"] == 7
    urgent, urgent_terms = scoring.score(spec, {"urgency": "urgent", "nature": "new"})
    normal, _ = scoring.score(spec, {"urgency": "normal", "nature": "new"})
    assert urgent > normal
    assert {t.key for t in urgent_terms} == {"base", "urgent"}
    assert sum(t.value for t in urgent_terms) == urgent
    # The lead office's weight multiplies the term, shown with it.
    doubled, terms = scoring.score(spec, {"urgency": "urgent"}, {"urgent": 2})
    term = next(t for t in terms if t.key == "urgent")
    assert term.weight == 2 and term.value == 2 * term.points and doubled == urgent + term.points


def test_continuing_and_higher_level_projects_are_mandatory_in_tongzhou() -> None:
    spec = load_pack("tongzhou-2023").data["plan_priority"]
    assert scoring.mandatory_reasons(spec, {"nature": "continuing"})
    assert scoring.mandatory_reasons(spec, {"mandated_by_higher_level": True})
    assert not scoring.mandatory_reasons(spec, {"nature": "new", "mandated_by_higher_level": False})


def test_changji_supports_shared_foundation_and_mandated_projects() -> None:
    """昌吉 第十一条（一）基础性资源共享、（二）国家或自治区要求建设的 给予重点支持."""
    spec = load_pack("changji-2025").data["plan_priority"]
    base, _ = scoring.score(spec, {"contains": ["network"]})
    shared, terms = scoring.score(spec, {"contains": ["public_support_platform"]})
    assert shared > base
    assert next(t for t in terms if t.key == "shared_foundation").citation == {"article": 11, "item": 1}
    mandated = scoring.mandatory_reasons(spec, {"mandated_by_higher_level": True})
    assert mandated and mandated[0]["citation"] == {"article": 11, "item": 2}


def test_preliminary_score_counts_per_ten_points() -> None:
    spec = load_pack("tongzhou-2023").data["plan_priority"]
    low, _ = scoring.score(spec, {"preliminary_score": 60})
    high, _ = scoring.score(spec, {"preliminary_score": 90})
    assert high - low == pytest.approx(6.0)


@pytest.mark.parametrize("pack_id", ["tongzhou-2023", "kundulun-2024", "bazhong-2022", "changji-2025"])
def test_every_priority_term_and_document_check_cites_an_existing_article(pack_id: str) -> None:
    pack = load_pack(pack_id)
    spec = pack.data["plan_priority"]
    citations = [spec["citation"], *(t["citation"] for t in spec["terms"]), *(m["citation"] for m in spec["mandatory"])]
    for check in (pack.data.get("document_checks") or {}).values():
        citations += [check["citation"], *([check["sharing_citation"]] if "sharing_citation" in check else [])]
        assert check["outline"] in pack.data["outlines"]
    for citation in citations:
        assert citation["article"] in pack.articles, citation
        if citation.get("item"):
            assert citation["item"] in pack.items[citation["article"]], citation
        if citation.get("annex"):
            assert citation["annex"] in pack.annexes, citation
