"""Scope is decided before anything else: a project the pack says is out of scope cannot be submitted under
that pack, and the refusal says which regulation applies instead or that none does (巴中 第二条 under 30万,
昆都仑 第二条 涉密). A project governed by reference (昌吉 第二条 参照本办法) can be."""

from __future__ import annotations

from typing import Any

import pytest

from govit.projects.models import Project
from tests.projects.conftest import new_project

pytestmark = pytest.mark.usefixtures("world")


def _submit(api: Any, prefix: str, status: int, **facts: Any) -> tuple[dict, dict]:
    applicant = api(f"{prefix}_applicant")
    project = new_project(applicant, **facts)
    for code in applicant.get(f"/projects/{project['id']}/next-steps")["steps"][0]["missing"]:
        applicant.upload(project["id"], code)
    return project, applicant.transition(project["id"], "submit", status=status)


def test_bazhong_project_under_30_wan_is_out_of_scope_and_nothing_applies(api: Any) -> None:
    """巴中 第二条: 投资额度在30万元以上 — 29.99万 is not a “智慧巴中”建设项目."""
    project, refused = _submit(api, "bz", 409, total_investment_wan=29.99)
    assert refused["code"] == "out_of_scope" and {c["article"] for c in refused["citations"]} == {2}
    assert "不属于《“智慧巴中”建设项目管理办法》的适用范围" in refused["detail"]
    assert "30万元" in refused["detail"] and "均不适用" in refused["detail"]
    assert Project.objects.get(pk=project["id"]).state == "draft"


def test_bazhong_project_of_exactly_30_wan_is_in_scope(api: Any) -> None:
    """30万元以上 includes 30万."""
    _project, submitted = _submit(api, "bz", 200, total_investment_wan=30)
    assert submitted["state"] == "submitted"


def test_kundulun_classified_project_names_the_regulation_that_applies(api: Any) -> None:
    """昆都仑 第二条: 涉密政务信息化项目建设按国家保密管理规定执行."""
    _project, refused = _submit(api, "kdl", 409, classified=True)
    assert refused["code"] == "out_of_scope" and "应适用国家保密管理规定" in refused["detail"]


def test_bazhong_classified_project_names_the_regulation_that_applies(api: Any) -> None:
    _project, refused = _submit(api, "bz", 409, classified=True)
    assert "国家保密管理有关规定" in refused["detail"] and 2 in {c["article"] for c in refused["citations"]}


def test_tongzhou_project_without_district_funds_is_out_of_scope(api: Any) -> None:
    """通州 第二条: 使用区预算资金 / 区级财政性资金."""
    _project, refused = _submit(api, "tz", 409, funding_sources=["self_raised"])
    assert refused["code"] == "out_of_scope" and "均不适用" in refused["detail"]


def test_scope_that_cannot_be_decided_is_not_submitted(api: Any) -> None:
    """Without the investment, 巴中 cannot say whether 第二条 applies: the refusal names the missing fact."""
    applicant = api("bz_applicant")
    project = applicant.post("/projects", {"name": "缺少投资额的项目", "facts": {"category": "new",
                                                                         "classified": False}}, status=201)
    applicant.upload(project["id"], "proposal")
    refused = applicant.transition(project["id"], "submit", status=409)
    assert refused["code"] == "scope_undetermined" and "total_investment_wan" in refused["missing"]
    assert "建设总投资" in refused["detail"]


def test_changji_classified_project_is_governed_by_reference_and_may_be_submitted(api: Any) -> None:
    """昌吉 第二条: 涉密数字政府项目可参照本办法管理."""
    _project, submitted = _submit(api, "cj", 200, classified=True)
    assert submitted["state"] == "submitted"
