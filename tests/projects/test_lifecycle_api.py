"""For each pack, a project goes through its whole lifecycle via the API as a client would: at every
step it asks `next-steps` what comes next and who takes it, and acts as that body (通州 第八条 the
行政审批局 approves, 巴中 第六条 / 昌吉 第十四条（四） the 发改委, 昌吉 第二十四条 the 发改委 accepts).
Dates are real facts: each step happens after the one before and the self-evaluation falls inside
the pack's window (通州 第三十三条, 巴中 第四十二条, 昆都仑 第二十三条)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from govit.core.models import Role, RoleAssignment
from govit.policy import load_pack
from govit.projects import lifecycle
from govit.projects.authority import BODY_UNIT_KINDS
from govit.projects.demo import EVALUATED_BEFORE_GO_LIVE
from govit.projects.models import ProjectEvent
from govit.reviews.models import OpinionTask
from tests.projects.conftest import PREFIX, new_project

pytestmark = pytest.mark.usefixtures("world")
SCORES = {"necessity": 8, "technical": 8, "investment": 7, "security": 8, "sharing": 8}


def lifecycle_dates(pack_id: str) -> dict[str, str]:
    """Dates of a project evaluated today: gone live in the middle of the pack's self-evaluation window."""
    pack = load_pack(pack_id)
    window = next((d["window"] for d in pack.data.get("deadlines", []) if d["code"] == "self_evaluation_window"),
                  None)
    months = 6.0
    if window:
        months = (pack.parameters[window["from_months"]["param"]]["value"]
                  + pack.parameters[window["until_months"]["param"]]["value"]) / 2
    live = round(months * 30.5)
    return {k: (date.today() - timedelta(days=live + v)).isoformat() for k, v in EVALUATED_BEFORE_GO_LIVE.items()}


def actor(api: Any, prefix: str, step: dict[str, Any]) -> Any:
    """The demo user of the body the step names (`role`, and `by` for a deciding unit)."""
    role = step["role"]
    if role in (Role.APPLICANT, Role.LEAD_OFFICE, Role.LEADERSHIP):
        return api(f"{prefix}_{role}")
    kinds = [k for by in step.get("by", []) for k in BODY_UNIT_KINDS.get(by, ())]
    ra = RoleAssignment.objects.filter(role=Role.MEMBER_REVIEWER, user__username__startswith=f"{prefix}_",
                                       unit__kind__in=kinds).select_related("user").first()
    assert ra is not None, step
    return api(ra.user.username)


def answer_open_tasks(api: Any, prefix: str, pid: int) -> None:
    """Each open opinion task by its own unit; the experts' one by a drawn, signed panel where the pack
    requires it (巴中 第五条, 昌吉 第三十二条), else recorded by the lead office."""
    lead = api(f"{prefix}_lead_office")
    for task in OpinionTask.objects.filter(project_id=pid, status="open").select_related("unit"):
        if task.body == "experts":
            if (load_pack(task.project.pack_id).data.get("expert_panel") or {}).get("drawn"):
                draw_and_sign(api, prefix, pid)
            else:
                lead.post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"})
            continue
        signers = RoleAssignment.objects.filter(unit=task.unit).exclude(role__in=("system_admin", "security_admin",
                                                                                  "audit_admin"))
        assert signers.exists(), f"nobody can answer {task.body}"
        api(signers.first().user.username).post(f"/opinion-tasks/{task.pk}/opinion", {"opinion": "agree"})


def draw_and_sign(api: Any, prefix: str, pid: int) -> None:
    from govit.experts.demo import ensure_library, expert_account
    from govit.projects.models import Project

    lead = api(f"{prefix}_lead_office")
    project = Project.objects.get(pk=pid)
    ensure_library(project.jurisdiction, lead.user)
    body = {"project_id": pid, "purpose": "approval_review", "reserve_per_category": 1,
            "requested": {"software_engineering": 2, "network_security": 2, "cost_finance": 1}}
    draw = lead.post("/experts/draws", body, status=201)
    lead.post(f"/experts/draws/{draw['id']}/execute")
    opened = lead.post(f"/experts/draws/{draw['id']}/open")
    for member in opened["panel"]:
        from govit.experts.models import DrawMember

        user = expert_account(DrawMember.objects.get(pk=member["id"]).expert, lead.user)
        review = {"scores": SCORES, "opinion": "agree", "comments": "方案可行。", "no_conflict": True}
        api(user.username).post(f"/experts/my-reviews/{member['id']}/review", review, status=201)


