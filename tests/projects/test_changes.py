"""Changes are measured against the approved estimate, kept by the system. The 批复概算 is recorded at
approval, a client cannot send another denominator, and an approved change does not move it.
昆都仑 第二十一条: two self-adjustments of 14% and 12% are 26%, not two times under 15%. A change the pack
routes to full re-approval goes back through the pack's approval steps (巴中 第二十五条, 通州 第二十九条)."""

from __future__ import annotations

from typing import Any

import pytest

from govit.projects.models import ChangeRequest, Project, ProjectEvent
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")


def _swap(amount: float, basis: str = "technical_optimization") -> dict:
    """An adjustment that moves `amount` between contents (the total stays within the estimate)."""
    return {"change": {"increase_wan": amount, "decrease_wan": amount, "basis": basis, "goal_unchanged": True},
            "description": f"调整建设内容 {amount} 万元"}


def test_the_estimate_is_recorded_at_approval(api: Any) -> None:
    project = drive_to("kundulun-2024", "approved")
    detail = api("kdl_applicant").get(f"/projects/{project.pk}")
    assert float(detail["approved_estimate_wan"]) == 300
    assert ProjectEvent.objects.get(project=project, kind="approval.approve").details["approved_estimate_wan"] == 300


def test_a_client_cannot_send_the_denominator(api: Any) -> None:
    project = drive_to("kundulun-2024", "construction")
    body = _swap(40)
    body["change"]["approved_total_wan"] = 1000  # 4% of a made-up estimate, 13.3% of the real one
    refused = api("kdl_applicant").post(f"/projects/{project.pk}/changes", body, status=400)
    assert "approved_total_wan" in refused["detail"] and "批复概算" in refused["detail"]
    body["change"]["approved_total_wan"] = 300  # echoing the recorded estimate is harmless
    created = api("kdl_applicant").post(f"/projects/{project.pk}/changes", body, status=201)
    assert created["ratio"] == pytest.approx(0.1333, abs=1e-4) and float(created["estimate_wan"]) == 300
    body = _swap(1)
    body["change"]["prior_increase_wan"] = 0
    api("kdl_applicant").post(f"/projects/{project.pk}/changes", body, status=400)


def test_kundulun_successive_self_adjustments_accumulate_against_the_estimate(api: Any) -> None:
    """第二十一条: 资金调整数额不超过概算总投资15% — 14% and then 12% are 26% of the 原批复概算."""
    project = drive_to("kundulun-2024", "construction")
    applicant = api("kdl_applicant")
    first = applicant.post(f"/projects/{project.pk}/changes", _swap(42), status=201)  # 14% of 300
    assert first["route"] == "self_adjust_and_file" and first["status"] == "filed" and first["ratio"] == 0.14
    second = applicant.post(f"/projects/{project.pk}/changes", _swap(36), status=201)  # 12% of 300
    assert second["ratio"] == 0.26 and second["route"] == "full_reapproval" and second["status"] == "reapproval"
    assert 21 in {c["article"] for c in second["citations"]}
    event = ProjectEvent.objects.filter(project=project, kind="change.request").last()
    assert event.details["measured"]["prior_increase_wan"] == 42 and event.details["estimate_wan"] == 300
    # The first, filed adjustment was reported to the 区政数局 (第二十一条 同时备案).
    assert ProjectEvent.objects.filter(project=project, kind="change.filed").exists()


