"""What a pack forbids is refused with HTTP 409, the article, and what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from govit.core.models import AuditEntry
from govit.projects.models import Project, ProjectEvent
from tests.projects.conftest import days_ago, drive_to, new_project

pytestmark = pytest.mark.usefixtures("world")


def _articles(body: dict) -> set[tuple[int, int | None]]:
    return {(c["article"], c.get("item")) for c in body["citations"]}


def test_missing_acceptance_document_is_refused_citing_the_article(api: Any) -> None:
    project = drive_to("tongzhou-2023", "trial_run")
    applicant = api("tz_applicant")
    applicant.upload(project.pk, "construction_summary")
    refused = applicant.transition(project.pk, "acceptance-request", status=409)
    assert (30, None) in _articles(refused) and "第三十条" in refused["detail"]
    assert "archives_acceptance" in refused["missing"] and "construction_summary" not in refused["missing"]
    assert "档案验收报告" in refused["detail"]  # 通州 第三十条 names it 档案验收报告
    project.refresh_from_db()
    assert project.state == "trial_run" and project.awaiting == ""
    # The refusal is audited (等保: denied operations are recorded) although the step rolled back.
    entry = AuditEntry.objects.filter(action="service.refused", object_id=str(project.pk)).latest("seq")
    assert entry.outcome == "denied" and entry.actor.username == "tz_applicant"
    assert entry.details["service"] == "acceptance_request"
    assert "archives_acceptance" in entry.details["missing"]


@pytest.mark.parametrize(("pack_id", "prefix", "article"), [("tongzhou-2023", "tz", 29), ("kundulun-2024", "kdl", 21)])
def test_change_beyond_the_limit_is_not_an_adjustment_but_a_reapproval(api: Any, pack_id: str, prefix: str,
                                                                        article: int) -> None:
    project = drive_to(pack_id, "construction")
    change = {"change": {"increase_wan": 60, "decrease_wan": 10, "basis": "business_need", "goal_unchanged": True},
              "description": "新增业务模块"}
    created = api(f"{prefix}_applicant").post(f"/projects/{project.pk}/changes", change, status=201)
    assert created["route"] == "full_reapproval" and created["status"] == "reapproval" and created["ratio"] == 0.2
    assert article in {c["article"] for c in created["citations"]}
    project.refresh_from_db()
    assert project.facts["total_investment_wan"] == 300 and project.state == "construction"  # not applied
    # A second adjustment waits for this one.
    api(f"{prefix}_applicant").post(f"/projects/{project.pk}/changes", change, status=409)


def test_change_within_the_limit_is_self_adjusted_and_filed_in_kundulun(api: Any) -> None:
    project = drive_to("kundulun-2024", "construction")
    change = {"change": {"increase_wan": 30, "decrease_wan": 30, "new_content_wan": 10, "basis": "business_need",
                         "goal_unchanged": True}, "description": "调整部分功能"}
    created = api("kdl_applicant").post(f"/projects/{project.pk}/changes", change, status=201)
    assert created["route"] == "self_adjust_and_file" and created["status"] == "filed" and created["ratio"] == 0.1


@pytest.mark.parametrize(("prefix", "article"), [("bz", 8), ("cj", 12)])
def test_upgrade_of_an_unaccepted_system_is_refused_at_submit(api: Any, prefix: str, article: int) -> None:
    applicant = api(f"{prefix}_applicant")
    prior = {"accepted": False, "matches_business": True, "vendor_supported": True, "usage": "normal"}
    project = new_project(applicant, category="upgrade", prior_project=prior)
    for code in applicant.get(f"/projects/{project['id']}/next-steps")["steps"][0]["missing"]:
        applicant.upload(project["id"], code)
    refused = applicant.transition(project["id"], "submit", status=409)
    assert (article, 8) in _articles(refused)
    assert f"第{'八' if article == 8 else '十二'}条（八）" in refused["detail"]
    assert Project.objects.get(pk=project["id"]).state == "draft"


def test_submit_of_a_blocked_project_is_refused(api: Any) -> None:
    applicant = api("kdl_applicant")
    project = new_project(applicant, on_gov_cloud=False)
    refused = applicant.transition(project["id"], "submit", status=409)
    assert (10, 3) in _articles(refused) and "第十条（三）" in refused["detail"]


def test_missing_application_document_blocks_submit(api: Any) -> None:
    applicant = api("tz_applicant")
    project = new_project(applicant)
    refused = applicant.transition(project["id"], "submit", status=409)
    assert refused["missing"] == ["proposal"] and (7, None) in _articles(refused)


def test_acceptance_before_the_trial_run_ends_is_refused(api: Any) -> None:
    project = drive_to("bazhong-2022", "construction")
    applicant = api("bz_applicant")
    applicant.transition(project.pk, "completion", {"completed_on": days_ago(10), "trial_started_on": days_ago(10)})
    applicant.upload(project.pk, "pre_acceptance_report")
    refused = applicant.transition(project.pk, "pre-acceptance-request", status=409)
    assert (28, None) in _articles(refused) and "试运行" in refused["detail"]


def test_preliminary_review_waits_for_every_opinion(api: Any) -> None:
    """通州 第七条: the 初审 is made together with 财政、审计、行政审批、保密 and the experts."""
    project = drive_to("tongzhou-2023", "submitted")
    lead = api("tz_lead_office")
    lead.transition(project.pk, "preliminary-review-start")
    refused = lead.transition(project.pk, "preliminary-review-decide", {"decision": "accept"}, status=409)
    assert {"finance", "audit", "approval_bureau", "secrecy_crypto", "experts"} <= set(refused["missing"])
    assert "尚有审查意见未出具" in refused["detail"] and (7, None) in _articles(refused)


def test_reject_requires_an_article_and_records_it(api: Any) -> None:
    project = drive_to("tongzhou-2023", "preliminary_review")
    lead = api("tz_lead_office")
    lead.transition(project.pk, "preliminary-review-decide", {"decision": "reject", "reason": "重复建设"},
                    status=400)
    lead.transition(project.pk, "preliminary-review-decide",
                    {"decision": "reject", "reason": "重复建设", "citation": {"article": 99}}, status=400)
    body = {"decision": "reject", "reason": "未编制信息资源目录", "citation": {"article": 12}}
    assert lead.transition(project.pk, "preliminary-review-decide", body)["state"] == "rejected"
    event = ProjectEvent.objects.filter(project=project).last()
    assert event.kind == "preliminary_review.reject" and event.citations[0]["article"] == 12


def test_return_lets_the_applicant_edit_and_resubmit(api: Any) -> None:
    project = drive_to("tongzhou-2023", "preliminary_review")
    lead, applicant = api("tz_lead_office"), api("tz_applicant")
    applicant.patch(f"/projects/{project.pk}", {"facts": {"annual_om_wan": 5}}, status=409)
    lead.transition(project.pk, "preliminary-review-decide", {"decision": "return", "reason": "补充绩效目标"})
    edit = {"facts": {"annual_om_wan": 5, "dates": {"approved": "2020-01-01"}}}
    updated = applicant.patch(f"/projects/{project.pk}", edit)
    assert updated["facts"]["annual_om_wan"] == 5 and "approved" not in (updated["facts"].get("dates") or {})
    assert applicant.transition(project.pk, "submit")["state"] == "submitted"


def test_suspend_and_terminate_need_an_article(api: Any) -> None:
    project = drive_to("changji-2025", "construction")
    lead = api("cj_lead_office")
    lead.transition(project.pk, "suspend", {"reason": "工程严重逾期", "citation": {"article": 500}}, status=400)
    assert lead.transition(project.pk, "suspend", {"reason": "工程严重逾期", "citation": {"article": 20}})["state"] \
        == "suspended"
    assert lead.transition(project.pk, "resume", {"reason": "整改完成"})["state"] == "construction"
    assert lead.transition(project.pk, "terminate", {"reason": "逾期不整改", "citation": {"article": 20}})["state"] \
        == "terminated"
    api("cj_applicant").transition(project.pk, "completion", {}, status=409)
