"""For each pack, a project goes through its whole lifecycle via the API, as the right demo roles."""

from __future__ import annotations

from typing import Any

import pytest

from govit.core.models import ADMIN_ROLES, RoleAssignment
from govit.projects import lifecycle
from govit.projects.models import ProjectEvent
from govit.reviews.models import OpinionTask
from tests.projects.conftest import PREFIX, days_ago, new_project

pytestmark = pytest.mark.usefixtures("world")


def _answer_all_tasks(api: Any, prefix: str, project_id: int) -> None:
    # The three administrators are refused every business endpoint (三员分立), so they are not asked.
    jurisdiction_users = RoleAssignment.objects.filter(user__username__startswith=f"{prefix}_").exclude(
        role__in=ADMIN_ROLES
    ).values_list("user__username", flat=True)
    for task in OpinionTask.objects.filter(project_id=project_id, status="open"):
        signers = [u for u in jurisdiction_users if task.pk in {t["id"] for t in api(u).get("/opinion-tasks")}]
        assert signers, f"nobody can answer {task.body}"
        # Only the task's own unit sees it (and the lead office for the expert placeholder).
        for username in signers:
            user_units = RoleAssignment.objects.filter(user__username=username).values_list("unit_id", flat=True)
            assert task.unit_id in user_units or (task.body == "experts" and username.endswith("_lead_office"))
        api(signers[0]).post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree", "comments": ""})


def _drive(api: Any, pack_id: str) -> dict:
    prefix = PREFIX[pack_id]
    applicant, lead, leadership = api(f"{prefix}_applicant"), api(f"{prefix}_lead_office"), api(f"{prefix}_leadership")
    sequence = lifecycle.main_sequence(pack_id)
    project = new_project(applicant, name=f"{prefix} 全流程测试项目")
    pid = project["id"]
    assert project["state"] == "draft" and project["pack_id"] == pack_id

    applicant.patch(f"/projects/{pid}", {"facts": {"annual_om_wan": 25}})
    evaluation = applicant.post(f"/projects/{pid}/evaluate")
    assert evaluation["verdict"] in ("eligible", "incomplete") and evaluation["pack"]["id"] == pack_id
    for code in applicant.get(f"/projects/{pid}/next-steps")["steps"][0]["missing"]:
        applicant.upload(pid, code)
    assert applicant.transition(pid, "submit")["state"] == "submitted"

    if "preliminary_review" in sequence:
        assert lead.transition(pid, "preliminary-review-start")["state"] == "preliminary_review"
    if "in_library" in sequence:
        assert lead.transition(pid, "preliminary-review-decide", {"decision": "accept"})["state"] == "in_library"

    def plan() -> None:
        jurisdiction_id = applicant.get(f"/projects/{pid}")["jurisdiction"]["id"]
        plan = lead.post("/plans", {"jurisdiction_id": jurisdiction_id, "year": 2027}, status=201)
        lead.post(f"/plans/{plan['id']}/items", {"project_id": pid})
        lead.post(f"/plans/{plan['id']}/submit")
        lead.post(f"/plans/{plan['id']}/approve", status=403)  # leadership approves, not the office
        approved = leadership.post(f"/plans/{plan['id']}/approve")
        assert approved["status"] == "approved" and approved["items"][0]["project_state"] == "planned"

    def review() -> None:
        assert lead.transition(pid, "review-route", {})["state"] == "under_review"
        _answer_all_tasks(api, prefix, pid)

    for stage in sequence[sequence.index("submitted") + 1:]:
        if stage in ("preliminary_review", "in_library"):
            continue  # done above
        if stage == "planned":
            plan()
        elif stage == "under_review":
            review()
        elif stage == "approved":
            steps = lead.get(f"/projects/{pid}/next-steps")["steps"]
            missing = next(s for s in steps if s["action"] == "approval_decide")["missing"]
            if missing:
                refused = lead.transition(pid, "approval-decide", {"decision": "approve"}, status=409)
                assert set(refused["missing"]) == set(missing) and refused["citations"]
            for code in missing:
                applicant.upload(pid, code)
            body = {"decision": "approve", "document_no": "测批〔2026〕8号", "approved_on": days_ago(200)}
            assert lead.transition(pid, "approval-decide", body)["state"] == "approved"
        elif stage == "filed":
            assert lead.transition(pid, "filing", {})["state"] == "filed"
        elif stage == "procurement":
            applicant.transition(pid, "procurement-start", {"on": days_ago(180)})
        elif stage == "construction":
            applicant.transition(pid, "construction-start")
            _construction_extras(api, pack_id, pid)
        elif stage == "trial_run":
            body = {"completed_on": days_ago(120), "trial_started_on": days_ago(120)}
            assert applicant.transition(pid, "completion", body)["state"] == "trial_run"
        elif stage == "pre_acceptance":
            if "trial_run" not in sequence:
                applicant.transition(pid, "completion", {"completed_on": days_ago(120)})
            entry = lifecycle.checklist(pack_id, "pre_acceptance") or {}
            for code in entry.get("documents", []):
                applicant.upload(pid, code)
            assert applicant.transition(pid, "pre-acceptance-request")["state"] == "pre_acceptance"
            assert any(i["project_id"] == pid for i in lead.get("/projects/inbox"))
            lead.transition(pid, "pre-acceptance-decide", {"decision": "pass"})
        elif stage == "accepted":
            steps = applicant.get(f"/projects/{pid}/next-steps")["steps"]
            for code in next(s for s in steps if s["action"] == "acceptance_request")["missing"]:
                applicant.upload(pid, code)
            applicant.transition(pid, "acceptance-request")
            body = {"decision": "pass", "on": days_ago(30)}
            assert lead.transition(pid, "acceptance-decide", body)["state"] == "accepted"
        elif stage == "in_operation":
            assert applicant.transition(pid, "go-live", {"on": days_ago(20)})["state"] == "in_operation"
            applicant.post(f"/projects/{pid}/operations", {"period": "2026年第3季度", "content": "日常巡检"},
                           status=201)
        elif stage == "evaluated":
            body = {"summary": "绩效目标实现", "goals_met": True, "score": 92}
            assert applicant.transition(pid, "self-evaluation", body)["state"] == "evaluated"
            lead.transition(pid, "post-evaluation", {"summary": "后评价：良好", "score": 88})
        else:  # pragma: no cover - a stage the test does not know
            raise AssertionError(stage)
    final = applicant.get(f"/projects/{pid}")
    assert final["state"] == "evaluated"
    assert {"approved", "procurement_started", "completed", "accepted", "go_live"} <= set(final["facts"]["dates"])
    return final


