"""The whole story in a real browser, as the people who use govit do it, on the tongzhou-2023 pack.

An applicant fills a project and meets a blocking finding with its article, fixes it, uploads the
materials and submits; the lead office (password + TOTP) starts the 初审, with each member department's
opinion and a drawn expert panel that signs its reviews (第七条); leadership approves the annual plan;
the 区行政审批局 approves (第八条); the applicant uploads the 监理合同, reports a quarter, sees the route of a
change beyond the limit, is refused acceptance for a missing document and then passes; O&M and
self-evaluation inside its window;
leadership's dashboard draws its charts. Every step leaves var/e2e/NN-step.png (1280x800), and a
few key pages also at 390x844 (var/e2e/phone-*.png).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, SHOTS, Shots, assert_no_overflow, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

PROJECT = "通州区居家养老服务信息平台"


def docx(tmp: Path, name: str) -> Path:
    from govit.projects.demo import sample_docx

    # A 建议书 or 可研 follows the outline of 通州 附件2 / 附件3 (its chapters are checked on upload).
    code = {"项目建议书": "proposal", "可行性研究报告": "feasibility_study"}.get(name)
    path = tmp / f"{name}.docx"
    path.write_bytes(sample_docx(f"{name} {code}" if code else name))
    return path


def named(label: str) -> re.Pattern[str]:
    """A field's label exactly, allowing the required-field star after it."""
    return re.compile("^" + re.escape(label) + r"\s*\*?$")


def fill(scope: Any, values: dict[str, Any]) -> None:
    """Fill fields by their visible label: selects by option text, checkboxes by True/False."""
    for label, value in values.items():
        if isinstance(value, bool):
            scope.get_by_role("checkbox", name=label, exact=True).set_checked(value)
            continue
        field = scope.get_by_label(named(label))
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(str(value))


def choose(select: Any, text: str) -> None:
    """Pick the option of a <select> whose text contains `text`."""
    select.select_option(value=select.locator("option", has_text=text).first.get_attribute("value"))


def action(page: Any, name: str) -> Any:
    """The form of one entry of 可办理事项 (opened if it is a collapsed <details>)."""
    summary = page.locator("#actions details > summary", has_text=name)
    if summary.count():
        details = summary.locator("xpath=..")
        if details.get_attribute("open") is None:
            summary.click()
        return details.locator("form")
    return page.locator("#actions form.action-button", has=page.get_by_role("button", name=name, exact=True))


def do(page: Any, name: str, values: dict[str, Any] | None = None, *, radio: str | None = None) -> None:
    form = action(page, name)
    if radio:
        form.get_by_label(radio, exact=True).check()
    fill(form, values or {})
    form.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def upload(page: Any, tmp: Path, label: str) -> None:
    form = page.locator("form.upload")
    form.get_by_label("材料类型").select_option(label=label)
    form.get_by_label(re.compile("^文件")).set_input_files(str(docx(tmp, label)))
    form.get_by_role("button", name="上传").click()
    expect(page.locator(".messages")).to_contain_text(f"已上传“{label}”")


def show(locator: Any) -> None:
    """Scroll so the element sits at the top of the window (for the screenshot)."""
    locator.evaluate("e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -16); }")


CHARTS_DRAWN = ("() => [...document.querySelectorAll('.chart')].every(el => el.querySelector('canvas') && "
                "window.echarts.getInstanceByDom(el).getZr().animation.isFinished())")