def _drive(api: Any, pack_id: str) -> dict:
    prefix = PREFIX[pack_id]
    applicant, lead = api(f"{prefix}_applicant"), api(f"{prefix}_lead_office")
    when = lifecycle_dates(pack_id)
    project = new_project(applicant, name=f"{prefix} 全流程测试项目")
    pid = project["id"]
    assert project["state"] == "draft" and project["pack_id"] == pack_id
    applicant.patch(f"/projects/{pid}", {"facts": {"annual_om_wan": 25}})
    evaluation = applicant.post(f"/projects/{pid}/evaluate")
    assert evaluation["verdict"] in ("eligible", "incomplete") and evaluation["pack"]["id"] == pack_id
    seen: list[str] = []
    for _ in range(60):
        steps = lead.get(f"/projects/{pid}/next-steps")["steps"]
        if not steps:
            break
        step = steps[0]
        who = actor(api, prefix, step) if step["action"] != "opinion_submit" else lead
        action, missing = step["action"], step.get("missing") or []
        seen.append(action)
        for code in (m for m in missing if m != "supervision_unified_service"):
            applicant.upload(pid, code)
        if action == "opinion_submit":
            answer_open_tasks(api, prefix, pid)
        elif action == "submit":
            who.transition(pid, "submit")
        elif action == "preliminary_review_start":
            who.transition(pid, "preliminary-review-start")
        elif action == "preliminary_review_decide":
            who.transition(pid, "preliminary-review-decide", {"decision": "accept"})
        elif action == "plan_item_add":
            jurisdiction_id = applicant.get(f"/projects/{pid}")["jurisdiction"]["id"]
            plan = lead.post("/plans", {"jurisdiction_id": jurisdiction_id, "year": 2027}, status=201)
            lead.post(f"/plans/{plan['id']}/items", {"project_id": pid})
            lead.post(f"/plans/{plan['id']}/submit")
            lead.post(f"/plans/{plan['id']}/approve", status=403)  # leadership approves, not the office
            approved = api(f"{prefix}_leadership").post(f"/plans/{plan['id']}/approve")
            assert approved["status"] == "approved" and approved["items"][0]["project_state"] == "planned"
        elif action == "review_route":
            who.transition(pid, "review-route", {})
        elif action == "approval_decide":
            if who.username != lead.username:
                # The body the pack names decides, not the lead office.
                lead.transition(pid, "approval-decide", {"decision": "approve", "document_no": "x"}, status=403)
            body = {"decision": "approve", "document_no": "测批〔2026〕8号", "approved_on": when["approved"]}
            assert who.transition(pid, "approval-decide", body)["state"] == "approved"
        elif action == "approval_exempt":
            who.transition(pid, "approval-exempt", {})
        elif action == "filing_record":
            who.transition(pid, "filing", {})
        elif action == "procurement_start":
            who.transition(pid, "procurement-start", {"on": when["procurement_started"]})
        elif action == "construction_start":
            if "supervision_unified_service" in missing:
                applicant.post(f"/projects/{pid}/supervision-request", {"reason": "申请统一监理"})
            who.transition(pid, "construction-start", {"on": when["construction_started"]})
            _construction_extras(api, pack_id, pid)
        elif action == "completion_report":
            body = {"completed_on": when["completed"], "trial_started_on": when["trial_started"]}
            who.transition(pid, "completion", body)
        elif action == "pre_acceptance_request":
            who.transition(pid, "pre-acceptance-request")
            assert any(i["project_id"] == pid for i in lead.get("/projects/inbox?limit=200")["items"])
        elif action == "pre_acceptance_decide":
            who.transition(pid, "pre-acceptance-decide", {"decision": "pass"})
        elif action == "acceptance_request":
            who.transition(pid, "acceptance-request", {"on": when["acceptance_requested"]})
        elif action == "acceptance_decide":
            body = {"decision": "pass", "on": when["accepted"]}
            assert who.transition(pid, "acceptance-decide", body)["state"] == "accepted"
        elif action == "go_live_record":
            assert who.transition(pid, "go-live", {"on": when["go_live"]})["state"] == "in_operation"
            applicant.post(f"/projects/{pid}/operations", {"period": "2026年第3季度", "content": "日常巡检"},
                           status=201)
        elif action == "self_evaluation_submit":
            body = {"summary": "绩效目标实现", "goals_met": True, "score": 92}
            assert who.transition(pid, "self-evaluation", body)["state"] == "evaluated"
        elif action == "post_evaluation_record":
            who.transition(pid, "post-evaluation", {"summary": "后评价：良好", "score": 88})
        elif action == "change_request_decide":
            change = next(c for c in applicant.get(f"/projects/{pid}/changes")["items"]
                          if c["status"] == "pending")
            who.post(f"/projects/{pid}/changes/{change['id']}/decide", {"decision": "approve"})
        else:  # pragma: no cover - a step the test does not know
            raise AssertionError(action)
    final = applicant.get(f"/projects/{pid}")
    assert final["state"] == "evaluated", seen
    assert {"approved", "procurement_started", "construction_started", "completed", "accepted",
            "go_live"} <= set(final["facts"]["dates"])
    return final