def _construction_extras(api: Any, pack_id: str, pid: int) -> None:
    prefix = PREFIX[pack_id]
    applicant, lead = api(f"{prefix}_applicant"), api(f"{prefix}_lead_office")
    deadlines = {d["code"] for d in lifecycle.load_pack(pack_id).data.get("deadlines", [])}
    report = {"kind": "quarterly", "period": "2026Q3", "implementation": "完成需求调研", "year_investment_wan": 50}
    applicant.post(f"/projects/{pid}/reports", report, status=201 if "progress_report_due" in deadlines else 409)
    yearly = {"kind": "yearly", "period": "2026", "performance": "进度符合计划", "year_investment_wan": 120}
    applicant.post(f"/projects/{pid}/reports", yearly, status=201 if "performance_report_due" in deadlines else 409)
    change = {"change": {"increase_wan": 20, "decrease_wan": 20, "basis": "technical_optimization",
                         "goal_unchanged": True, "new_content_wan": 5},
              "description": "优化技术方案，调整部分采购内容"}
    if pack_id == "bazhong-2022":  # 巴中: any adjustment is re-approved (refused as a change)
        applicant.post(f"/projects/{pid}/changes", change, status=409)
        return
    created = applicant.post(f"/projects/{pid}/changes", change, status=201)
    if created["status"] == "pending":
        decided = lead.post(f"/projects/{pid}/changes/{created['id']}/decide", {"decision": "approve"})
        assert decided["status"] == "approved"
    else:
        assert created["route"] == "self_adjust_and_file" and created["status"] == "filed"


@pytest.mark.parametrize("pack_id", ["kundulun-2024", "bazhong-2022", "tongzhou-2023", "changji-2025"])
def test_whole_lifecycle_via_api(api: Any, pack_id: str) -> None:
    final = _drive(api, pack_id)
    kinds = list(ProjectEvent.objects.filter(project_id=final["id"]).values_list("kind", flat=True))
    assert kinds[0] == "create" and "submit" in kinds and kinds[-1] == "post_evaluation"
    timeline = api(f"{PREFIX[pack_id]}_applicant").get(f"/projects/{final['id']}/timeline")
    transitions = [e for e in timeline if e["from_state"] and e["from_state"] != e["to_state"]]
    assert all(e["pack_digest"] and e["pack_id"] == pack_id for e in transitions)
    assert [e["to_state"] for e in transitions] == [
        s for s in lifecycle.main_sequence(pack_id)[1:]
    ]
    docx = api(f"{PREFIX[pack_id]}_applicant").get(f"/projects/{final['id']}/application-form.docx")
    assert docx.content[:2] == b"PK"
