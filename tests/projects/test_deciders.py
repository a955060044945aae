"""The body the article names takes the decision: each pack step declares who decides it, and only users of
that unit kind can (通州 第八条 the 行政审批局 approves over 50万; 巴中 第六条 and 昌吉 第十四条（四） the 发展改革委
gives 立项; 昌吉 第二十四条 acceptance by the committee the 发改委 convenes). Where an article orders steps,
tasks open in that order (巴中 第二十条; 昌吉 第十四条（一）: the 数字化发展局 sums up the members' opinions)."""

from __future__ import annotations

from typing import Any

import pytest

from govit.projects.models import Project
from govit.reviews.models import OpinionTask
from tests.projects.conftest import days_ago, drive_to

pytestmark = pytest.mark.usefixtures("world")
APPROVE = {"decision": "approve", "document_no": "批〔2026〕1号"}


def _articles(body: dict) -> set[int]:
    return {c["article"] for c in body.get("citations", [])}


def test_tongzhou_over_50_wan_only_the_approval_bureau_approves(api: Any) -> None:
    project = drive_to("tongzhou-2023", "under_review")
    api("tz_applicant").upload(project.pk, "feasibility_study")
    for outsider in ("tz_lead_office", "tz_member_reviewer", "tz_leadership"):  # 指挥中心, 财政局, 区政府办
        refused = api(outsider).transition(project.pk, "approval-decide", APPROVE, status=403)
        assert refused["code"] in ("not_the_deciding_body", "forbidden")
    refused = api("tz_lead_office").transition(project.pk, "approval-decide", APPROVE, status=403)
    assert "区行政审批局" in refused["detail"] and 8 in _articles(refused)
    # The bureau sees the project it decides and what to do next.
    bureau = api("tz_reviewer_approval_bureau")
    assert any(p["id"] == project.pk for p in bureau.get("/projects?limit=200")["items"])
    steps = bureau.get(f"/projects/{project.pk}/next-steps")["steps"]
    step = next(s for s in steps if s["action"] == "approval_decide")
    assert step["by"] == ["approval_bureau"] and step["unit"] == "区行政审批局"
    assert bureau.transition(project.pk, "approval-decide", APPROVE)["state"] == "approved"


def test_tongzhou_at_50_wan_the_lead_office_records_the_exemption(api: Any) -> None:
    """第八条: 50万及以下的，可免于审批 — recorded by the lead office, not approved by the bureau."""
    project = drive_to("tongzhou-2023", "planned", total_investment_wan=50)
    api("tz_reviewer_approval_bureau").transition(project.pk, "approval-exempt", {}, status=403)
    assert api("tz_lead_office").transition(project.pk, "approval-exempt", {})["state"] == "approved"
    assert float(api("tz_applicant").get(f"/projects/{project.pk}")["approved_estimate_wan"]) == 50


@pytest.mark.parametrize(("pack_id", "prefix", "article"), [("bazhong-2022", "bz", 6), ("changji-2025", "cj", 14)])
def test_the_development_and_reform_commission_gives_the_approval(api: Any, pack_id: str, prefix: str,
                                                                  article: int) -> None:
    project = drive_to(pack_id, "planned" if pack_id == "bazhong-2022" else "under_review")
    from govit.projects.selectors import determination, project_evaluation

    docs, _ = determination(project_evaluation(project), "approval_documents")
    for code in docs:
        api(f"{prefix}_applicant").upload(project.pk, code)
    refused = api(f"{prefix}_lead_office").transition(project.pk, "approval-decide", APPROVE, status=403)
    assert article in _articles(refused) and ("发改委" in refused["detail"] or "发展改革委" in refused["detail"])
    reform = "bz_member_reviewer" if prefix == "bz" else "cj_reviewer_development_reform"
    assert api(reform).transition(project.pk, "approval-decide", APPROVE)["state"] == "approved"


def test_changji_after_approval_the_lead_office_records_the_filing(api: Any) -> None:
    """昌吉 第十八条: 完成批复立项后向数字化发展部门报备 — the next step, by the lead office."""
    project = drive_to("changji-2025", "approved")
    steps = api("cj_lead_office").get(f"/projects/{project.pk}/next-steps")["steps"]
    assert steps[0]["action"] == "filing_record" and steps[0]["role"] == "lead_office"
    api("cj_applicant").transition(project.pk, "filing", {}, status=403)
    api("cj_applicant").transition(project.pk, "procurement-start", {}, status=409)
    assert api("cj_lead_office").transition(project.pk, "filing", {})["state"] == "filed"


