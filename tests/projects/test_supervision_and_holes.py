"""Supervision (监理) is tracked where the pack requires it (通州 第二十五条 over 100万, 昆都仑 第十九条 200万及以上)
and the smaller holes are closed: 通州 第十一条 合并编报 needs fewer documents, approval needs a 批复文号, a plan
year must match the project's funding year, leadership returns a plan with a comment, an applicant deletes a
draft and withdraws an application not yet accepted."""

from __future__ import annotations

from typing import Any

import pytest

from govit.projects.models import Project
from tests.projects.conftest import drive_to, new_project

pytestmark = pytest.mark.usefixtures("world")


def _articles(body: dict) -> set[int]:
    return {c["article"] for c in body.get("citations", [])}


@pytest.mark.parametrize(("pack_id", "prefix", "total", "article"),
                         [("tongzhou-2023", "tz", 100.01, 25), ("kundulun-2024", "kdl", 200, 19)])
def test_the_supervision_contract_comes_before_construction(api: Any, pack_id: str, prefix: str, total: float,
                                                            article: int) -> None:
    project = drive_to(pack_id, "procurement", total_investment_wan=total)
    applicant = api(f"{prefix}_applicant")
    refused = applicant.transition(project.pk, "construction-start", status=409)
    assert refused["missing"] == ["supervision_contract"] and article in _articles(refused)
    assert "监理合同" in refused["detail"]
    step = applicant.get(f"/projects/{project.pk}/next-steps")["steps"][0]
    assert step["action"] == "construction_start" and step["missing"] == ["supervision_contract"]
    applicant.upload(project.pk, "supervision_contract")
    assert applicant.transition(project.pk, "construction-start")["state"] == "construction"


def test_kundulun_under_200_wan_needs_no_supervision_contract(api: Any) -> None:
    project = drive_to("kundulun-2024", "procurement", total_investment_wan=199.99)
    assert api("kdl_applicant").transition(project.pk, "construction-start")["state"] == "construction"


def test_tongzhou_at_100_wan_requests_the_unified_supervision_service(api: Any) -> None:
    """第二十五条: 项目投资额100万元及以下的，由建设单位向领导小组办公室申请统一监理服务."""
    project = drive_to("tongzhou-2023", "procurement", total_investment_wan=100)
    applicant = api("tz_applicant")
    refused = applicant.transition(project.pk, "construction-start", status=409)
    assert refused["code"] == "supervision_service_not_requested" and 25 in _articles(refused)
    applicant.post(f"/projects/{project.pk}/supervision-request", {"reason": "申请统一监理"})
    applicant.post(f"/projects/{project.pk}/supervision-request", status=409)  # once is enough
    assert applicant.transition(project.pk, "construction-start")["state"] == "construction"


def test_tongzhou_over_100_wan_has_no_unified_service_to_request(api: Any) -> None:
    big = drive_to("tongzhou-2023", "procurement", total_investment_wan=300)
    refused = api("tz_applicant").post(f"/projects/{big.pk}/supervision-request", status=409)
    assert refused["code"] == "supervision_service_not_applicable" and 25 in _articles(refused)


def test_tongzhou_merged_documents_are_fewer_than_the_full_set(api: Any) -> None:
    """第十一条: 300万元及以下的，可以合并编报项目建议书、可行性研究报告、初步设计方案和投资概算."""
    result = api("tz_applicant").post("/policy/evaluate", {"pack": "tongzhou-2023", "project": {
        "category": "new", "funding_sources": ["local_fiscal"], "total_investment_wan": 300}})
    full = result["determinations"]["approval_documents"]["value"]
    merged = result["determinations"]["merged_documents"]["value"]
    assert result["determinations"]["documents_may_merge"]["value"] is True
    assert len(merged) < len(full) and set(merged) <= set(full)


