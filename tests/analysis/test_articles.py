"""Duplicate construction, split applications and duplicate data collection, written from the articles:
通州 第二十四条、第八条; 昆都仑 第十条（五）、第十九条; 巴中 第二条、第八条、第十二条、第三十二条;
昌吉 第八条、第十六条、第三十条（一）. Each positive case has hard negatives beside it."""

from __future__ import annotations

import pytest

from .conftest import check, codes, project, system

pytestmark = pytest.mark.django_db

SALVAGE = system("社会救助综合管理系统", "区民政局",
                 "低保申请审批、特困人员供养管理、临时救助、救助资金发放、救助对象数据库",
                 "姓名、身份证号码、家庭人均收入、低保金额、救助类别、银行账号",
                 "覆盖全区低保、特困、临时救助业务的网上申请、审核审批和资金发放。")
PARKING = system("智慧停车管理平台", "区城市管理局", "停车场管理、车位诱导、停车收费、移动端找车位",
                 "车牌号、车位信息、停车记录、缴费记录", "整合公共停车场和路内泊位，提供车位诱导和停车收费。")
HEALTH = system("区域全民健康信息平台", "区卫生健康委员会",
                "电子健康档案、电子病历共享调阅、家庭医生签约、预防接种管理",
                "姓名、身份证号码、电子健康档案、电子病历、既往病史、诊断结果")


@pytest.fixture
def tongzhou(load_rows):
    return load_rows("320612", [SALVAGE, PARKING, HEALTH])


# --- 通州 第二十四条 相关系统不重复建设、不重复采集 ------------------------------------------------


def test_tongzhou_24_cross_unit_paraphrase_is_a_duplicate(tongzhou) -> None:
    result = check("320612", name="困难群众帮扶救助一体化平台", unit_name="区乡村振兴局",
                   content="对最低生活保障对象、特困供养人员开展帮扶，临时帮扶网上申请和审核，帮扶资金发放。",
                   functions=["最低生活保障审核", "特困供养人员管理", "临时帮扶", "帮扶资金发放", "帮扶对象库"],
                   data_items=["姓名", "公民身份号码", "家庭收入", "保障金额"], total_investment_wan=85, plan_year=2027)
    assert result["similar"][0]["name"] == "社会救助综合管理系统"
    assert result["similar"][0]["unit_name"] == "区民政局"
    assert result["similar"] == sorted(result["similar"], key=lambda s: -s["score"])
    duplicate = next(f for f in result["findings"] if f["code"] == "duplicate_construction")
    assert duplicate["severity"] == "block"
    assert duplicate["citation"] == {"pack": "tongzhou-2023", "article": 24}
    assert duplicate["related"] == ["社会救助综合管理系统"]
    assert "最低生活保障审核" in result["similar"][0]["evidence"]["shared_functions"]
    assert "区民政局" in duplicate["message"]


def test_tongzhou_24_data_held_and_shared_by_another_unit(tongzhou) -> None:
    result = check("320612", name="医保慢特病待遇申请系统", unit_name="区医疗保障局",
                   functions=["慢特病待遇申请", "待遇资格审核", "门诊费用结算"],
                   data_items=["姓名", "身份证号码", "电子病历", "诊断结果", "参保信息"])
    assert "duplicate_construction" not in codes(result)
    data = next(f for f in result["findings"] if f["code"] == "duplicate_data_collection")
    assert data["related"] == ["区域全民健康信息平台"]
    assert data["citation"]["article"] == 24
    assert {"pack": "tongzhou-2023", "article": 34, "item": 1} in data["citations"]
    assert "电子病历" in data["message"] and "区卫生健康委员会" in data["message"]
    # 姓名、身份证号码 are looked up, not collected again.
    assert "姓名" not in data["evidence"]["shared_data_items"]


def test_tongzhou_24_hard_negative_same_words_different_function(tongzhou) -> None:
    result = check("320612", name="道路违法停车智能抓拍系统", unit_name="区公安局",
                   content="在主干道部署违法停车智能抓拍设备，自动取证并推送违法告知短信。",
                   functions=["违停自动抓拍", "违法证据上传", "违法告知短信推送"],
                   data_items=["车牌号", "违法时间", "违法地点", "抓拍图片"])
    assert result["findings"] == []


def test_tongzhou_24_hard_negative_health_words_different_service(tongzhou) -> None:
    result = check("320612", name="学生体质健康监测系统", unit_name="区教育体育局",
                   content="中小学生体质测试数据采集和健康监测分析。",
                   functions=["体测数据采集", "体质健康分析", "体测成绩上报"], data_items=["学籍号", "体测成绩"])
    assert "duplicate_construction" not in codes(result)
    assert "duplicate_data_collection" not in codes(result)


