"""The analysis pages and /api/v1/analysis as each role sees them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govit.analysis.models import ExistingSystem, Finding, FindingStatus, InventoryImportJob
from govit.analysis.services import analysis_scan
from govit.core.models import Jurisdiction, User

from .conftest import project, system

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(load_rows):
    load_rows("320612", [
        system("社会救助综合管理系统", "区民政局", "低保申请审批、特困人员供养管理、临时救助、救助资金发放",
               "姓名、身份证号码、家庭人均收入、低保金额"),
        project("困难群众帮扶救助一体化平台", "区乡村振兴局",
                "最低生活保障审核、特困供养人员管理、临时帮扶、帮扶资金发放",
                "家庭收入、保障金额", amount=85),
    ])
    analysis_scan(jurisdiction=Jurisdiction.objects.get(code="320612"))


def client(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def test_lead_office_sees_findings_with_evidence_and_confirms(world) -> None:
    lead = client("tz_lead_office")
    page = lead.get("/analysis/")
    text = page.content.decode()
    assert page.status_code == 200 and "重复建设与拆分分析" in text
    assert "最低生活保障审核" in text and "低保申请审批" in text  # ours ↔ theirs
    finding = Finding.objects.filter(code="duplicate_construction").first()
    missing = lead.post(f"/analysis/findings/{finding.pk}/decide/", {"decision": "confirm", "reason": ""})
    assert missing.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    lead.post(f"/analysis/findings/{finding.pk}/decide/", {"decision": "confirm", "reason": "与民政系统重复"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED
    detail = lead.get(f"/projects/{finding.project_id}/").content.decode()
    assert 'id="analysis"' in detail and "与民政系统重复" in detail


def test_leadership_reads_but_cannot_decide(world) -> None:
    boss = client("tz_leadership")
    assert boss.get("/analysis/").status_code == 200
    finding = Finding.objects.first()
    boss.post(f"/analysis/findings/{finding.pk}/decide/", {"decision": "dismiss", "reason": "x"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert boss.post("/analysis/scan/").status_code == 403


def test_applicant_sees_names_and_units_only(world) -> None:
    applicant = client("tz_applicant")
    assert applicant.get("/analysis/").status_code == 403
    assert applicant.get("/analysis/systems/").status_code == 403
    html = applicant.post("/analysis/precheck/", {"name": "困难群众救助平台", "content": "低保和特困人员救助",
                                                  "functions": "低保审批、特困供养管理、临时救助"}).content.decode()
    assert "社会救助综合管理系统" in html and "区民政局" in html
    assert "家庭人均收入" not in html and "低保申请审批" not in html  # no other unit's functions or data


def test_system_form_and_upload_with_progress(world) -> None:
    lead = client("tz_lead_office")
    assert lead.get("/analysis/systems/").status_code == 200
    bad = lead.post("/analysis/systems/new/", {"unit_name": "不存在的局", "name": "某系统"})
    assert bad.status_code == 400 and "不存在的局" in bad.content.decode()
    lead.post("/analysis/systems/new/", {"unit_name": "区民政局", "name": "婚姻登记管理系统",
                                         "functions": "婚姻登记\n登记档案查询", "shares_data": "on"})
    made = ExistingSystem.objects.get(name="婚姻登记管理系统")
    assert made.functions == ["婚姻登记", "登记档案查询"]
    lead.post(f"/analysis/systems/{made.pk}/", {"unit_name": "区民政局", "name": "婚姻登记管理系统",
                                                "functions": "婚姻登记、预约"})
    made.refresh_from_db()
    assert made.functions == ["婚姻登记", "预约"]
    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "建设单位", "年度"])
    workbook.active.append(["殡葬服务管理系统", "区民政局", "二〇二〇"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("台账.xlsx", buffer.getvalue())
    response = lead.post("/analysis/import/", {"file": upload})
    job = InventoryImportJob.objects.get()
    assert response.status_code == 302 and job.status == "failed"
    page = lead.get(f"/analysis/import/{job.pk}/").content.decode()
    assert "未导入任何数据" in page and "年度" in page
    assert lead.get("/analysis/import/template.xlsx").status_code == 200


def test_api_check_findings_and_decisions(world) -> None:
    lead = client("tz_lead_office")
    out = lead.post("/api/v1/analysis/check", {"jurisdiction": "320612", "project": {
        "name": "困难群众帮扶平台", "unit_name": "区乡村振兴局", "functions": ["最低生活保障审核", "临时帮扶"]}},
        content_type="application/json")
    assert out.status_code == 200
    assert {"社会救助综合管理系统", "困难群众帮扶救助一体化平台"} == {s["name"] for s in out.json()["similar"][:2]}
    listing = lead.get("/api/v1/analysis/findings?jurisdiction=320612&limit=1").json()
    assert listing["count"] >= 1 and len(listing["items"]) == 1
    finding = listing["items"][0]
    refused = lead.post(f"/api/v1/analysis/findings/{finding['id']}/dismiss", {"reason": ""},
                        content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"]
    done = lead.post(f"/api/v1/analysis/findings/{finding['id']}/dismiss", {"reason": "不重复"},
                     content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    other = client("kdl_lead_office")
    assert other.post("/api/v1/analysis/check", {"jurisdiction": "320612", "project": {"name": "x"}},
                      content_type="application/json").status_code == 403
    assert other.get("/api/v1/analysis/findings?jurisdiction=320612").status_code == 403


def test_project_form_and_api_carry_content_functions_data_items(demo_data) -> None:
    applicant = client("tz_applicant")
    made = applicant.post("/api/v1/projects", {"name": "婚姻登记预约系统", "content": "婚姻登记网上预约",
                                               "functions": ["婚姻登记预约", "预约查询"], "data_items": ["预约时间"]},
                          content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["functions"] == ["婚姻登记预约", "预约查询"] and body["content"] == "婚姻登记网上预约"
    patched = applicant.patch(f"/api/v1/projects/{body['id']}", {"data_items": ["预约时间", "登记类型"]},
                              content_type="application/json").json()
    assert patched["data_items"] == ["预约时间", "登记类型"] and patched["functions"] == ["婚姻登记预约", "预约查询"]
    page = applicant.get(f"/projects/{body['id']}/edit/").content.decode()
    assert "主要功能" in page and "婚姻登记预约" in page and 'id="duplicate-check"' in page
