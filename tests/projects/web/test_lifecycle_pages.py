"""One tongzhou-2023 project through its whole lifecycle via the web pages, as the right demo roles;
who may open which page; refusals name their article and what is missing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govit.core.models import RoleAssignment, User
from govit.projects.demo import BASE_FACTS, sample_docx
from govit.projects.models import Project
from govit.reviews.models import OpinionTask
from govit.reviews.selectors import opinion_tasks_for

pytestmark = pytest.mark.usefixtures("world")
PACK = "tongzhou-2023"


class Web:
    """A signed-in browser-like client that checks status codes."""

    def __init__(self, username: str):
        self.username = username
        self.user = User.objects.get(username=username)
        self.client = Client()
        self.client.force_login(self.user)

    def get(self, path: str, status: int | tuple[int, ...] = 200, **extra: Any) -> str:
        response = self.client.get(path, **extra)
        allowed = status if isinstance(status, tuple) else (status,)
        assert response.status_code in allowed, (self.username, path, response.status_code)
        return response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""

    def post(self, path: str, data: dict[str, Any] | None = None, status: int = 302, **extra: Any) -> str:
        response = self.client.post(path, data or {}, **extra)
        body = response.content.decode(errors="replace")
        refusal = re.findall(r'refusal-message">([^<]*)', body)
        assert response.status_code == status, (self.username, path, response.status_code, refusal or _text(body)[:800])
        return body

    def act(self, pid: int, slug: str, status: int = 302, **fields: Any) -> str:
        data = {f"{slug}-{k}": v for k, v in fields.items()} | {"confirmed": "1"}
        return self.post(f"/projects/{pid}/do/{slug}/", data, status)

    def upload(self, pid: int, code: str) -> str:
        upload = SimpleUploadedFile(f"{code}.docx", sample_docx(code))
        return self.post(f"/projects/{pid}/materials/", {"material-doc_code": code, "material-file": upload})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _form_data(facts: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Project facts as the project form posts them (nested with "__", booleans as true/false)."""
    data: dict[str, Any] = {}
    for key, value in facts.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            data.update(_form_data(value, f"{name}__"))
        elif isinstance(value, bool):
            data[name] = "true" if value else "false"
        else:
            data[name] = value
    return data


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def state(pid: int) -> str:
    return Project.objects.get(pk=pid).state


def _answer_tasks(pid: int) -> None:
    users = User.objects.filter(role_assignments__jurisdiction__code="320612").distinct()
    for task in OpinionTask.objects.filter(project_id=pid, status="open"):
        signers = [u for u in users if opinion_tasks_for(u).filter(pk=task.pk).exists()]
        assert signers, task.body
        web = Web(signers[0].username)
        assert task.aspect in web.get("/reviews/")
        page = web.get(f"/reviews/{task.pk}/")
        assert "项目概况" in page and "签发意见" in page
        # Another member unit neither lists nor opens it.
        stranger = next(u for u in users if u.username.startswith("tz_reviewer_") and u not in signers)
        Web(stranger.username).get(f"/reviews/{task.pk}/", status=404)
        web.post(f"/reviews/{task.pk}/", {"opinion": "conditional"}, status=400)  # conditions required
        web.post(f"/reviews/{task.pk}/", {"opinion": "agree", "comments": "同意"})