def success(page: Any, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def phone_shot(person: Any, path: str, name: str) -> None:
    """The same page on a 390-pixel-wide phone, for the README and the overflow check."""
    page = person.context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(path)
    if page.locator(".chart").count():
        page.wait_for_function(CHARTS_DRAWN)
    assert_no_overflow(page)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
    page.close()


def second_legal_expert_account() -> Any:
    """The demo library has two legal experts; the demo `tz_expert` is one. Give the other a login
    too, so a panel of both legal experts can be drawn and each signs their own review."""
    from django.contrib.auth.hashers import make_password

    from govit.core.demo import DEMO_PASSWORD
    from govit.core.models import Jurisdiction, Role, RoleAssignment, User
    from govit.experts.models import Expert
    from govit.experts.services import expert_update

    tongzhou = Jurisdiction.objects.get(code="320612")
    legal = [e for e in Expert.objects.filter(jurisdiction=tongzhou).order_by("pk") if "legal" in e.categories]
    assert len(legal) == 2 and legal[0].user.username == "tz_expert", legal
    user = User.objects.create(username="tz_expert_2", full_name=f"{legal[1].name}（演示专家）",
                               password=make_password(DEMO_PASSWORD))
    RoleAssignment.objects.create(user=user, role=Role.EXPERT, jurisdiction=tongzhou)
    expert_update(expert=legal[1], actor=User.objects.get(username="tz_lead_office"), user=user)
    return user


def test_project_lifecycle_in_a_browser(e2e_world: None, people: Any, shots: Shots, tmp_path: Path) -> None:
    from govit.projects.models import Project
    from tests.projects.test_lifecycle_api import lifecycle_dates

    # Real dates: each step after the one before; gone live mid-way through 第三十三条's window.
    when = lifecycle_dates("tongzhou-2023")

    # -- applicant: fill the project; a blocking finding with its article; fix it ------------------
    applicant = people("tz_applicant")
    page = applicant.page
    expect(page.get_by_role("heading", level=1)).to_have_text("项目建设单位工作台")
    shots.take(page, "applicant-workspace")

    page.goto("/projects/new/")
    fill(page, {
        "项目名称": PROJECT, "项目类别": "新建", "建设方式": "自行建设", "采购类型": "软件开发类",
        "项目服务类型": "政务服务、公共服务类", "是否涉密": "否", "建设总投资（万元，不含运维）": "300",
        "年度运维费用（万元）": "20", "资金需求年度": str(date.today().year + 2), "该年度需要资金（万元）": "300",
        "部署（迁移）到政务云": "是", "依托电子政务内网或外网": "是", "接入数据共享交换（开放）平台": "是",
        "接入统一协同办公平台": "是", "已编制信息资源目录": "否", "可研（初设）含信息资源共享分析篇（章）": "是",
        "按要求共享数据": "是", "提供数据接口": "是", "公共支撑平台": True, "数据资源": True,
    })
    page.get_by_text("安全保障", exact=True).click()
    fill(page, {"网络安全等级保护级别": "第三级", "符合等级保护要求": "是", "符合密码应用要求": "是",
                "存在重大安全隐患": "否"})
    result = page.locator("#precheck-result")
    blocked = result.locator("li", has_text="信息资源目录是审批政务信息化项目的必备条件")
    expect(blocked).to_be_visible()
    expect(blocked.get_by_role("link")).to_have_text(re.compile("第十条|第10条"))
    page.evaluate("() => window.scrollTo(0, 0)")
    shots.take(page, "precheck-blocking-finding")

    page.get_by_label(named("已编制信息资源目录")).select_option(label="是")
    expect(blocked).to_have_count(0)
    page.get_by_text("申报条件", exact=True).click()
    fill(page, {"建设需求明确": "是", "绩效目标明确": "是", "内部系统整合到位": "是", "数据目录普查到位": "是"})
    expect(result.locator(".verdict-label")).not_to_have_text(re.compile("不能申报|存在阻断"))
    shots.take(page, "precheck-fixed")
    page.get_by_role("button", name="创建项目（草稿）").click()
    success(page, "项目已创建")
    pid = Project.objects.get(name=PROJECT).pk
    project_path = f"/projects/{pid}/"

    # -- submit refused without the proposal (its article), upload, submit ------------------------
    do(page, "提交申报")
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("项目建议书")
    expect(refusal.get_by_role("link").first).to_have_text(re.compile("第七条"))
    shots.take(page, "submit-refused-missing-proposal")
    upload(page, tmp_path, "项目建议书")
    expect(page.locator("#materials")).to_contain_text("SM3")
    do(page, "提交申报")
    success(page, "已提交申报")
    shots.take(page, "submitted")

    # -- lead office: TOTP sign-in, inbox, preliminary review ---------------------------------------
    lead_office = people("tz_lead_office", on_otp=lambda p: shots.take(p, "lead-office-totp"))
    page = lead_office.page
    page.goto("/projects/inbox/?sort=new")  # the newest application first (the demo fills more than a page)
    expect(page.get_by_role("link", name=PROJECT, exact=True)).to_be_visible()
    shots.take(page, "lead-office-inbox")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    do(page, "受理并开始初审")
    success(page, "已受理")
    show(page.locator("#tasks-title"))
    shots.take(page, "review-routed")

    # -- 初审 with 财政、审计、行政审批、保密 (第七条): each member department gives its opinion -------------
    members = ["tz_member_reviewer", "tz_reviewer_audit", "tz_reviewer_approval_bureau", "tz_reviewer_secrecy_crypto"]
    for n, username in enumerate(members):
        page = people(username).page
        page.goto("/reviews/")
        row = page.locator("tbody tr", has_text=PROJECT).filter(has_not_text="专家评审意见")
        expect(row).to_have_count(1)
        row.get_by_role("link", name="出具意见").click()
        page.get_by_label("同意", exact=True).check()
        page.get_by_label(re.compile("^意见说明")).fill("经审查，同意。")
        if n == 0:
            shots.take(page, "member-opinion")
        page.get_by_role("button", name="签发意见").click()
        success(page, "已出具")

    # -- experts: drawn by the lead office (verifiable), each signs a review -----------------------
    second = second_legal_expert_account()
    page = lead_office.page
    page.goto(f"/experts/draws/new/?project={pid}")
    fill(page, {"法律": "2", "各类别备选人数": "0"})
    page.get_by_role("button", name=re.compile("生成抽取承诺|提交")).click()
    success(page, "已生成抽取承诺")
    page.get_by_role("button", name="公开种子并抽取").click()
    success(page, "完成抽取")
    page.get_by_role("button", name="核对并开始评审").click()
    success(page, "评审已开始")
    shots.take(page, "experts-drawn")
    for username in ("tz_expert", second.username):
        expert = people(username)
        page = expert.page
        page.goto("/experts/workspace/")
        page.locator("tbody tr", has_text=PROJECT).get_by_role("link", name="办理").click()
        page.get_by_label("同意", exact=True).check()
        for field in page.get_by_label(re.compile("分）$")).all():
            field.fill("8")
        page.get_by_label("评审意见").fill("需求明确，技术方案可行，投资估算合理。")
        page.get_by_role("checkbox", name=re.compile("本人声明")).check()
        if username == "tz_expert":
            shots.take(page, "expert-review", full_page=True)
        page.get_by_role("button", name=re.compile("签名提交")).click()
        success(page, "评审意见已签名提交")

    page = lead_office.page
    page.goto(project_path)
    do(page, "提交初审结论", {"理由或意见": "材料齐全，需求明确，同意纳入储备库。"}, radio="通过，纳入项目储备库")
    success(page, "初审结论已记录")
    expect(page.locator(".page-head .badge")).to_have_text("已入库（储备库）")

    # -- annual plan: the lead office compiles it, leadership approves ------------------------------
    page.goto("/plans/")
    year = str(date.today().year + 2)
    existing = page.get_by_role("link", name=f"{year} 年度计划", exact=True)
    if existing.count():  # the demo's draft plan for that year (built from the proposal): add to it
        existing.first.click()
    else:
        page.get_by_label(named("计划年度")).fill(year)
        page.get_by_role("button", name="新建年度计划").click()
        success(page, f"已新建 {year} 年度计划")
    choose(page.get_by_label(named("项目")), PROJECT)
    page.get_by_role("button", name="列入计划", exact=True).click()
    success(page, "列入计划")
    page.get_by_role("button", name="报请领导审定").click()
    plan_path = page.url
    leadership = people("tz_leadership")
    page = leadership.page
    page.goto(plan_path)
    page.get_by_role("button", name="审定通过").click()
    expect(page.locator("main")).to_contain_text(PROJECT)
    shots.take(page, "plan-approved")

    # -- the lead office sends it to the 区行政审批局, which approves (第八条) --------------------------
    page = lead_office.page
    page.goto(project_path)
    do(page, "组织审查（派发审查意见任务）")
    success(page, "已按政策包派发审查意见任务")
    bureau = people("tz_reviewer_approval_bureau")
    page = bureau.page
    page.goto(project_path)
    do(page, "提交审批决定", {"批复文号": "通审批〔2026〕18号", "批复日期（默认今天）": when["approved"]},
       radio="批复立项")
    expect(page.locator(".refusal")).to_contain_text("可行性研究报告")
    applicant_page = applicant.page
    applicant_page.goto(project_path)
    for label in ("可行性研究报告", "初步设计方案"):
        upload(applicant_page, tmp_path, label)
    page.goto(project_path)
    do(page, "提交审批决定", {"批复文号": "通审批〔2026〕18号", "批复日期（默认今天）": when["approved"]},
       radio="批复立项")
    success(page, "审批决定已记录")
    expect(page.locator(".page-head .badge")).to_have_text("已立项（批复）")
    shots.take(page, "approved")

    # -- applicant: procurement, construction, a quarterly report ----------------------------------
    page = applicant.page
    page.goto(project_path)
    do(page, "启动招标采购", {"日期（默认今天）": when["procurement_started"]})
    upload(page, tmp_path, "监理合同")  # 第二十五条: over 100万, 工程监理制
    do(page, "签订合同、开工建设", {"日期（默认今天）": when["construction_started"]})
    success(page, "项目已进入建设阶段")
    page.get_by_role("link", name="报送进展/绩效报告").click()
    quarter = (date.today().month - 1) // 3 + 1
    fill(page, {"报告类型": "季度进展报告", "报告期间": f"{date.today().year}Q{quarter}",
                "实施情况": "完成需求调研和总体设计，开发进度 40%。", "当年完成投资（万元）": "120",
                "累计完成投资（万元）": "120", "资金使用（万元）": "100"})
    shots.take(page, "quarterly-report")
    page.get_by_role("button", name=re.compile("报送")).click()
    success(page, "报告已报送")

    # -- a change beyond the limit shows its route before it is submitted --------------------------
    page.get_by_role("link", name="申请调整").click()
    fill(page, {"调增金额（万元）": "100", "调整依据": "业务发展需要", "建设目标不变": "是",
                "调整内容和理由": "增加养老服务补贴发放模块。"})
    preview = page.locator("#change-preview")
    expect(preview).to_contain_text("重新报批")
    expect(preview).to_contain_text("33.3%")
    shots.take(page, "change-beyond-limit")
    page.get_by_role("link", name="返回项目").click()

    # -- completion; acceptance refused for a missing document, then passed -------------------------
    do(page, "报告建成", {"建成日期（默认今天）": when["completed"],
                      "试运行开始日期（默认同建成日期）": when["trial_started"]})
    success(page, "已报告建成")
    # Upload what the page lists as due at this stage, except the archives office's opinion.
    due = page.locator('form.upload optgroup[label="本阶段须提交"] option').all_inner_texts()
    assert "档案验收报告" in due and len(due) >= 5, due
    for label in due:
        if label != "档案验收报告":
            upload(page, tmp_path, label)
    do(page, "申请竣工验收", {"日期（默认今天）": when["acceptance_requested"]})
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("档案验收报告")
    expect(refusal).to_contain_text("第三十条")
    shots.take(page, "acceptance-refused-missing-document")
    upload(page, tmp_path, "档案验收报告")
    do(page, "申请竣工验收", {"日期（默认今天）": when["acceptance_requested"]})
    success(page, "已申请竣工验收")
    page = lead_office.page
    page.goto(project_path)
    do(page, "提交验收结论", {"意见或整改要求": "资料齐全，系统运行稳定，同意通过验收。",
                         "日期（默认今天）": when["accepted"]}, radio="通过")
    success(page, "验收结论已记录")
    shots.take(page, "accepted")

    # -- O&M and self-evaluation ---------------------------------------------------------------------
    page = applicant.page
    page.goto(project_path)
    do(page, "记录投入运行", {"日期（默认今天）": when["go_live"]})
    do(page, "保存运维记录", {"运维期间": f"{date.today().year}年第{quarter}季度", "运维内容": "日常巡检、数据备份",
                         "运维费用（万元）": "2"})
    success(page, "运维记录已保存")
    do(page, "提交自评价", {"评价结论": "绩效目标基本实现，服务老人 1.2 万人次。", "绩效目标是否实现": "是",
                        "评分（百分制，可不填）": "92"})
    success(page, "自评价已提交")
    expect(page.locator(".page-head .badge")).to_have_text("已评价")
    shots.take(page, "self-evaluated")
    show(page.locator("#timeline-title"))
    shots.take(page, "timeline")
    phone_shot(applicant, project_path, "project")

    # -- leadership: the supervision dashboard draws its charts -------------------------------------
    page = leadership.page
    page.goto("/supervision/")
    page.wait_for_selector('.chart[data-rendered="1"] canvas')
    page.wait_for_function(CHARTS_DRAWN)
    shots.take(page, "dashboard", full_page=True)
    phone_shot(leadership, "/supervision/", "dashboard")
    phone_shot(applicant, "/projects/", "projects")
