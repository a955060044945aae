"""Experts are drawn, not typed. Where the pack requires a drawn panel (巴中 第五条, 昌吉 第三十二条 分类随机抽取)
the lead office cannot enter the experts' opinion itself; excluding (回避) an expert needs a stated reason
recorded in the draw; cancelling after the seed is revealed is shown by `verify` for everyone to see."""

from __future__ import annotations

from typing import Any

import pytest

from govit.experts.demo import ensure_library
from govit.reviews.models import OpinionTask
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")
PANEL = {"software_engineering": 2, "network_security": 2, "cost_finance": 1}


@pytest.mark.parametrize(("pack_id", "prefix", "article"), [("bazhong-2022", "bz", 5), ("changji-2025", "cj", 32)])
def test_the_lead_office_cannot_type_the_experts_opinion(api: Any, pack_id: str, prefix: str, article: int) -> None:
    project = drive_to(pack_id, "preliminary_review" if prefix == "bz" else "submitted")
    lead = api(f"{prefix}_lead_office")
    lead.transition(project.pk, "review-route", {})
    task = OpinionTask.objects.get(project=project, body="experts", status="open")
    refused = lead.post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"}, status=409)
    assert refused["code"] == "experts_must_be_drawn" and article in {c["article"] for c in refused["citations"]}
    task.refresh_from_db()
    assert task.status == "open"


def test_tongzhou_lead_office_still_records_the_experts_it_organised(api: Any) -> None:
    """通州 第七条 only says the lead office 组织专家: no drawn panel is required."""
    project = drive_to("tongzhou-2023", "submitted")
    lead = api("tz_lead_office")
    lead.transition(project.pk, "preliminary-review-start")
    task = OpinionTask.objects.get(project=project, body="experts")
    assert lead.post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"})["status"] == "done"


def _commit(api: Any, project_id: int, **extra: Any) -> Any:
    body = {"project_id": project_id, "purpose": "approval_review", "requested": PANEL, "reserve_per_category": 1,
            **extra}
    return api("bz_lead_office").post("/experts/draws", body, status=extra.pop("status", 201))


def test_an_exclusion_needs_its_reason_recorded_in_the_draw(api: Any) -> None:
    project = drive_to("bazhong-2022", "preliminary_review")
    lead = api("bz_lead_office")
    ensure_library(project.jurisdiction, lead.user)
    expert = lead.get("/experts?category=software_engineering")["items"][0]
    body = {"project_id": project.pk, "purpose": "approval_review", "requested": PANEL, "reserve_per_category": 1,
            "excluded_expert_ids": [expert["id"]]}
    refused = lead.post("/experts/draws", body, status=400)
    assert "exclusion_reasons" in refused["detail"] and f"#{expert['id']}" in refused["detail"]
    draw = lead.post("/experts/draws", {**body, "exclusion_reasons": {str(expert["id"]): "系该项目方案编制人"}},
                     status=201)
    assert draw["exclusions"]["exclusion_reasons"] == {str(expert["id"]): "系该项目方案编制人"}
    assert draw["excluded"][str(expert["id"])] == ["牵头部门指定回避：系该项目方案编制人"]
    # The committee is the pack's (第五条: nine non-expert members), not the request's.
    assert draw["committee_other_members"] == 9
    lead.post("/experts/draws", {**body, "exclusion_reasons": {str(expert["id"]): "x"},
                                 "committee_other_members": 2}, status=400)
    lead.post(f"/experts/draws/{draw['id']}/execute")
    verified = api("bz_applicant").post(f"/experts/draws/{draw['id']}/verify")
    assert verified["ok"] and any("系该项目方案编制人" in n for n in verified["notices"])


def test_cancelling_after_the_seed_is_revealed_is_shown_by_verify_to_everyone(api: Any) -> None:
    project = drive_to("bazhong-2022", "preliminary_review")
    lead = api("bz_lead_office")
    ensure_library(project.jurisdiction, lead.user)
    draw = lead.post("/experts/draws", {"project_id": project.pk, "purpose": "approval_review", "requested": PANEL,
                                        "reserve_per_category": 1}, status=201)
    lead.post(f"/experts/draws/{draw['id']}/execute")
    lead.post(f"/experts/draws/{draw['id']}/cancel", {"reason": ""}, status=400)
    cancelled = lead.post(f"/experts/draws/{draw['id']}/cancel", {"reason": "专家名单不理想"})
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "专家名单不理想"
    for username in ("bz_applicant", "bz_leadership", "bz_lead_office"):
        verified = api(username).post(f"/experts/draws/{draw['id']}/verify")
        assert verified["ok"] is False and verified["cancelled_after_reveal"] is True
        assert any("公开后已被取消" in d and "专家名单不理想" in d for d in verified["differences"])
    # Outside the project's jurisdiction it stays hidden.
    api("tz_applicant").post(f"/experts/draws/{draw['id']}/verify", status=404)


def test_a_decline_needs_its_reason(api: Any) -> None:
    project = drive_to("bazhong-2022", "preliminary_review")
    lead = api("bz_lead_office")
    ensure_library(project.jurisdiction, lead.user)
    draw = lead.post("/experts/draws", {"project_id": project.pk, "purpose": "approval_review", "requested": PANEL,
                                        "reserve_per_category": 1}, status=201)
    drawn = lead.post(f"/experts/draws/{draw['id']}/execute")
    member = drawn["panel"][0]
    lead.post(f"/experts/draws/{draw['id']}/members/{member['id']}/decline", {"reason": " "}, status=400)
    after = lead.post(f"/experts/draws/{draw['id']}/members/{member['id']}/decline", {"reason": "时间冲突"})
    declined = next(m for m in after["panel"] + after["reserve"] if m["id"] == member["id"])
    assert declined["decline_reason"] == "时间冲突"
    verified = lead.post(f"/experts/draws/{draw['id']}/verify")
    assert verified["ok"] and any("时间冲突" in n for n in verified["notices"])
