"""Forms, pre-check, API schema and labels built from the facts model plus the pack's own declarations
(tests/fixtures/packs/xinqu-2025: 楼宇智能化工程 and 公共数据 第三条, 开发区建设规划 第六条)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from govit.core.models import User
from govit.policy import pack_label
from govit.policy.loader import load_pack
from govit.regulations.forms import PACK_SECTION, PrecheckForm

FIFTH_PACKS = Path(__file__).parent.parent / "fixtures" / "packs"
pytestmark = pytest.mark.usefixtures("demo_data")


@pytest.fixture(autouse=True)
def _fifth_pack(monkeypatch):
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", str(FIFTH_PACKS))


def test_precheck_form_gets_the_packs_own_facts_and_evaluates_them():
    form = PrecheckForm({"pack": "xinqu-2025", "total_investment_wan": "50", "on_gov_cloud": "true",
                         "in_zone_plan": "false", "unit__unit_kind": "development_zone_committee"})
    assert form.fields["in_zone_plan"].label == "已纳入开发区建设规划"
    assert "第6条" in form.fields["in_zone_plan"].help_text
    assert PACK_SECTION in [s["title"] for s in form.sections()]
    assert form.is_valid(), form.errors
    data = form.to_input()
    assert data["project"]["in_zone_plan"] is False
    # Under another pack the form has no such field.
    assert "in_zone_plan" not in PrecheckForm({"pack": "tongzhou-2023"}).fields


def test_precheck_page_shows_the_pack_facts_and_the_incomplete_text():
    client = Client()
    client.force_login(User.objects.get(username="kdl_applicant"))
    page = client.get("/regulations/precheck/?pack=xinqu-2025").content.decode()
    assert "楼宇智能化工程" in page and "本办法特有事项" in page
    response = client.post("/regulations/precheck/", {"pack": "xinqu-2025", "total_investment_wan": "50",
                                                      "on_gov_cloud": "true", "building_intelligence": "false"})
    assert "文本不完整" in response.content.decode()  # the evaluation says the text lacks 第十条


def test_api_facts_schema_includes_the_declarations():
    client = Client()
    client.force_login(User.objects.get(username="kdl_applicant"))
    schema = client.get("/api/v1/policy/packs/xinqu-2025/facts-schema").json()
    project = schema["$defs"]["ProjectFacts"]["properties"]
    assert project["building_intelligence"]["type"] == "boolean"
    assert project["building_intelligence"]["x-citation"] == {"article": 3}
    assert "category" in project  # the facts model is still there
    unit = schema["$defs"]["UnitFacts"]["properties"]["unit_kind"]
    assert "development_zone_committee" in unit["enum"] and "lead_office" in unit["enum"]
    assert client.get("/api/v1/policy/packs/nope-2025/facts-schema").status_code == 404


def test_labels_come_from_the_pack_then_the_platform():
    data = load_pack("xinqu-2025").data
    assert pack_label(data, "determination", "project_class", "building_with_data") == "产生公共数据的楼宇智能化工程"
    assert pack_label(data, "document", "resource_catalog_filing") == "数据资源目录备案表"
    assert pack_label(data, "document", "proposal") == "项目建议书"
    assert pack_label(data, "unit_kind", "development_zone_committee") == "开发区管理委员会"
    assert pack_label(data, "fact", "project.in_zone_plan") == "已纳入开发区建设规划"
    assert pack_label(data, "determination", "review_route", "joint_review") != "joint_review"


def test_comparison_and_pack_pages_say_the_text_is_incomplete():
    client = Client()
    client.force_login(User.objects.get(username="kdl_applicant"))
    assert "文本不完整" in client.get("/regulations/compare/").content.decode()
    detail = client.get("/regulations/xinqu-2025/").content.decode()
    assert "缺第10条" in detail and "施行日期未知" in detail
