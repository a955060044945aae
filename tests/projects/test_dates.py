"""Dates are facts, checked, never trusted: every date a client sends is refused when it lies in the
future, before the step it follows or outside the plausible range; acceptance cannot be dated inside
the trial run (巴中 第二十八条); report periods that have not begun are refused (通州 第十九条 每季度末)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from govit.projects.models import Project
from tests.projects.conftest import days_ago, drive_to

pytestmark = pytest.mark.usefixtures("world")


def _later(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def _articles(body: dict) -> set[int]:
    return {c["article"] for c in body["citations"]}


def test_future_approval_date_is_refused_citing_the_stage(api: Any) -> None:
    """通州 第八条: a 批复 that has not happened yet cannot be recorded."""
    project = drive_to("tongzhou-2023", "under_review")
    api("tz_applicant").upload(project.pk, "feasibility_study")
    bureau = api("tz_reviewer_approval_bureau")
    body = {"decision": "approve", "document_no": "通审批〔2026〕3号", "approved_on": _later(5)}
    refused = bureau.transition(project.pk, "approval-decide", body, status=409)
    assert refused["code"] == "date_in_future" and "晚于今天" in refused["detail"] and 8 in _articles(refused)
    assert Project.objects.get(pk=project.pk).state == "under_review"


def test_implausible_date_is_bad_input_naming_the_field(api: Any) -> None:
    project = drive_to("tongzhou-2023", "approved")
    # The shared bounds (govit.bounds) answer in the API schema: 422 naming the field.
    refused = api("tz_applicant").transition(project.pk, "procurement-start", {"on": "1999-12-31"}, status=422)
    assert refused["field"] == "on" and "2000-01-01" in refused["detail"] and refused["code"] == "validation_error"


@pytest.mark.parametrize("pack_id", ["tongzhou-2023", "kundulun-2024"])
def test_procurement_before_approval_is_refused(api: Any, pack_id: str) -> None:
    project = drive_to(pack_id, "approved")
    approved = date.fromisoformat(project.facts["dates"]["approved"])
    prefix = {"tongzhou-2023": "tz", "kundulun-2024": "kdl"}[pack_id]
    early = (approved - timedelta(days=1)).isoformat()
    refused = api(f"{prefix}_applicant").transition(project.pk, "procurement-start", {"on": early}, status=409)
    assert refused["code"] == "date_before_previous_step" and "批复日期" in refused["detail"]
    assert refused["citations"]


def test_completion_before_construction_start_is_refused(api: Any) -> None:
    """建成 cannot come before 开工 (nor 采购, 批复)."""
    project = drive_to("changji-2025", "construction")
    started = date.fromisoformat(project.facts["dates"]["construction_started"])
    applicant = api("cj_applicant")
    before = (started - timedelta(days=3)).isoformat()
    refused = applicant.transition(project.pk, "completion", {"completed_on": before}, status=409)
    assert "建成日期" in refused["detail"] and "开工日期" in refused["detail"]
    refused = applicant.transition(project.pk, "completion", {"completed_on": _later(1)}, status=409)
    assert refused["code"] == "date_in_future"
    # A trial run cannot start before the system is complete.
    body = {"completed_on": days_ago(10), "trial_started_on": days_ago(20)}
    refused = applicant.transition(project.pk, "completion", body, status=409)
    assert "试运行开始日期" in refused["detail"]
    assert applicant.transition(project.pk, "completion", {"completed_on": days_ago(10)})["state"] == "trial_run"


def test_construction_start_before_procurement_is_refused(api: Any) -> None:
    project = drive_to("kundulun-2024", "procurement")
    started = date.fromisoformat(project.facts["dates"]["procurement_started"])
    applicant = api("kdl_applicant")
    applicant.upload(project.pk, "supervision_contract")
    early = (started - timedelta(days=1)).isoformat()
    refused = applicant.transition(project.pk, "construction-start", {"on": early}, status=409)
    assert "开工日期" in refused["detail"] and "启动采购日期" in refused["detail"]


def test_bazhong_acceptance_inside_the_three_month_trial_run_is_refused(api: Any) -> None:
    """巴中 第二十八条: 经3个月试运行正常后组织项目验收 — neither applied for nor dated inside the trial run."""
    project = drive_to("bazhong-2022", "construction")
    applicant = api("bz_applicant")
    applicant.transition(project.pk, "completion", {"completed_on": days_ago(100), "trial_started_on": days_ago(100)})
    applicant.upload(project.pk, "pre_acceptance_report")
    applicant.transition(project.pk, "pre-acceptance-request")
    api("bz_lead_office").transition(project.pk, "pre-acceptance-decide", {"decision": "pass"})
    for code in ("construction_summary", "financial_report", "audit_report", "resource_sharing_report",
                 "third_party_test_report", "security_risk_assessment", "mlps_assessment",
                 "data_security_assessment", "crypto_assessment"):
        applicant.upload(project.pk, code)
    # The application dated 50 days into the trial run is refused, citing 第二十八条.
    refused = applicant.transition(project.pk, "acceptance-request", {"on": days_ago(50)}, status=409)
    assert refused["code"] == "inside_trial_run" and 28 in _articles(refused)
    applicant.transition(project.pk, "acceptance-request", {"on": days_ago(5)})
    reform = api("bz_member_reviewer")  # 市发展改革委 (第二十九条 会同)
    refused = reform.transition(project.pk, "acceptance-decide", {"decision": "pass", "on": days_ago(20)},
                                status=409)
    assert refused["code"] == "date_before_previous_step" and "申请竣工验收日期" in refused["detail"]
    assert reform.transition(project.pk, "acceptance-decide", {"decision": "pass", "on": days_ago(1)})["state"] \
        == "accepted"


def test_go_live_before_acceptance_is_refused(api: Any) -> None:
    project = drive_to("tongzhou-2023", "accepted")
    accepted = date.fromisoformat(project.facts["dates"]["accepted"])
    early = (accepted - timedelta(days=1)).isoformat()
    refused = api("tz_applicant").transition(project.pk, "go-live", {"on": early}, status=409)
    assert "投入运行日期" in refused["detail"] and "验收日期" in refused["detail"] and 32 in _articles(refused)


def test_report_for_a_period_that_has_not_begun_is_refused(api: Any) -> None:
    """通州 第十九条: 每季度末报送 — a quarter that has not begun has nothing to report."""
    project = drive_to("tongzhou-2023", "construction")
    applicant = api("tz_applicant")
    today = date.today()
    next_quarter = today.replace(day=1) + timedelta(days=95)
    period = f"{next_quarter.year}Q{(next_quarter.month - 1) // 3 + 1}"
    refused = applicant.post(f"/projects/{project.pk}/reports", {"kind": "quarterly", "period": period}, status=409)
    assert refused["code"] == "period_not_begun" and 19 in _articles(refused)
    refused = applicant.post(f"/projects/{project.pk}/reports", {"kind": "yearly", "period": str(today.year + 1)},
                             status=409)
    assert 26 in _articles(refused)
    approved = date.fromisoformat(project.facts["dates"]["approved"])
    refused = applicant.post(f"/projects/{project.pk}/reports",
                             {"kind": "quarterly", "period": f"{approved.year - 1}Q1"}, status=409)
    assert refused["code"] == "period_before_approval"
    current = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    applicant.post(f"/projects/{project.pk}/reports", {"kind": "quarterly", "period": current}, status=201)
