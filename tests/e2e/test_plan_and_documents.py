"""In a real browser: the lead office's plan proposal (weights, pins, the plan built from it), the
申报表 print view (通州 附件1) and an outline check result on an uploaded 可研 (附件3, 第十条).
Screenshots: var/e2e/p14-NN-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, Shots, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


def _incomplete_feasibility_study(folder: Path) -> Path:
    from govit import policy
    from govit.projects.outline_check import check_spec, outline_docx

    spec = check_spec(policy.load_pack("tongzhou-2023").data, "feasibility_study")
    path = folder / "社会救助系统可行性研究报告.docx"
    path.write_bytes(outline_docx(spec["outline_spec"], spec["numbering"],
                                  skip={"信息资源共享分析", "项目招标方案", "机房及配套工程建设方案"}))
    return path


def test_plan_proposal_print_view_and_outline_check(e2e_world: None, people: Any, tmp_path: Path) -> None:
    from govit.projects.models import Project

    shots = Shots(SHOTS, prefix="p14-")
    year = timezone.localdate().year + 2
    lead = people("tz_lead_office").page
    lead.goto("/plans/")
    lead.get_by_role("link", name=re.compile("年度拟建计划建议")).click()
    lead.get_by_label("计划年度").fill(str(year))
    lead.get_by_label("专项资金预算（万元）").fill("1100")
    lead.get_by_label("紧急（先急后缓） 权重").fill("1.5")
    lead.get_by_role("button", name="计算建议方案").click()
    expect(lead.locator("#sel-title")).to_contain_text("建议列入")
    expect(lead.locator("body")).to_contain_text("超出预算")
    expect(lead.locator("body")).to_contain_text("第七条")
    shots.take(lead, "plan-proposal", full_page=True)
    lead.get_by_role("button", name="按建议方案编入年度计划").click()
    expect(lead.locator(".messages")).to_contain_text("年度计划")
    expect(lead.locator("h1")).to_contain_text(f"{year} 年度建设计划")
    shots.take(lead, "plan-from-proposal", full_page=True)

    applicant = people("tz_applicant").page
    reserve = Project.objects.filter(jurisdiction__code="320612", name__endswith="（储备）").order_by("pk").first()
    applicant.goto(f"/projects/{reserve.pk}/")
    applicant.get_by_role("link", name="打印申报表").click()
    expect(applicant.locator("h1")).to_have_text("南通市通州区政务信息化建设项目申报表")
    expect(applicant.locator("body")).to_contain_text("王敏")
    applicant.emulate_media(media="print")
    shots.take(applicant, "application-form-print", full_page=True)
    applicant.emulate_media(media="screen")

    draft = Project.objects.get(jurisdiction__code="320612", name__endswith="（演示）", state="draft")
    applicant.goto(f"/projects/{draft.pk}/")
    form = applicant.locator("form.upload")
    form.get_by_label("材料类型").select_option(label="可行性研究报告")
    form.get_by_label(re.compile("^文件")).set_input_files(str(_incomplete_feasibility_study(tmp_path)))
    form.get_by_role("button", name="上传").click()
    check = applicant.locator(".outline-check").first
    expect(check).to_contain_text("提纲检查（附件3）")
    expect(check).to_contain_text("第七章 信息资源共享分析")
    check.evaluate("e => { e.scrollIntoView({block: 'center'}); }")
    shots.take(applicant, "outline-check")
    draft.refresh_from_db()
    assert draft.facts["sharing_analysis_chapter"] is False