def test_own_unit_upgrade_of_its_system_is_not_a_duplicate(tongzhou) -> None:
    result = check("320612", name="社会救助综合管理系统升级改造", unit_name="区民政局", category="upgrade",
                   functions=["低保申请审批", "移动端申请", "救助资金发放预警"], data_items=["低保金额"])
    assert "duplicate_construction" not in codes(result)
    assert result["similar"][0]["name"] == "社会救助综合管理系统"  # still listed as similar


def test_same_unit_new_system_duplicating_its_own_is_a_duplicate(tongzhou) -> None:
    result = check("320612", name="社会救助信息管理平台", unit_name="区民政局", category="new",
                   functions=["低保审批", "特困供养管理", "临时救助", "救助资金发放"])
    assert "duplicate_construction" in codes(result)


# --- 通州 第八条: split dodging 审批 (超过50万元) --------------------------------------------------


def _classroom(phase: str, amount: float, *, unit: str = "区教育体育局", year: int = 2027, functions: str = ""):
    return project(f"中小学智慧课堂教学平台（{phase}）", unit, functions or "课堂互动教学、作业在线批改",
                   content=f"建设中小学智慧课堂教学平台，{phase}覆盖全区中小学课堂教学。", year=year, amount=amount)


def test_tongzhou_8_split_under_50_together_over(load_rows) -> None:
    load_rows("320612", [_classroom("一期", 48)])
    result = check("320612", name="中小学智慧课堂教学平台（二期）", unit_name="区教育体育局",
                   content="建设中小学智慧课堂教学平台，二期建设教学资源库和学情分析。",
                   functions=["教学资源库", "学情分析"], total_investment_wan=45, plan_year=2027)
    split = next(f for f in result["findings"] if f["code"] == "split_application")
    assert split["citation"] == {"pack": "tongzhou-2023", "article": 8}
    assert split["severity"] == "block"
    assert split["related"] == ["中小学智慧课堂教学平台（一期）"]
    assert "93万元" in split["message"] and "超过50万元" in split["message"]
    assert split["evidence"]["total_wan"] == 93


def test_tongzhou_8_exactly_50_together_is_not_over(load_rows) -> None:
    # “50万及以下的，可免于审批”: 30 + 20 = 50 does not exceed 50.
    load_rows("320612", [_classroom("一期", 30)])
    result = check("320612", name="中小学智慧课堂教学平台（二期）", unit_name="区教育体育局",
                   content="建设中小学智慧课堂教学平台，二期覆盖全区中小学课堂教学。",
                   functions=["课堂互动教学"], total_investment_wan=20, plan_year=2027)
    assert "split_application" not in codes(result)


@pytest.mark.parametrize("variant", ["other_year", "other_unit", "part_over", "different_function"])
def test_tongzhou_8_hard_negatives(load_rows, variant) -> None:
    first = {"other_year": _classroom("一期", 48, year=2026), "other_unit": _classroom("一期", 48, unit="区民政局"),
             "part_over": _classroom("一期", 60), "different_function": project(
                 "婚姻登记预约系统", "区教育体育局", "婚姻登记预约、登记档案查询", content="婚姻登记网上预约。",
                     amount=30)}[variant]
    load_rows("320612", [first])
    result = check("320612", name="中小学智慧课堂教学平台（二期）", unit_name="区教育体育局",
                   content="建设中小学智慧课堂教学平台，二期覆盖全区中小学课堂教学。",
                   functions=["教学资源库", "学情分析"], total_investment_wan=45, plan_year=2027)
    assert "split_application" not in codes(result)


# --- 昌吉 第八条、第十六条: split dodging 联合会审 (50万元及以上) -----------------------------------


def test_changji_8_16_split_avoiding_joint_review(load_rows) -> None:
    load_rows("652300", [project("教育管理公共服务平台（一期）", "州教育局", "招生入学报名、入学资格审核",
                                 content="建设教育管理公共服务平台，一期建设招生入学网上报名。", amount=25)])
    result = check("652300", name="教育管理公共服务平台（二期）", unit_name="州教育局",
                   content="建设教育管理公共服务平台，二期建设学生资助网上申请。", functions=["学生资助申请"],
                   total_investment_wan=25, plan_year=2027)
    split = next(f for f in result["findings"] if f["code"] == "split_application")
    # 25 + 25 = 50: “50万元及以上” includes 50.
    assert split["citation"]["article"] == 8
    assert {"pack": "changji-2025", "article": 16} in split["citations"]
    assert "联合会审" in split["message"]


