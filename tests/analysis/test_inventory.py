"""`govit inventory import`: columns, where they land (shared with the plan proposal), errors, idempotence."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govit.analysis.models import ExistingSystem, UnitSupervisor
from govit.core.models import AuditEntry, Unit
from govit.projects.models import Project
from govit.supervision.models import UnitSanction

pytestmark = pytest.mark.django_db

HEADER = ["名称", "类型", "建设单位", "建设内容", "主要功能", "数据资源", "年度", "总投资（万元）", "状态", "项目性质",
          "上级要求", "紧急程度", "初审评分", "重复采集数据", "单位受限情形"]


def xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER, name: str = "台账.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def run(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("inventory", *args, "--format", "json", stdout=out, stderr=io.StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, json.loads(out.getvalue())


GOOD = [
    ["社会救助综合管理系统", "存量系统", "区民政局", "低保、特困网上审批", "低保申请审批、特困人员供养管理；临时救助",
     "姓名\n身份证号码\n低保金额", 2019, 260, None, None, None, None, None, None, None],
    ["城乡低保数字化审批系统", "项目", "区民政局", "城乡低保网上申请和审批", "低保审批、低保资金发放", "姓名、低保金额",
     2027, 45, "已入库（储备库）", "续建", "是", "紧急", 88, "否", None],
    ["校园安全提升工程", "项目", "区教育体育局", "校园视频监控", "校园视频监控", "视频图像", 2027, 120, None, "新建",
     "否", "一般", None, "是", "未按要求共享数据资源或重复采集数据"],
]


def test_import_stores_every_column_where_the_plan_proposal_reads_it(demo_data, tmp_path) -> None:
    code, result = run("import", str(xlsx(tmp_path, GOOD)), "--jurisdiction", "320612")
    assert code == 0, result
    assert (result["created"], result["updated"], result["unchanged"], result["errors"]) == (3, 0, 0, [])
    system = ExistingSystem.objects.get(name="社会救助综合管理系统")
    assert system.functions == ["低保申请审批", "特困人员供养管理", "临时救助"]
    assert system.data_items == ["姓名", "身份证号码", "低保金额"] and system.go_live_year == 2019
    library = Project.objects.get(name="城乡低保数字化审批系统")
    assert library.state == "in_library"
    assert (library.nature, library.urgency, library.plan_year, float(library.preliminary_score)) == (
        "continuing", "urgent", 2027, 88.0)
    assert library.facts["mandated_by_higher_level"] is True
    assert library.facts["duplicate_data_collection"] is False
    assert library.facts["total_investment_wan"] == 45 and library.facts["in_project_library"] is True
    assert library.year_amounts.get(year=2027).planned_wan == 45
    event = library.events.get(kind="import")
    assert event.to_state == "in_library" and "导入" in event.reason
    submitted = Project.objects.get(name="校园安全提升工程")
    assert submitted.state == "submitted" and submitted.facts["duplicate_data_collection"] is True
    sanction = UnitSanction.objects.get(unit=submitted.unit, lifted_at__isnull=True)
    assert sanction.kind == "data_sharing_violation"
    assert sanction.citation == {"pack": "tongzhou-2023", "article": 34, "item": 1}
    assert AuditEntry.objects.filter(action="analysis.inventory_import").exists()


def test_importing_the_same_file_twice_changes_nothing(demo_data, tmp_path) -> None:
    path = xlsx(tmp_path, GOOD)
    run("import", str(path), "--jurisdiction", "320612")
    counts = (ExistingSystem.objects.count(), Project.objects.count(), UnitSanction.objects.count())
    code, result = run("import", str(path), "--jurisdiction", "320612")
    assert code == 0 and (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3)
    assert counts == (ExistingSystem.objects.count(), Project.objects.count(), UnitSanction.objects.count())


def test_a_later_stage_moves_the_project_forward_through_the_state_machine(demo_data, tmp_path) -> None:
    run("import", str(xlsx(tmp_path, GOOD[1:2])), "--jurisdiction", "320612")
    later = [[*GOOD[1][:8], "已列入年度计划", *GOOD[1][9:]]]
    code, result = run("import", str(xlsx(tmp_path, later, name="2.xlsx")), "--jurisdiction", "320612")
    assert code == 0 and result["updated"] == 1
    project = Project.objects.get(name="城乡低保数字化审批系统")
    assert project.state == "planned" and project.facts["in_annual_plan"] is True
    earlier = [[*GOOD[1][:8], "已申报", *GOOD[1][9:]]]
    code, result = run("import", str(xlsx(tmp_path, earlier, name="3.xlsx")), "--jurisdiction", "320612")
    assert code == 2 and result["errors"][0]["column"] == "状态" and "不能退回" in result["errors"][0]["message"]


def test_any_bad_row_imports_nothing_and_lists_every_error(demo_data, tmp_path) -> None:
    rows = [GOOD[0], ["", "项目", "区民政局", None, None, None, "二〇二七", "很多", "不存在的阶段", "老旧", "也许",
                      "很急",
                      120, None, "说不清的情形"],
            ["某系统", "设备", "区民政局"] + [None] * 12]
    code, result = run("import", str(xlsx(tmp_path, rows)), "--jurisdiction", "320612")
    assert code == 2 and result["created"] == 0
    where = {(e["row"], e["column"]) for e in result["errors"]}
    assert {(3, "名称"), (3, "年度"), (3, "总投资（万元）"), (3, "状态"), (3, "项目性质"), (3, "上级要求"), (3,
                                                                                                             "紧急程度"),
            (3, "初审评分"), (3, "单位受限情形"), (4, "类型")} <= where
    assert all(e["message"] for e in result["errors"])
    assert not ExistingSystem.objects.filter(name="社会救助综合管理系统").exists()


def test_file_level_errors(demo_data, tmp_path) -> None:
    code, result = run("import", str(xlsx(tmp_path, [["a", "b"]], header=["系统", "其他"])), "--jurisdiction", "320612")
    assert code == 2 and "名称" in result["errors"][0]["message"]
    bad = tmp_path / "x.xlsx"
    bad.write_text("not excel", encoding="utf-8")
    code, result = run("import", str(bad), "--jurisdiction", "320612")
    assert code == 2 and ".xlsx" in result["error"]
    code, result = run("import", str(bad), "--jurisdiction", "999999")
    assert code == 2 and "999999" in result["error"]


def test_dry_run_writes_nothing(demo_data, tmp_path) -> None:
    code, result = run("import", str(xlsx(tmp_path, GOOD)), "--jurisdiction", "320612", "--dry-run")
    assert code == 0 and result["created"] == 3 and result["dry_run"] is True
    assert not Project.objects.filter(name="城乡低保数字化审批系统").exists()


def test_unit_restriction_the_pack_does_not_know_is_refused(demo_data, tmp_path) -> None:
    # 昌吉 names no restriction of a unit: the words cannot be recorded there.
    rows = [["州教育管理系统", "存量系统", "州教育局", None, None, None, None, None, None, None, None, None, None, None,
             "未按要求共享数据资源或重复采集数据"]]
    code, result = run("import", str(xlsx(tmp_path, rows)), "--jurisdiction", "652300")
    assert code == 2 and result["errors"][0]["column"] == "单位受限情形"
    # 巴中 第三十二条 knows it, in its own words; 第三十条 (未验收) is computed, not imported.
    rows[0][14] = "未按要求共享数据资源或重复采集数据"
    assert run("import", str(xlsx(tmp_path, rows, name="b.xlsx")), "--jurisdiction", "511900")[0] == 0
    assert UnitSanction.objects.get(unit__name="州教育局", unit__jurisdiction__code="511900").citation["article"] == 32
    rows[0][14] = "有未验收的项目"
    code, result = run("import", str(xlsx(tmp_path, rows, name="c.xlsx")), "--jurisdiction", "511900")
    assert code == 2 and "自动认定" in result["errors"][0]["message"]


def test_supervising_department_and_sharing_columns(demo_data, tmp_path) -> None:
    header = ["名称", "类型", "建设单位", "主管部门", "是否共享"]
    rows = [["明厨亮灶系统", "存量系统", "巴中市第一中学", "市教育局", "否"]]
    assert run("import", str(xlsx(tmp_path, rows, header=header)), "--jurisdiction", "511900")[0] == 0
    school = Unit.objects.get(name="巴中市第一中学", jurisdiction__code="511900")
    assert UnitSupervisor.objects.get(unit=school).supervisor.name == "市教育局"
    assert ExistingSystem.objects.get(name="明厨亮灶系统").shares_data is False