def test_tongzhou_approved_changes_do_not_move_the_denominator(api: Any) -> None:
    """第二十九条: an agreed adjustment changes the total, not the 概算 the next one is measured against."""
    project = drive_to("tongzhou-2023", "construction")
    applicant, lead = api("tz_applicant"), api("tz_lead_office")
    grow = {"change": {"increase_wan": 30, "decrease_wan": 30, "new_content_wan": 0, "basis": "business_need",
                       "goal_unchanged": True}, "description": "调整功能模块"}
    created = applicant.post(f"/projects/{project.pk}/changes", grow, status=201)
    assert created["status"] == "pending" and created["ratio"] == 0.1
    lead.post(f"/projects/{project.pk}/changes/{created['id']}/decide", {"decision": "approve"})
    # Filed with the 区行政审批局 as the article requires.
    filed = ProjectEvent.objects.get(project=project, kind="change.filed")
    assert filed.details["filed_with"] == ["区行政审批局"]
    second = applicant.post(f"/projects/{project.pk}/changes", _swap(20, "business_need"), status=201)
    assert float(second["estimate_wan"]) == 300 and second["ratio"] == pytest.approx(0.1667, abs=1e-4)
    assert second["route"] == "full_reapproval"
    assert float(applicant.get(f"/projects/{project.pk}")["approved_estimate_wan"]) == 300


def test_tongzhou_reapproval_goes_through_the_approval_bureau(api: Any) -> None:
    project = drive_to("tongzhou-2023", "construction")
    applicant, lead, bureau = api("tz_applicant"), api("tz_lead_office"), api("tz_reviewer_approval_bureau")
    big = {"change": {"increase_wan": 90, "basis": "business_need", "goal_unchanged": True},
           "description": "增加业务模块"}
    created = applicant.post(f"/projects/{project.pk}/changes", big, status=201)
    assert created["status"] == "reapproval" and created["ratio"] == 0.3
    # Nobody can simply agree to it: not the lead office, not as a change.
    refused = lead.post(f"/projects/{project.pk}/changes/{created['id']}/decide", {"decision": "approve"},
                        status=409)
    assert refused["code"] == "reapproval_required"
    steps = lead.get(f"/projects/{project.pk}/next-steps")["steps"]
    assert any(s["action"] == "review_route" for s in steps)
    assert lead.transition(project.pk, "review-route", {})["state"] == "under_review"
    # 390万 is over 300万: the documents may no longer be merged (第十一条).
    applicant.upload(project.pk, "preliminary_design")
    lead.transition(project.pk, "approval-decide", {"decision": "approve", "document_no": "x"}, status=403)
    back = bureau.transition(project.pk, "approval-decide",
                             {"decision": "approve", "document_no": "通审批〔2026〕20号"})
    assert back["state"] == "construction" and float(back["approved_estimate_wan"]) == 390
    assert back["facts"]["total_investment_wan"] == 390
    change = ChangeRequest.objects.get(pk=created["id"])
    assert change.status == "approved" and change.document_no == "通审批〔2026〕20号"
    # The next adjustment is measured against the new estimate, with nothing carried from before.
    nxt = applicant.post(f"/projects/{project.pk}/changes", _swap(39), status=201)
    assert nxt["ratio"] == 0.1 and float(nxt["estimate_wan"]) == 390


def test_bazhong_any_adjustment_goes_through_the_change_procedure(api: Any) -> None:
    """第二十五条: 调整主要建设内容或投资概算的，履行变更手续 — back to the 审委会 and the 发改委."""
    project = drive_to("bazhong-2022", "construction")
    applicant, lead = api("bz_applicant"), api("bz_lead_office")
    created = applicant.post(f"/projects/{project.pk}/changes", _swap(10), status=201)
    assert created["route"] == "full_reapproval" and 25 in {c["article"] for c in created["citations"]}
    lead.transition(project.pk, "review-route", {})
    from tests.projects.test_lifecycle_api import answer_open_tasks

    answer_open_tasks(api, "bz", project.pk)
    lead.transition(project.pk, "approval-decide", {"decision": "reject", "reason": "x"}, status=403)
    reform = api("bz_member_reviewer")  # 市发展改革委 (第六条)
    reform.transition(project.pk, "approval-decide", {"decision": "reject"}, status=400)  # needs a reason
    back = reform.transition(project.pk, "approval-decide", {"decision": "reject", "reason": "调整理由不充分"})
    assert back["state"] == "construction" and float(back["approved_estimate_wan"]) == 300
    assert ChangeRequest.objects.get(pk=created["id"]).status == "rejected"
    assert Project.objects.get(pk=project.pk).facts["total_investment_wan"] == 300
