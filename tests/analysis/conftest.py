"""Fixtures of the analysis tests: the demo jurisdictions and a helper that imports 台账 rows."""

from __future__ import annotations

from typing import Any

import pytest

from govit.analysis import indexing
from govit.analysis.inventory import inventory_import
from govit.core.models import Jurisdiction, User

LEAD = {"320612": "tz_lead_office", "150203": "kdl_lead_office", "511900": "bz_lead_office",
        "652300": "cj_lead_office"}


@pytest.fixture(autouse=True)
def fresh_index_caches() -> Any:
    """The in-memory index is per process; each test starts from its own database."""
    indexing._loaded.clear()
    indexing._synced.clear()
    yield
    indexing._loaded.clear()
    indexing._synced.clear()


def system(name: str, unit: str, functions: str, data: str = "", content: str = "", **extra: Any) -> dict[str, Any]:
    return {"名称": name, "类型": "存量系统", "建设单位": unit, "主要功能": functions, "数据资源": data,
            "建设内容": content, **extra}


def project(name: str, unit: str, functions: str, data: str = "", content: str = "", *, year: int = 2027,
            amount: float = 80, stage: str = "已申报", **extra: Any) -> dict[str, Any]:
    return {"名称": name, "类型": "项目", "建设单位": unit, "主要功能": functions, "数据资源": data,
            "建设内容": content, "年度": year, "总投资（万元）": amount, "状态": stage, **extra}


@pytest.fixture
def load_rows(demo_data: None) -> Any:
    """import_rows(code, [row, …]) → ImportOutcome, as the jurisdiction's lead office."""

    def run(code: str, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
        jurisdiction = Jurisdiction.objects.get(code=code)
        actor = User.objects.get(username=LEAD[code])
        outcome = inventory_import(jurisdiction=jurisdiction, rows=list(enumerate(rows, start=2)), actor=actor,
                                   **kwargs)
        assert outcome.ok or kwargs.get("expect_errors"), [str(e) for e in outcome.errors]
        return outcome

    return run


def check(code: str, **project: Any) -> dict[str, Any]:
    from govit.analysis.checks import analysis_check

    return analysis_check(jurisdiction=Jurisdiction.objects.get(code=code), project=project)


def codes(result: dict[str, Any]) -> list[str]:
    return [f["code"] for f in result["findings"]]
