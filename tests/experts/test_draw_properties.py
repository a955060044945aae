"""Property tests of the draw: excluded experts are never drawn, the revealed seed reproduces the
panel, and declines are replaced from the same category's reserve."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govit.experts import draw as algorithm
from govit.experts.models import (
    DrawMember,
    DrawPurpose,
    Expert,
    ExpertCategory,
    MemberRole,
    MemberStatus,
)
from govit.experts.services import draw_commit, draw_execute, draw_member_decline, draw_verify
from govit.projects.errors import TransitionRefused
from tests.experts.conftest import add_expert, lead, make_project

CATEGORIES = [ExpertCategory.NETWORK_SECURITY, ExpertCategory.SOFTWARE_ENGINEERING, ExpertCategory.COST_FINANCE]
VENDOR = "某某信息技术有限公司"
DB_SETTINGS = settings(max_examples=30, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

expert_spec = st.fixed_dictionaries({
    "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True),
    "employer": st.sampled_from(["甲大学", "乙研究院", "丙测评中心", "APPLICANT", VENDOR]),
    "available": st.booleans(),
    "conflict": st.sampled_from([None, "APPLICANT", VENDOR, "无关单位"]),
    "manually_excluded": st.booleans(),
})


def _build(prefix: str, specs: list[dict[str, Any]], applicant: str) -> tuple[list[Expert], set[int]]:
    experts, expected_excluded = [], set()
    for i, spec in enumerate(specs):
        employer = applicant if spec["employer"] == "APPLICANT" else spec["employer"]
        conflict = applicant if spec["conflict"] == "APPLICANT" else spec["conflict"]
        expert = add_expert(prefix, 500 + i, categories=spec["categories"], employer=employer,
                            available=spec["available"], declared_conflicts=[conflict] if conflict else [])
        experts.append(expert)
        if (not spec["available"] or spec["manually_excluded"] or employer in (applicant, VENDOR)
                or conflict in (applicant, VENDOR)):
            expected_excluded.add(expert.pk)
    return experts, expected_excluded


@pytest.mark.django_db
@DB_SETTINGS
@given(specs=st.lists(expert_spec, min_size=3, max_size=18),
       counts=st.lists(st.integers(0, 2), min_size=3, max_size=3), reserve=st.integers(0, 2))
def test_excluded_experts_are_never_drawn_and_the_seed_reproduces_the_panel(
    world: None, specs: list[dict[str, Any]], counts: list[int], reserve: int
) -> None:
    assume(any(counts))
    with transaction.atomic():
        project = make_project("tz")
        experts, excluded = _build("tz", specs, project.unit.name)
        manual = [e.pk for e, s in zip(experts, specs, strict=True) if s["manually_excluded"]]
        # Someone on an earlier panel of the same project is excluded too.
        try:
            draw = draw_commit(project=project, actor=lead("tz"), purpose=DrawPurpose.CONSULTING,
                               requested=dict(zip(CATEGORIES, counts, strict=True)), reserve_per_category=reserve,
                               vendors=[VENDOR], excluded_expert_ids=manual,
                               exclusion_reasons={i: "曾参与该项目方案编制" for i in manual})
        except TransitionRefused:
            transaction.set_rollback(True)
            return
        draw_execute(draw=draw, actor=lead("tz"))
        drawn = set(draw.members.values_list("expert_id", flat=True))
        assert not drawn & excluded
        in_scope = {e.pk for e in experts if set(e.categories) & set(draw.requested)}
        assert {int(k) for k in draw.excluded} == excluded & in_scope
        # Every 回避 the lead office ordered carries its stated reason in the draw.
        assert set(draw.exclusions["exclusion_reasons"]) == {str(i) for i in manual}
        assert all(any("曾参与该项目方案编制" in r for r in draw.excluded[str(i)]) for i in manual
                   if str(i) in draw.excluded)

        # Re-running the algorithm with the revealed seed gives the recorded panel and reserve.
        picks = algorithm.run(seed=draw.seed, candidates=draw.candidates, requested=draw.requested,
                              reserve=draw.reserve_per_category)
        recorded = sorted(draw.members.values_list("category", "rank", "expert_id", "initial_role"))
        assert sorted((p.category, p.rank, p.expert_id, p.role) for p in picks) == recorded
        assert draw_verify(draw=draw).ok
        assert algorithm.seed_commitment(draw.seed) == draw.seed_commitment

        # The next draw for the same project excludes this panel.
        panel = set(draw.members.filter(role=MemberRole.PANEL).values_list("expert_id", flat=True))
        try:
            second = draw_commit(project=project, actor=lead("tz"), purpose=DrawPurpose.CONSULTING,
                                 requested={CATEGORIES[0]: 1}, reserve_per_category=0, vendors=[VENDOR],
                                 excluded_expert_ids=manual,
                                 exclusion_reasons={str(i): "曾参与该项目方案编制" for i in manual})
        except TransitionRefused:
            pass
        else:
            draw_execute(draw=second, actor=lead("tz"))
            assert not set(second.members.values_list("expert_id", flat=True)) & (panel | excluded)
        transaction.set_rollback(True)


@given(seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
       pools=st.lists(st.sets(st.integers(1, 60), max_size=20), min_size=1, max_size=3),
       wanted=st.lists(st.integers(0, 4), min_size=3, max_size=3), reserve=st.integers(0, 3),
       excluded=st.sets(st.integers(1, 60)))
@settings(max_examples=200, deadline=None)
def test_algorithm_is_deterministic_order_free_and_respects_exclusions(
    seed: str, pools: list[set[int]], wanted: list[int], reserve: int, excluded: set[int]
) -> None:
    categories = [c.value for c in CATEGORIES][: len(pools)]
    candidates = {c: sorted(pool - excluded) for c, pool in zip(categories, pools, strict=False)}
    requested = dict(zip(categories, wanted, strict=False))
    first = algorithm.run(seed=seed, candidates=candidates, requested=requested, reserve=reserve)
    shuffled = {c: list(reversed(ids)) for c, ids in candidates.items()}
    assert algorithm.run(seed=seed, candidates=shuffled, requested=requested, reserve=reserve) == first
    ids = [p.expert_id for p in first]
    assert len(ids) == len(set(ids))  # nobody twice
    assert not set(ids) & excluded
    for p in first:
        assert p.expert_id in candidates[p.category]
        assert p.role == ("panel" if p.rank <= requested[p.category] else "reserve")


@pytest.mark.django_db
@DB_SETTINGS
@given(size=st.integers(3, 8), reserve=st.integers(0, 3), declines=st.lists(st.integers(0, 20), max_size=6))
def test_declines_are_replaced_from_the_same_category_in_rank_order(
    world: None, size: int, reserve: int, declines: list[int]
) -> None:
    with transaction.atomic():
        project = make_project("cj")
        for i in range(size):
            add_expert("cj", 700 + i, categories=[CATEGORIES[i % 2], CATEGORIES[2]] if i % 3 == 0
                       else [CATEGORIES[i % 2]])
        try:
            draw = draw_commit(project=project, actor=lead("cj"), purpose=DrawPurpose.CONSULTING,
                               requested={CATEGORIES[0]: 1, CATEGORIES[1]: 1}, reserve_per_category=reserve)
        except TransitionRefused:
            transaction.set_rollback(True)
            return
        draw_execute(draw=draw, actor=lead("cj"))
        for pick in declines:
            active = list(DrawMember.objects.filter(draw=draw, role=MemberRole.PANEL,
                                                    status__in=[MemberStatus.INVITED, MemberStatus.ACCEPTED]))
            if not active:
                break
            member = active[pick % len(active)]
            standby = list(DrawMember.objects.filter(draw=draw, category=member.category, role=MemberRole.RESERVE,
                                                     status=MemberStatus.STANDBY).order_by("rank"))
            replacement = draw_member_decline(member=member, actor=lead("cj"), reason="时间冲突")
            member.refresh_from_db()
            if standby:
                assert replacement is not None
                assert replacement.pk == standby[0].pk
                assert replacement.category == member.category
                assert replacement.replaces_id == member.pk
                assert member.status == MemberStatus.REPLACED
            else:
                assert replacement is None
                assert member.status == MemberStatus.DECLINED
        assert draw_verify(draw=draw).ok
        transaction.set_rollback(True)