def test_approval_needs_a_document_number(api: Any) -> None:
    project = drive_to("tongzhou-2023", "under_review")
    api("tz_applicant").upload(project.pk, "feasibility_study")
    bureau = api("tz_reviewer_approval_bureau")
    refused = bureau.transition(project.pk, "approval-decide", {"decision": "approve", "document_no": "  "},
                                status=400)
    assert "document_no" in refused["detail"] and "批复文号" in refused["detail"]
    assert Project.objects.get(pk=project.pk).state == "under_review"


def test_plan_year_must_match_the_funding_year(api: Any) -> None:
    """通州 第七条: 递交下一年度项目计划 — a project funded in 2027 enters the 2027 plan, not another."""
    project = drive_to("tongzhou-2023", "in_library")
    lead = api("tz_lead_office")
    jurisdiction = lead.get(f"/projects/{project.pk}")["jurisdiction"]["id"]
    funded = project.year_amounts.get().year
    other = lead.post("/plans", {"jurisdiction_id": jurisdiction, "year": funded + 1}, status=201)
    refused = lead.post(f"/plans/{other['id']}/items", {"project_id": project.pk}, status=409)
    assert refused["code"] == "plan_year_mismatch" and str(funded) in refused["detail"]
    plan = lead.post("/plans", {"jurisdiction_id": jurisdiction, "year": funded}, status=201)
    assert lead.post(f"/plans/{plan['id']}/items", {"project_id": project.pk})["items"]


def test_leadership_returns_a_plan_with_a_comment(api: Any) -> None:
    project = drive_to("tongzhou-2023", "in_library")
    lead, leadership = api("tz_lead_office"), api("tz_leadership")
    jurisdiction = lead.get(f"/projects/{project.pk}")["jurisdiction"]["id"]
    plan = lead.post("/plans", {"jurisdiction_id": jurisdiction, "year": project.year_amounts.get().year},
                     status=201)
    lead.post(f"/plans/{plan['id']}/items", {"project_id": project.pk})
    lead.post(f"/plans/{plan['id']}/submit")
    lead.post(f"/plans/{plan['id']}/return", {"comment": "x"}, status=403)  # only leadership returns
    leadership.post(f"/plans/{plan['id']}/return", {"comment": " "}, status=400)
    returned = leadership.post(f"/plans/{plan['id']}/return", {"comment": "请压减非急需项目"})
    assert returned["status"] == "draft" and returned["return_comment"] == "请压减非急需项目"
    assert Project.objects.get(pk=project.pk).state == "in_library"
    lead.post(f"/plans/{plan['id']}/submit")
    assert leadership.post(f"/plans/{plan['id']}/approve")["status"] == "approved"


def test_applicant_deletes_a_draft_and_its_history_stays(api: Any) -> None:
    applicant = api("tz_applicant")
    project = new_project(applicant, name="待删除的草稿")
    api("tz_lead_office").client.delete(f"/api/v1/projects/{project['id']}")  # not the lead office's draft
    assert Project.objects.filter(pk=project["id"]).exists()
    response = applicant.client.delete(f"/api/v1/projects/{project['id']}")
    assert response.status_code == 204
    applicant.get(f"/projects/{project['id']}", status=404)
    assert all(p["id"] != project["id"] for p in applicant.get("/projects?limit=200")["items"])
    kept = Project.all_objects.get(pk=project["id"])
    assert kept.deleted_at is not None and kept.events.filter(kind="delete").exists()


def test_applicant_withdraws_an_application_not_yet_accepted(api: Any) -> None:
    project = drive_to("tongzhou-2023", "submitted")
    applicant, lead = api("tz_applicant"), api("tz_lead_office")
    assert applicant.transition(project.pk, "withdraw", {"reason": "补充材料"})["state"] == "draft"
    assert applicant.transition(project.pk, "submit")["state"] == "submitted"
    lead.transition(project.pk, "preliminary-review-start")
    refused = applicant.transition(project.pk, "withdraw", status=409)
    assert "尚未受理" in refused["detail"]
    # A submitted application cannot be deleted either.
    assert applicant.client.delete(f"/api/v1/projects/{project.pk}").status_code == 409