def _construction_extras(api: Any, pack_id: str, pid: int) -> None:
    prefix = PREFIX[pack_id]
    applicant = api(f"{prefix}_applicant")
    deadlines = {d["code"] for d in lifecycle.load_pack(pack_id).data.get("deadlines", [])}
    period = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    report = {"kind": "quarterly", "period": period, "implementation": "完成需求调研", "year_investment_wan": 50}
    applicant.post(f"/projects/{pid}/reports", report, status=201 if "progress_report_due" in deadlines else 409)
    yearly = {"kind": "yearly", "period": str(date.today().year - 1), "performance": "进度符合计划",
              "year_investment_wan": 120}
    applicant.post(f"/projects/{pid}/reports", yearly, status=201 if "performance_report_due" in deadlines else 409)
    change = {"change": {"increase_wan": 20, "decrease_wan": 20, "basis": "technical_optimization",
                         "goal_unchanged": True, "new_content_wan": 5},
              "description": "优化技术方案，调整部分采购内容"}
    created = applicant.post(f"/projects/{pid}/changes", change, status=201)
    assert float(created["estimate_wan"]) == 300
    if pack_id == "bazhong-2022":  # 巴中 第二十五条: any adjustment goes through the 变更手续 (re-approval)
        assert created["route"] == "full_reapproval" and created["status"] == "reapproval"
        _reapprove(api, prefix, pid)
    elif created["status"] == "pending":
        decided = api(f"{prefix}_lead_office").post(f"/projects/{pid}/changes/{created['id']}/decide",
                                                    {"decision": "approve"})
        assert decided["status"] == "approved"
    else:
        assert created["route"] == "self_adjust_and_file" and created["status"] == "filed"


def _reapprove(api: Any, prefix: str, pid: int) -> None:
    """The re-approval path: the lead office routes the project back to review, the opinions come in, the
    approving body decides and the project is back in construction."""
    lead = api(f"{prefix}_lead_office")
    assert lead.transition(pid, "review-route", {})["state"] == "under_review"
    while OpinionTask.objects.filter(project_id=pid, status="open").exists():
        answer_open_tasks(api, prefix, pid)
    step = next(s for s in lead.get(f"/projects/{pid}/next-steps")["steps"] if s["action"] == "approval_decide")
    back = actor(api, prefix, step).transition(pid, "approval-decide",
                                               {"decision": "approve", "document_no": "调概〔2026〕2号"})
    assert back["state"] == "construction" and float(back["approved_estimate_wan"]) == 300


@pytest.mark.parametrize("pack_id", ["kundulun-2024", "bazhong-2022", "tongzhou-2023", "changji-2025"])
def test_whole_lifecycle_via_api(api: Any, pack_id: str) -> None:
    final = _drive(api, pack_id)
    kinds = list(ProjectEvent.objects.filter(project_id=final["id"]).values_list("kind", flat=True))
    assert kinds[0] == "create" and "submit" in kinds and kinds[-1] == "post_evaluation"
    page = api(f"{PREFIX[pack_id]}_applicant").get(f"/projects/{final['id']}/timeline?limit=200")
    timeline = page["items"]
    assert page["count"] == len(kinds) == len(timeline) and page["next"] is None
    transitions = [e["to_state"] for e in timeline if e["from_state"] and e["from_state"] != e["to_state"]
                   and not e["kind"].startswith(("review.reapproval", "change.reapproval"))]
    assert transitions == lifecycle.main_sequence(pack_id)[1:]
    assert float(final["approved_estimate_wan"]) == 300
    docx = api(f"{PREFIX[pack_id]}_applicant").get(f"/projects/{final['id']}/application-form.docx")
    assert docx.content[:2] == b"PK"
