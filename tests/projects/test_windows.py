"""Windows are enforced. 自评价 is refused before the pack's window opens (通州 第三十三条 6–12 个月, 巴中
第四十二条 12–24 个月, 昆都仑 第二十三条 一至两年) and, once it has closed, accepted only as a late filing.
通州 第三十条: applying for acceptance more than half a year after completion needs an approved 延期验收申请."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from govit.projects.models import Project, ProjectEvent
from tests.projects.conftest import days_ago, drive_to

pytestmark = pytest.mark.usefixtures("world")
PREFIX = {"tongzhou-2023": "tz", "bazhong-2022": "bz", "kundulun-2024": "kdl"}
EVALUATION = {"summary": "绩效目标基本实现", "goals_met": True}


@pytest.mark.parametrize(("pack_id", "article", "opens_after_days"),
                         [("tongzhou-2023", 33, 180), ("bazhong-2022", 42, 365), ("kundulun-2024", 23, 365)])
def test_self_evaluation_before_the_window_opens_is_refused(api: Any, pack_id: str, article: int,
                                                            opens_after_days: int) -> None:
    project = drive_to(pack_id, "in_operation")  # went live 20 days ago
    applicant = api(f"{PREFIX[pack_id]}_applicant")
    refused = applicant.transition(project.pk, "self-evaluation", EVALUATION, status=409)
    assert refused["code"] == "window_not_open" and article in {c["article"] for c in refused["citations"]}
    go_live = date.fromisoformat(project.facts["dates"]["go_live"])
    opens = date.fromisoformat(refused["detail"].split("自评价期为 ")[1][:10])
    assert abs((opens - go_live).days - opens_after_days) <= 3
    assert Project.objects.get(pk=project.pk).state == "in_operation"


def test_self_evaluation_after_the_window_is_accepted_as_a_late_filing(api: Any) -> None:
    """通州 第三十三条: closed 12 months after going live; a later filing is recorded as late."""
    from govit.projects.services.common import set_date

    project = drive_to("tongzhou-2023", "in_operation")
    # History as it stood: accepted and live 14 months ago (recorded when the platform was adopted).
    set_date(project, "accepted", date.today() - timedelta(days=430))
    set_date(project, "go_live", date.today() - timedelta(days=425))
    project.save()
    applicant = api("tz_applicant")
    body = {**EVALUATION, "late_reason": "系统升级延误"}
    assert applicant.transition(project.pk, "self-evaluation", body)["state"] == "evaluated"
    event = ProjectEvent.objects.filter(project=project, kind="self_evaluation").get()
    assert event.details["late"] is True and event.details["window"]["status"] == "closed"
    assert event.reason == "系统升级延误" and event.citations[0]["article"] == 33


def test_self_evaluation_inside_the_window_is_not_late(api: Any) -> None:
    project = drive_to("bazhong-2022", "evaluated")  # the demo plan puts go-live mid-window (第四十二条)
    event = ProjectEvent.objects.filter(project=project, kind="self_evaluation").get()
    assert event.details["late"] is False and event.details["window"]["status"] == "open"


def _tongzhou_in_trial_run_completed(days: int) -> Project:
    """A 通州 project in trial run, completed `days` ago (its construction started 270 days ago)."""
    from govit.projects.services.common import set_date

    project = drive_to("tongzhou-2023", "trial_run")
    set_date(project, "completed", date.today() - timedelta(days=days))
    set_date(project, "trial_started", date.today() - timedelta(days=days))
    project.save()
    return project


ACCEPTANCE_DOCS = ["construction_summary", "financial_report", "audit_report", "mlps_filing_certificate",
                   "security_risk_assessment", "mlps_assessment", "crypto_assessment", "archives_acceptance"]


def test_tongzhou_late_acceptance_application_needs_an_approved_extension(api: Any) -> None:
    """通州 第三十条: 建成后半年内申请竣工验收；不能按期申请的，提出延期验收申请."""
    project = _tongzhou_in_trial_run_completed(200)
    applicant, lead = api("tz_applicant"), api("tz_lead_office")
    for code in ACCEPTANCE_DOCS:
        applicant.upload(project.pk, code)
    refused = applicant.transition(project.pk, "acceptance-request", status=409)
    assert refused["code"] == "acceptance_extension_required" and refused["missing"] == ["acceptance_extension"]
    assert 30 in {c["article"] for c in refused["citations"]} and "延期验收申请" in refused["detail"]

    # The application: a reason and a date after the deadline; only the lead office decides it.
    applicant.post(f"/projects/{project.pk}/acceptance-extensions", {"reason": "", "requested_until": days_ago(-30)},
                   status=400)
    until = (date.today() + timedelta(days=60)).isoformat()
    extension = applicant.post(f"/projects/{project.pk}/acceptance-extensions",
                               {"reason": "等保测评机构排期延后", "requested_until": until}, status=201)
    assert extension["status"] == "pending" and extension["citations"][0]["article"] == 30
    assert any(i["kind"] == "extension" for i in lead.get("/projects/inbox?limit=200")["items"])
    applicant.post(f"/projects/{project.pk}/acceptance-extensions/{extension['id']}/decide",
                   {"decision": "approve"}, status=403)
    # Still pending: the application is still refused.
    applicant.transition(project.pk, "acceptance-request", status=409)
    decided = lead.post(f"/projects/{project.pk}/acceptance-extensions/{extension['id']}/decide",
                        {"decision": "approve", "comment": "同意延期"})
    assert decided["status"] == "approved"
    assert applicant.transition(project.pk, "acceptance-request")["awaiting"] == "acceptance"
    kinds = set(ProjectEvent.objects.filter(project=project).values_list("kind", flat=True))
    assert {"acceptance_extension.request", "acceptance_extension.approve", "acceptance.request"} <= kinds


def test_tongzhou_refused_extension_leaves_the_application_refused(api: Any) -> None:
    project = _tongzhou_in_trial_run_completed(200)
    applicant, lead = api("tz_applicant"), api("tz_lead_office")
    until = (date.today() + timedelta(days=30)).isoformat()
    extension = applicant.post(f"/projects/{project.pk}/acceptance-extensions",
                               {"reason": "资金未到位", "requested_until": until}, status=201)
    lead.post(f"/projects/{project.pk}/acceptance-extensions/{extension['id']}/decide", {"decision": "reject"},
              status=400)  # a refusal needs its reason
    lead.post(f"/projects/{project.pk}/acceptance-extensions/{extension['id']}/decide",
              {"decision": "reject", "comment": "理由不充分"})
    for code in ACCEPTANCE_DOCS:
        applicant.upload(project.pk, code)
    assert applicant.transition(project.pk, "acceptance-request", status=409)["missing"] == ["acceptance_extension"]


def test_acceptance_within_half_a_year_needs_no_extension(api: Any) -> None:
    project = _tongzhou_in_trial_run_completed(60)
    applicant = api("tz_applicant")
    for code in ACCEPTANCE_DOCS:
        applicant.upload(project.pk, code)
    applicant.transition(project.pk, "acceptance-request")
    until = (date.today() + timedelta(days=30)).isoformat()
    # Nothing to extend once the application is in, and packs without the deadline have no extension.
    applicant.post(f"/projects/{project.pk}/acceptance-extensions", {"reason": "x", "requested_until": until},
                   status=409)
    other = drive_to("changji-2025", "trial_run")
    refused = api("cj_applicant").post(f"/projects/{other.pk}/acceptance-extensions",
                                       {"reason": "x", "requested_until": until}, status=409)
    assert refused["code"] == "extension_not_applicable"


def test_demo_has_no_project_evaluated_outside_its_window(world: None) -> None:
    import io

    from govit.projects.demo import load_projects_demo

    load_projects_demo(stdout=io.StringIO())
    events = ProjectEvent.objects.filter(kind="self_evaluation", project__name__endswith="（演示）")
    assert events.count() == 4
    for event in events:
        window = event.details.get("window")
        assert event.details.get("late") is False
        if window:  # 昌吉 has no self-evaluation window
            assert window["from"] <= date.today().isoformat() <= window["until"], event.project.name