def test_changji_30_1_duplicate_collection(load_rows) -> None:
    load_rows("652300", [system("残疾人服务管理系统", "州残疾人联合会", "残疾人证办理、两项补贴审核",
                                "姓名、身份证号码、残疾人证号、残疾等级、残疾类别")])
    result = check("652300", name="残疾人就业服务系统", unit_name="州人力资源和社会保障局",
                   functions=["残疾人就业登记", "岗位推荐"], data_items=["姓名", "身份证号码", "残疾人证号",
                                                                         "残疾等级"])
    data = next(f for f in result["findings"] if f["code"] == "duplicate_data_collection")
    assert (data["citation"]["article"], data["citation"]["item"]) == (12, 7)
    assert {"pack": "changji-2025", "article": 30, "item": 1} in data["citations"]
    assert data["severity"] == "block"


def test_data_not_shared_is_not_duplicate_collection(load_rows) -> None:
    load_rows("652300", [system("残疾人服务管理系统", "州残疾人联合会", "残疾人证办理", "残疾人证号、残疾等级",
                                **{"是否共享": "否"})])
    result = check("652300", name="残疾人就业服务系统", unit_name="州人力资源和社会保障局",
                   functions=["残疾人就业登记"], data_items=["残疾人证号", "残疾等级"])
    assert "duplicate_data_collection" not in codes(result)


# --- 巴中 第二条、第十二条: split under 30万 scope; units of one 主管部门 ----------------------------


def test_bazhong_2_split_across_units_of_one_supervising_department(load_rows) -> None:
    load_rows("511900", [project("校园食堂明厨亮灶系统", "巴中市第一中学", "后厨视频监管、食品留样管理",
                                 content="在学校食堂安装明厨亮灶视频设备，监管后厨操作和食品留样。", amount=20,
                                 **{"主管部门": "市教育局"}),
                         project("校园食堂明厨亮灶监管系统", "巴中市第二中学", "后厨视频监管、食材验收管理",
                                 content="在学校食堂安装明厨亮灶视频设备，监管后厨操作和食材验收。", amount=15,
                                 **{"主管部门": "市教育局"}),
                         project("校园食堂明厨亮灶平台", "巴中市第三中学", "后厨视频监管",
                                 content="在学校食堂安装明厨亮灶视频设备，监管后厨操作。", amount=15)])
    from govit.analysis.checks import scan_findings
    from govit.core.models import Jurisdiction

    findings = scan_findings(Jurisdiction.objects.get(code="511900"))
    split = next(f for f in findings if f["code"] == "split_application")
    assert sorted(p["name"] for p in split["parts"]) == ["校园食堂明厨亮灶监管系统", "校园食堂明厨亮灶系统"]
    assert split["citation"]["article"] == 2
    assert "35万元" in split["message"]


# --- 昆都仑 第十条（五）、第十九条 ----------------------------------------------------------------


def test_kundulun_10_5_replaceable_and_19_split(load_rows) -> None:
    load_rows("150203", [
        system("养老服务信息平台", "区民政局", "老年人信息库、居家养老服务申请、上门服务派单、高龄津贴发放",
               "姓名、身份证号码、出生日期、住址、高龄津贴金额"),
        project("智慧教育云平台（一期）", "区教育局", "教学资源库、在线课堂", content="一期建设教学资源库和在线课堂。",
                amount=120),
    ])
    dup = check("150203", name="智慧养老健康服务平台", unit_name="区卫生健康委员会",
                functions=["长者信息库", "为老服务申请", "上门服务派单", "高龄补贴发放"],
                data_items=["姓名", "公民身份号码", "出生年月", "高龄补贴金额"])
    finding = next(f for f in dup["findings"] if f["code"] == "duplicate_construction")
    assert (finding["citation"]["article"], finding["citation"]["item"]) == (10, 5)
    split = check("150203", name="智慧教育云平台（二期）", unit_name="区教育局", content="二期建设学情分析和家校互动。",
                  functions=["学情分析", "家校互动"], total_investment_wan=110, plan_year=2027)
    found = next(f for f in split["findings"] if f["code"] == "split_application")
    assert found["citation"]["article"] == 19 and "监理" in found["message"]


def test_split_check_without_a_plan_year_reads_the_year_of_its_part(load_rows) -> None:
    load_rows("320612", [_classroom("一期", 48)])
    result = check("320612", name="中小学智慧课堂教学平台（二期）", unit_name="区教育体育局",
                   content="建设中小学智慧课堂教学平台，二期覆盖全区中小学课堂教学。", total_investment_wan=45)
    assert "split_application" in codes(result)
