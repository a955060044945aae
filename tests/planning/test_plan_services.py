"""The annual plan: reserve pool → plan → leadership approval; one mid-year adjustment in 通州;
emergency insertion with the government's consent; no plan where the pack has none (昌吉)."""

from __future__ import annotations

from typing import Any

import pytest

from govit.core.models import Jurisdiction, User
from govit.planning.models import PlanItemKind
from govit.planning.services import (
    plan_adjust,
    plan_approve,
    plan_create,
    plan_emergency_insert,
    plan_item_add,
    plan_submit,
)
from govit.projects.errors import PermissionDenied, TransitionRefused
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")


def _users(prefix: str) -> tuple[User, User]:
    return (User.objects.get(username=f"{prefix}_lead_office"), User.objects.get(username=f"{prefix}_leadership"))


def test_tongzhou_allows_one_mid_year_adjustment_and_emergency_insertion() -> None:
    lead, leadership = _users("tz")
    tz = Jurisdiction.objects.get(code="320612")
    first, second, third, urgent = (drive_to("tongzhou-2023", "in_library") for _ in range(4))
    plan = plan_create(jurisdiction=tz, year=2027, actor=lead)
    plan_item_add(plan=plan, project=first, actor=lead)
    with pytest.raises(PermissionDenied):
        plan_approve(plan=plan, actor=lead)
    plan_submit(plan=plan, actor=lead)
    with pytest.raises(TransitionRefused):
        plan_item_add(plan=plan, project=second, actor=lead)
    plan_approve(plan=plan, actor=leadership)
    first.refresh_from_db()
    assert first.state == "planned" and first.facts["in_annual_plan"] is True

    item = plan_adjust(plan=plan, project=second, actor=lead, reason="建设条件发生重大变化")
    assert item.kind == PlanItemKind.ADJUSTMENT
    with pytest.raises(TransitionRefused) as refused:
        plan_adjust(plan=plan, project=third, actor=lead, reason="急需实施")
    assert refused.value.citations[0]["article"] == 16 and "第十六条" in refused.value.message

    with pytest.raises(Exception, match="政府同意"):
        plan_emergency_insert(plan=plan, project=urgent, actor=lead, reason="防汛应急", government_consent="")
    inserted = plan_emergency_insert(plan=plan, project=urgent, actor=lead, reason="防汛应急",
                                     government_consent="区政府常务会议纪要〔2026〕12号")
    urgent.refresh_from_db()
    assert inserted.kind == PlanItemKind.EMERGENCY and urgent.state == "planned"


def test_changji_has_no_annual_plan() -> None:
    lead, _ = _users("cj")
    with pytest.raises(TransitionRefused, match="未设年度计划环节"):
        plan_create(jurisdiction=Jurisdiction.objects.get(code="652300"), year=2027, actor=lead)


def test_bazhong_plans_projects_after_joint_review(api: Any) -> None:
    reviewed = drive_to("bazhong-2022", "under_review")
    lead, leadership = _users("bz")
    plan = plan_create(jurisdiction=reviewed.jurisdiction, year=2027, actor=lead)
    plan_item_add(plan=plan, project=reviewed, actor=lead)
    plan_submit(plan=plan, actor=lead)
    plan_approve(plan=plan, actor=leadership)
    reviewed.refresh_from_db()
    assert reviewed.state == "planned"