def test_whole_lifecycle_through_the_web(settings: Any) -> None:
    from tests.projects.test_lifecycle_api import lifecycle_dates

    applicant, lead, leadership = Web("tz_applicant"), Web("tz_lead_office"), Web("tz_leadership")
    when = lifecycle_dates(PACK)

    # Create with the live pre-check.
    assert "新建项目" in applicant.get("/projects/new/")
    facts = {**BASE_FACTS, "name": "通州养老服务网页测试项目", "planned_year": 2027, "planned_wan": 300}
    partial = applicant.post("/projects/new/precheck/", _form_data(facts), status=200, HTTP_HX_REQUEST="true")
    assert "可以申报" in partial or "信息不完整" in partial
    bad = applicant.post("/projects/new/precheck/", {**_form_data(facts), "total_investment_wan": "-5"}, status=200)
    assert 'id="err-total_investment_wan" hx-swap-oob="true">不能为负数' in bad
    applicant.post("/projects/new/", _form_data(facts))
    project = Project.objects.get(name="通州养老服务网页测试项目")
    pid = project.pk
    assert project.pack_id == PACK and project.facts["total_investment_wan"] == 300

    page = applicant.get(f"/projects/{pid}/")
    assert "上传申报材料并提交申报" in page and "项目建议书" in page and 'aria-current="step"' in page

    # Edit while draft.
    assert "修改项目信息" in applicant.get(f"/projects/{pid}/edit/")
    applicant.post(f"/projects/{pid}/edit/", {**_form_data(facts), "annual_om_wan": 25})
    assert Project.objects.get(pk=pid).facts["annual_om_wan"] == 25

    # Submit is refused until the proposal is uploaded; the refusal names the article.
    refused = _text(applicant.act(pid, "submit", status=409))
    assert "申报材料不全" in refused and "项目建议书" in refused and "第七条" in refused
    assert f"/regulations/{PACK}/#art-7" in applicant.act(pid, "submit", status=409)
    applicant.upload(pid, "proposal")
    page = applicant.get(f"/projects/{pid}/")
    assert "SM3" in page and "SHA-256" in page
    applicant.act(pid, "submit")
    assert state(pid) == "submitted"

    # Lead office: inbox, preliminary review with 财政、审计、行政审批、保密 and experts (第七条; reject needs an
    # article), accept into the library once every opinion is in.
    assert "通州养老服务网页测试项目" in lead.get("/projects/inbox/")
    lead.act(pid, "preliminary-review-start")
    page = lead.act(pid, "preliminary-review-decide", status=400, decision="reject", reason="不符合规划")
    assert "不予立项须选择所依据的条款" in page
    refused = _text(lead.act(pid, "preliminary-review-decide", status=409, decision="accept", reason="材料齐全"))
    assert "尚有审查意见未出具" in refused and "区财政局" in refused and "第七条" in refused
    _answer_tasks(pid)
    lead.act(pid, "preliminary-review-decide", decision="accept", reason="材料齐全")
    assert state(pid) == "in_library"

    # Annual plan: lead office compiles and submits, leadership approves.
    assert "通州养老服务网页测试项目" in lead.get("/plans/")
    lead.post("/plans/", {"year": 2027})
    plan_id = int(re.search(r"/plans/(\d+)/", lead.get("/plans/")).group(1))
    lead.post(f"/plans/{plan_id}/add/", {"add-project": pid, "add-amount_wan": 300})
    lead.post(f"/plans/{plan_id}/submit/")
    lead.post(f"/plans/{plan_id}/approve/", status=403)
    assert "2027 年度建设计划" in leadership.get("/home/")
    leadership.post(f"/plans/{plan_id}/approve/")
    assert state(pid) == "planned"

    # Review: over 50万 the project goes to the 区行政审批局, which approves (第八条) — not the lead office.
    lead.act(pid, "review-route")
    assert state(pid) == "under_review"
    refused = _text(lead.act(pid, "approval-decide", status=403, decision="approve", document_no="x"))
    assert "区行政审批局" in refused and "第八条" in refused
    bureau = Web("tz_reviewer_approval_bureau")
    assert "提交审批决定" in bureau.get(f"/projects/{pid}/")

    # Approval is refused while the approval documents are missing (第九条); 300万 may merge them into one
    # feasibility study (第十一条: fewer documents than the full set).
    refused = _text(bureau.act(pid, "approval-decide", status=409, decision="approve", document_no="通审批〔2026〕1号"))
    assert "审批材料不全" in refused and "可行性研究报告" in refused and "第九条" in refused
    applicant.upload(pid, "feasibility_study")
    page = bureau.act(pid, "approval-decide", status=400, decision="approve", approved_on=when["approved"])
    assert "请填写批复文号" in page, re.findall(r'refusal-message">([^<]*)', page)
    bureau.act(pid, "approval-decide", decision="approve", document_no="通审批〔2026〕1号",
               approved_on=when["approved"])
    assert state(pid) == "approved" and Project.objects.get(pk=pid).approved_estimate_wan == 300

    # Procurement; over 100万 the 监理合同 comes before construction (第二十五条); a quarterly report.
    applicant.act(pid, "procurement-start", on=when["procurement_started"])
    refused = _text(applicant.act(pid, "construction-start", status=409, on=when["construction_started"]))
    assert "监理合同" in refused and "第二十五条" in refused
    applicant.upload(pid, "supervision_contract")
    applicant.act(pid, "construction-start", on=when["construction_started"])
    assert "报送" in applicant.get(f"/projects/{pid}/reports/new/")
    quarter = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    applicant.post(f"/projects/{pid}/reports/new/", {
        "kind": "quarterly", "period": quarter, "implementation": "完成需求调研", "year_investment_wan": 50,
        "total_investment_wan": 50, "funds_used_wan": 40})
    applicant.post(f"/projects/{pid}/reports/new/", {
        "kind": "quarterly", "period": quarter, "year_investment_wan": 0, "total_investment_wan": 0,
        "funds_used_wan": 0}, status=409)

    # An adjustment within 15% is applied for and agreed (第二十九条).
    assert "调整比例" in applicant.get(f"/projects/{pid}/changes/new/")
    small = {"increase_wan": 30, "decrease_wan": 30, "basis": "technical_optimization", "goal_unchanged": "true",
             "description": "优化技术方案"}
    assert "书面申请" in _text(applicant.post(f"/projects/{pid}/changes/preview/", small, status=200))
    applicant.post(f"/projects/{pid}/changes/new/", small)
    change = Project.objects.get(pk=pid).changes.get()
    assert change.status == "pending"
    lead.post(f"/projects/{pid}/changes/{change.pk}/decide/", {f"change{change.pk}-decision": "approve"})
    change.refresh_from_db()
    assert change.status == "approved"

    # One beyond the limit, counted with the first against the approved estimate, goes back for re-approval.
    big = {"increase_wan": 20, "basis": "business_need", "goal_unchanged": "true", "description": "增加模块"}
    preview = _text(applicant.post(f"/projects/{pid}/changes/preview/", big, status=200))
    assert "按原程序重新报批" in preview and "16.7%" in preview and "第二十九条" in preview
    applicant.post(f"/projects/{pid}/changes/new/", big)
    assert Project.objects.get(pk=pid).changes.filter(status="reapproval").exists()
    lead.act(pid, "review-route")
    assert state(pid) == "under_review"
    # At 320万 the documents may no longer be merged (第十一条: 300万元及以下): the 初步设计方案 is needed now.
    refused = _text(bureau.act(pid, "approval-decide", status=409, decision="approve", document_no="通审批〔2026〕9号"))
    assert "初步设计方案" in refused
    applicant.upload(pid, "preliminary_design")
    bureau.act(pid, "approval-decide", decision="approve", document_no="通审批〔2026〕9号")
    project = Project.objects.get(pk=pid)
    assert project.state == "construction" and project.approved_estimate_wan == 320

    # Completion and trial run; acceptance refused for a missing document, then passed.
    applicant.act(pid, "completion", completed_on=when["completed"], trial_started_on=when["trial_started"])
    assert state(pid) == "trial_run"
    acceptance = ["construction_summary", "financial_report", "audit_report", "mlps_filing_certificate",
                  "security_risk_assessment", "mlps_assessment", "crypto_assessment"]
    for code in acceptance:
        applicant.upload(pid, code)
    refused = _text(applicant.act(pid, "acceptance-request", status=409, on=when["acceptance_requested"]))
    assert "验收材料不全" in refused and "档案验收报告" in refused and "第三十条" in refused
    assert "✘ 档案验收报告" in _text(applicant.get(f"/projects/{pid}/"))
    applicant.upload(pid, "archives_acceptance")
    applicant.act(pid, "acceptance-request", on=when["acceptance_requested"])
    lead.act(pid, "acceptance-decide", decision="pass", on=when["accepted"])
    assert state(pid) == "accepted"

    # Go-live, O&M, self-evaluation inside its window (第三十三条); the lead office records the post-evaluation.
    applicant.act(pid, "go-live", on=when["go_live"])
    applicant.act(pid, "operation", period="2026年第3季度", content="日常巡检", cost_wan=2)
    applicant.act(pid, "self-evaluation", summary="绩效目标实现", goals_met="true", score="92")
    assert state(pid) == "evaluated"
    lead.act(pid, "post-evaluation", summary="后评价：良好", score="88")

    # The page tells the whole story; the 申报表 downloads.
    page = _text(applicant.get(f"/projects/{pid}/"))
    for text in ("提交申报", "初审通过、纳入储备库", "年度计划审定，列入计划", "出具审查意见", "批复立项",
                 "批复文号：通审批〔2026〕1号", "调整重新批复", "报送季度进展报告", "提出调整申请", "竣工验收通过",
                 "投入运行",
                 "提交自评价", "录入后评价", "政策包摘要", "已评价"):
        assert text in page, text
    response = applicant.client.get(f"/projects/{pid}/application-form.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    overview = leadership.get("/projects/portfolio/")
    assert project.unit.name in overview and "已评价" in overview and 'id="portfolio-chart-data"' in overview


def test_pages_per_role() -> None:
    applicant, lead = Web("tz_applicant"), Web("tz_lead_office")
    applicant.post("/projects/new/", _form_data({**BASE_FACTS, "name": "权限测试项目"}))
    pid = Project.objects.get(name="权限测试项目").pk
    member = RoleAssignment.objects.filter(role="member_reviewer", jurisdiction__code="320612").first().user.username
    pages = {
        "/projects/": {"tz_applicant": 200, "tz_lead_office": 200, "tz_leadership": 200,
                       "tz_system_admin": 403},
        "/projects/new/": {"tz_applicant": 200, "tz_lead_office": 403, member: 403, "tz_audit_admin": 403},
        f"/projects/{pid}/": {"tz_applicant": 200, "tz_lead_office": 200, "tz_leadership": 200, member: 404,
                              "bz_applicant": 404, "bz_lead_office": 404,
                              "tz_system_admin": (403, 404)},
        f"/projects/{pid}/edit/": {"tz_applicant": 200, "tz_lead_office": 403, "bz_applicant": 404},
        f"/projects/{pid}/reports/new/": {"tz_applicant": 200, "tz_lead_office": 403},
        f"/projects/{pid}/changes/new/": {"tz_applicant": 200, "tz_leadership": 403},
        f"/projects/{pid}/application-form.docx": {"tz_applicant": 200, "bz_applicant": 404},
        "/projects/inbox/": {"tz_lead_office": 200, "tz_applicant": 403, "tz_leadership": 403},
        "/projects/portfolio/": {"tz_leadership": 200, "tz_lead_office": 200, "tz_applicant": 403, member: 403},
        "/reviews/": {member: 200, "tz_applicant": 403, "tz_expert": 403},
        "/plans/": {"tz_lead_office": 200, "tz_leadership": 200, "tz_applicant": 403, member: 403},
    }
    for path, expected in pages.items():
        for username, status in expected.items():
            Web(username).get(path, status=status)
    # Actions of another role are refused by the service (403), not hidden only.
    applicant.act(pid, "preliminary-review-start", status=403)
    lead.act(pid, "submit", status=403)
    Web("bz_lead_office").act(pid, "suspend", status=404)


def test_forms_are_accessible() -> None:
    applicant = Web("tz_applicant")
    page = applicant.get("/projects/new/")
    assert "<script>" not in page and "style=" not in page
    inputs = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    assert inputs
    for field_id in inputs:
        assert f'for="{field_id}"' in page, field_id
    assert 'aria-describedby="err-name"' in page and 'id="err-name"' in page
    body = applicant.post("/projects/new/", {"name": "", "total_investment_wan": "x"}, status=400)
    assert re.search(r'id="err-name">请填写项目名称', body)
    assert re.search(r'id="err-total_investment_wan">请填写数字', body)
