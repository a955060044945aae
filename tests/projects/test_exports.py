"""Exports handed to meetings, read back: the 计划表 and project lists as XLSX (单位、项目名称、性质、总投资、
本年度安排、资金来源、依据条款; Chinese file names), the 申报表 of 通州 附件1 with every field filled from the
project (DOCX and print view), the project summary print view, and the 申报表 fields' validation."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from govit.core.models import User
from govit.planning.services import plan_create, plan_item_add
from govit.projects.errors import InvalidInput
from govit.projects.profile import clean_profile, project_update_profile
from tests.projects.conftest import drive_to, new_project

pytestmark = pytest.mark.usefixtures("world")
ANNEX1 = ["申报部门", "项目负责人", "联系电话", "项目名称", "项目性质", "信息系统网络安全等级保护测评拟定级",
          "项目建设目的和内容", "启动年月", "计划完成年月", "前期准备", "预计总投资", "年度需要资金",
          "历年已安排资金（万元）", "本年度申请资金（万元）", "申报时所附材料", "填表人", "电子信箱"]
PROFILE = {"leader_name": "李强", "leader_phone": "0513-86001234", "nature": "续建", "urgency": "urgent",
           "start_month": "2027年3月", "completion_month": "2027-11", "planning_prepared": "是",
           "planning_reviewed": False, "form_filler": "赵敏", "filler_phone": "13800001111",
           "filler_email": "zm@example.gov.cn",
           "funding": {"prior": {"fiscal": "120", "self_raised": 30}, "this_year": {"fiscal": 250, "national": "50"}}}


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _filename(response: Any) -> str:
    header = response["Content-Disposition"]
    return unquote(header.split("filename*=UTF-8''")[1])


def _filled(api: Any) -> int:
    applicant = api("tz_applicant")
    pid = new_project(applicant, name="智慧民政续建项目", )["id"]
    applicant.patch(f"/projects/{pid}", {"content": "信息网络系统：政务外网接入；信息业务系统：救助审批。",
                                         "profile": PROFILE})
    return pid


def test_application_form_has_every_field_of_annex_1(api: Any) -> None:
    pid = _filled(api)
    response = _client("tz_applicant").get(f"/projects/{pid}/application-form.docx")
    assert _filename(response) == "智慧民政续建项目-申报表.docx"
    document = Document(io.BytesIO(response.content))
    cells = {}
    for table in document.tables:
        for row in table.rows:
            cells[row.cells[0].text] = [c.text for c in row.cells[1:]]
    for title in ANNEX1:
        assert title in cells, title
    assert cells["项目负责人"] == ["李强"] and cells["联系电话"] == ["0513-86001234"]
    assert cells["项目性质"] == ["☐新建  ☑续建  ☐维护"]
    assert cells["启动年月"] == ["2027年3月"] and cells["计划完成年月"] == ["2027年11月"]
    assert cells["前期准备"] == ["规划编制（☑是/☐否）  规划通过专家论证（☐是/☑否）"]
    # 资金构成: 合计, 其中申请财政拨款, 单位自筹, 国家下拨, 其它.
    assert cells["历年已安排资金（万元）"] == ["150", "120", "30", "", ""]
    assert cells["本年度申请资金（万元）"] == ["300", "250", "", "50", ""]
    assert cells["项目建设目的和内容"][0].startswith("信息网络系统")
    assert cells["填表人"] == ["赵敏"] and cells["电子信箱"] == ["zm@example.gov.cn"]


def test_print_views(api: Any) -> None:
    pid = _filled(api)
    page = _client("tz_applicant").get(f"/projects/{pid}/application-form/print/").content.decode()
    for text in ("通州区政务信息化建设项目申报表", "附件1", "李强", "2027年3月", "☑续建", "历年已安排资金（万元）",
                 "150", "填表人：赵敏", "data-print"):
        assert text in page, text
    summary = _client("tz_applicant").get(f"/projects/{pid}/print/").content.decode()
    assert "项目概况" in summary and "李强" in summary and "通州区政务信息化项目建设管理办法" in summary
    assert _client("kdl_applicant").get(f"/projects/{pid}/print/").status_code == 404


def test_profile_fields_are_validated_with_the_field_named(api: Any) -> None:
    for bad, words in (({"start_month": "2027-13"}, "启动年月"), ({"leader_phone": "电话"}, "联系电话"),
                       ({"nature": "扩建"}, "项目性质"), ({"funding": {"prior": {"fiscal": "-1"}}}, "资金构成"),
                       ({"funding": {"this_year": {"gold": 1}}}, "未知的资金来源"),
                       ({"start_month": "2027-05", "completion_month": "2027-01"}, "不能早于"),
                       ({"planning_prepared": "也许"}, "规划编制")):
        with pytest.raises(InvalidInput, match=words):
            clean_profile(bad)
    applicant = api("tz_applicant")
    pid = new_project(applicant)["id"]
    refused = applicant.patch(f"/projects/{pid}", {"profile": {"completion_month": "明年"}}, status=400)
    assert "计划完成年月" in refused["detail"]
    # The web form shows the same message next to the field, and saves the fields.
    client = _client("tz_applicant")
    page = client.get(f"/projects/{pid}/edit/").content.decode()
    assert 'name="pf_leader_name"' in page and 'name="pf_funding_this_year_fiscal"' in page


def test_profile_is_written_only_by_the_applicant_while_a_draft(api: Any) -> None:
    from govit.projects.errors import PermissionDenied, TransitionRefused

    project = drive_to("tongzhou-2023", "in_library")
    with pytest.raises(PermissionDenied):
        project_update_profile(project=project, actor=User.objects.get(username="tz_lead_office"),
                               profile={"leader_name": "某人"})
    with pytest.raises(TransitionRefused):
        project_update_profile(project=project, actor=User.objects.get(username="tz_applicant"),
                               profile={"leader_name": "某人"})


def test_plan_xlsx_read_back(api: Any) -> None:
    lead = User.objects.get(username="tz_lead_office")
    from govit.core.models import Jurisdiction

    first, second = drive_to("tongzhou-2023", "in_library"), drive_to("tongzhou-2023", "in_library")
    plan = plan_create(jurisdiction=Jurisdiction.objects.get(code="320612"), year=2027, actor=lead)
    plan_item_add(plan=plan, project=first, actor=lead, amount_wan=120)
    plan_item_add(plan=plan, project=second, actor=lead)
    response = _client("tz_lead_office").get(f"/plans/{plan.pk}/plan.xlsx")
    assert _filename(response) == "南通市通州区2027年度政务信息化项目计划表.xlsx"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "南通市通州区2027年度政务信息化项目建设计划表"
    assert list(rows[2]) == ["序号", "单位", "项目名称", "性质", "总投资（万元）", "本年度安排（万元）", "资金来源",
                             "依据条款"]
    body = rows[3:-1]
    assert {r[2] for r in body} == {first.name, second.name}
    by_amount = sorted(r[5] for r in body)
    assert by_amount == [120, 300]  # the item's amount; the other defaults to the total investment
    assert all(r[1] == first.unit.name and r[3] == "新建" and r[4] == 300 and r[6] == "本级财政资金" for r in body)
    assert all("第十五条" in r[7] or "第七条" in r[7] for r in body)
    assert rows[-1][0] == "合计" and rows[-1][5] == 420
    assert _client("tz_applicant").get(f"/plans/{plan.pk}/plan.xlsx").status_code == 404


def test_project_list_xlsx_read_back(api: Any) -> None:
    pid = _filled(api)
    response = _client("tz_applicant").get("/projects/export.xlsx", {"state": "draft", "year": 2027})
    assert _filename(response).startswith("政务信息化项目清单（草稿）")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    body = [r for r in rows[3:-1] if r[2] == "智慧民政续建项目"]
    assert len(body) == 1 and body[0][3] == "续建" and body[0][5] == 300 and body[0][7].startswith("草稿")
    assert pid