def test_changji_acceptance_is_decided_by_the_development_and_reform_commission(api: Any) -> None:
    """昌吉 第二十四条: 向州发改委提交竣工验收申请，由……组建竣工验收委员会."""
    project = drive_to("changji-2025", "trial_run")
    applicant = api("cj_applicant")
    applicant.upload(project.pk, "construction_summary")
    applicant.transition(project.pk, "acceptance-request")
    refused = api("cj_lead_office").transition(project.pk, "acceptance-decide", {"decision": "pass"}, status=403)
    assert 24 in _articles(refused) and "州发改委" in refused["detail"]
    reform = api("cj_reviewer_development_reform")
    assert reform.transition(project.pk, "acceptance-decide", {"decision": "pass"})["state"] == "accepted"


def test_tongzhou_preliminary_review_is_made_with_the_four_departments_and_experts(api: Any) -> None:
    """通州 第七条: 会同区财政局、审计局、行政审批局、区国家保密局等部门，组织专家对报送的项目进行初审."""
    project = drive_to("tongzhou-2023", "submitted")
    lead = api("tz_lead_office")
    lead.transition(project.pk, "preliminary-review-start")
    tasks = {t.body: t for t in OpinionTask.objects.filter(project=project)}
    assert set(tasks) == {"finance", "audit", "approval_bureau", "secrecy_crypto", "experts"}
    assert {t.stage for t in tasks.values()} == {"preliminary_review"}
    refused = lead.transition(project.pk, "preliminary-review-decide", {"decision": "accept"}, status=409)
    assert 7 in _articles(refused) and set(refused["missing"]) == set(tasks)
    # A disagreement stops the acceptance too.
    api("tz_member_reviewer").post(f"/opinion-tasks/{tasks['finance'].pk}/opinion",
                                   {"opinion": "disagree", "comments": "资金来源未落实"})
    for body in ("audit", "approval_bureau", "secrecy_crypto"):
        username = f"tz_reviewer_{body}"
        api(username).post(f"/opinion-tasks/{tasks[body].pk}/opinion", {"opinion": "agree"})
    lead.post(f"/opinion-tasks/{tasks['experts'].pk}/opinion", {"opinion": "agree"})
    refused = lead.transition(project.pk, "preliminary-review-decide", {"decision": "accept"}, status=409)
    assert refused["code"] == "opinion_disagrees" and "区财政局" in refused["detail"]
    assert lead.transition(project.pk, "preliminary-review-decide",
                           {"decision": "return", "reason": "请落实资金来源"})["state"] == "returned"


def test_changji_data_bureau_sums_up_after_the_members(api: Any) -> None:
    """昌吉 第十四条（一）: 根据联审成员单位的审核意见，出具行业主管部门审查意见 — its task opens last."""
    from tests.projects.test_lifecycle_api import answer_open_tasks

    project = drive_to("changji-2025", "submitted")
    api("cj_lead_office").transition(project.pk, "review-route", {})
    first = set(OpinionTask.objects.filter(project=project).values_list("body", flat=True))
    assert first == {"secrecy_crypto", "police", "development_reform", "finance", "experts"}
    answer_open_tasks(api, "cj", project.pk)
    second = OpinionTask.objects.filter(project=project, phase=2)
    assert list(second.values_list("body", flat=True)) == ["data_bureau"]
    assert second.get().status == "open" and Project.objects.get(pk=project.pk).state == "under_review"
    assert project.events.filter(kind="review.phase").exists()


def test_next_steps_show_only_the_steps_the_pack_has(api: Any) -> None:
    """昌吉 has no 储备库 or 年度计划: an application goes from 申报 to the 联合会审 (第十四条)."""
    project = drive_to("changji-2025", "submitted")
    actions = [s["action"] for s in api("cj_lead_office").get(f"/projects/{project.pk}/next-steps")["steps"]]
    assert actions[0] == "review_route" and "plan_item_add" not in actions
    assert "preliminary_review_start" not in actions
    api("cj_lead_office").transition(project.pk, "preliminary-review-decide", {"decision": "accept"}, status=409)
    tz = drive_to("tongzhou-2023", "in_library")
    assert api("tz_lead_office").get(f"/projects/{tz.pk}/next-steps")["steps"][0]["action"] == "plan_item_add"


def test_kundulun_pre_acceptance_review_by_the_data_bureau(api: Any) -> None:
    """昆都仑 第二十二条: 区政数局进行竣工验收前置审核 — its lead office is that bureau."""
    project = drive_to("kundulun-2024", "construction")
    applicant = api("kdl_applicant")
    applicant.transition(project.pk, "completion", {"completed_on": days_ago(5)})
    applicant.transition(project.pk, "pre-acceptance-request")
    api("kdl_member_reviewer").transition(project.pk, "pre-acceptance-decide", {"decision": "pass"}, status=404)
    assert api("kdl_lead_office").transition(project.pk, "pre-acceptance-decide", {"decision": "pass"})["awaiting"] \
        == "pre_acceptance_passed"
