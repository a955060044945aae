"""`govit analysis check FILE.json` and `govit analysis scan`: the contract's JSON, exit 2 on bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .conftest import project, system

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, Any]:
    out = io.StringIO()
    try:
        call_command("analysis", *args, "--format", "json", stdout=out, stderr=io.StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, json.loads(out.getvalue())


@pytest.fixture
def portfolio(load_rows):
    load_rows("320612", [
        system("社会救助综合管理系统", "区民政局", "低保申请审批、特困人员供养管理、临时救助、救助资金发放",
               "姓名、身份证号码、家庭人均收入、低保金额"),
        project("中小学智慧课堂教学平台（一期）", "区教育体育局", "课堂互动教学", content="建设智慧课堂一期。",
                amount=48),
    ])


def _file(tmp_path: Path, data: Any, name: str = "app.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_check_answers_in_the_contract_shape(portfolio, tmp_path) -> None:
    code, out = run("check", _file(tmp_path, {"jurisdiction": "320612", "project": {
        "name": "困难群众帮扶平台", "unit_name": "区乡村振兴局", "content": "帮扶低保对象和特困人员",
        "functions": ["最低生活保障审核", "特困供养", "临时帮扶", "帮扶资金发放"],
        "data_items": ["姓名", "公民身份号码", "家庭收入", "保障金额"], "total_investment_wan": 45, "plan_year": 2027,
        "category": "new"}}))
    assert code == 0
    assert set(out) >= {"similar", "findings"}
    top = out["similar"][0]
    assert {"kind", "name", "unit_name", "score", "evidence"} <= set(top)
    assert top["kind"] == "system" and 0 <= top["score"] <= 1
    assert set(top["evidence"]) >= {"shared_functions", "shared_data_items", "shared_terms"}
    for finding in out["findings"]:
        assert {"code", "severity", "citation", "message", "related"} <= set(finding)
        assert finding["severity"] in ("block", "warn", "info")
        assert isinstance(finding["citation"]["article"], int) and finding["citation"]["pack"] == "tongzhou-2023"


def test_check_is_the_same_answer_as_the_scan(portfolio, tmp_path, load_rows) -> None:
    app = {"name": "中小学智慧课堂教学平台（二期）", "unit_name": "区教育体育局", "content": "建设智慧课堂二期。",
           "functions": ["学情分析"], "total_investment_wan": 45, "plan_year": 2027}
    _, checked = run("check", _file(tmp_path, {"jurisdiction": "320612", "project": app}))
    load_rows("320612", [project(app["name"], app["unit_name"], "学情分析", content=app["content"], amount=45)])
    _, scanned = run("scan", "--jurisdiction", "320612")
    mine = [f for f in scanned["findings"] if f["code"] == "split_application"]
    assert [f["code"] for f in checked["findings"]] == ["split_application"]
    assert len(mine) == 1 and sorted(mine[0]["related"] + [mine[0]["subject"]["name"]]) == sorted(
        checked["findings"][0]["related"] + [app["name"]])
    assert mine[0]["citation"] == checked["findings"][0]["citation"]


@pytest.mark.parametrize(("data", "needle"), [
    ("{not json", "JSON"),
    ({"project": {"name": "x"}}, "jurisdiction"),
    ({"jurisdiction": "999999", "project": {"name": "x"}}, "999999"),
    ({"jurisdiction": "320612"}, "project"),
    ({"jurisdiction": "320612", "project": {"unit_name": "区民政局"}}, "project.name"),
    ({"jurisdiction": "320612", "project": {"name": "x", "functions": "ok", "total_investment_wan": "多"}},
     "total_investment_wan"),
    ({"jurisdiction": "320612", "project": {"name": "x", "functions": [1, 2]}}, "project.functions"),
    ({"jurisdiction": "320612", "project": {"name": "x", "plan_year": 2027.5}}, "plan_year"),
    ({"jurisdiction": "320612", "project": {"name": "x", "category": "build"}}, "category"),
])
def test_check_bad_input_exits_2_naming_the_field(demo_data, tmp_path, data, needle) -> None:
    code, out = run("check", _file(tmp_path, data))
    assert code == 2 and needle in out["error"]


def test_check_missing_file(demo_data, tmp_path) -> None:
    code, out = run("check", str(tmp_path / "none.json"))
    assert code == 2 and "不存在" in out["error"]


def test_scan_and_index_commands(portfolio) -> None:
    code, out = run("scan", "--jurisdiction", "320612")
    assert code == 0 and isinstance(out["findings"], list)
    code, out = run("index", "--jurisdiction", "320612", "--rebuild")
    assert code == 0 and out["320612"]["indexed"] == out["320612"]["total"] >= 2
    code, out = run("index", "--jurisdiction", "320612")
    assert code == 0 and out["320612"]["indexed"] == 0
    assert run("scan", "--jurisdiction", "nope")[0] == 2
