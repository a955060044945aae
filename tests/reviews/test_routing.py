"""Routing creates one task per review body the pack names, for that body's unit; industry is skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from govit.core.models import User
from govit.projects.errors import TransitionRefused
from govit.projects.services import preliminary_review_start
from govit.reviews.models import OpinionTask
from govit.reviews.services import opinion_submit, review_route
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")


def test_bazhong_departments_give_written_opinions_before_the_review_committee() -> None:
    """巴中 第二十条: the departments' written opinions come before the 审委会 (第五条) reviews."""
    lead = User.objects.get(username="bz_lead_office")
    project = drive_to("bazhong-2022", "submitted")
    preliminary_review_start(project=project, actor=lead)
    first = {t.body: t for t in OpinionTask.objects.filter(project=project)}
    assert set(first) == {"netsec", "secrecy_crypto", "economy_it", "finance", "police"}
    assert {t.stage for t in first.values()} == {"preliminary_review"}
    assert first["netsec"].aspect == "网络安全审查意见" and first["finance"].aspect == "项目资金审核意见"
    assert first["secrecy_crypto"].aspect == "国产信创产品备案意见"
    assert first["netsec"].due_date == date.today() + timedelta(days=14)
    assert "行业主管部门" in project.events.filter(kind="preliminary_review.start").last().reason
    with pytest.raises(TransitionRefused, match="尚有审查意见未出具") as refusal:
        review_route(project=project, actor=lead)
    assert refusal.value.citations and {c["article"] for c in refusal.value.citations} >= {20}
    for task in first.values():
        signer = User.objects.filter(role_assignments__unit=task.unit, role_assignments__role="member_reviewer").first()
        opinion_submit(task=task, actor=signer, opinion="agree")
    review_route(project=project, actor=lead)
    committee = {t.body: t for t in OpinionTask.objects.filter(project=project, stage="under_review")}
    assert set(committee) == {"government", "development_reform", "data_bureau", "experts"}
    assert committee["experts"].unit is None and committee["government"].unit.name == "市人民政府办公室"
    assert project.events.last().citations


def test_changji_small_equipment_project_asks_only_special_departments() -> None:
    project = drive_to("changji-2025", "submitted", total_investment_wan=40, procurement_kind="equipment")
    review_route(project=project, actor=User.objects.get(username="cj_lead_office"))
    assert set(OpinionTask.objects.filter(project=project).values_list("body", flat=True)) == {"secrecy_crypto",
                                                                                              "police"}


def test_exempt_project_is_not_routed() -> None:
    project = drive_to("tongzhou-2023", "planned", total_investment_wan=50)
    with pytest.raises(TransitionRefused, match="免于审批"):
        review_route(project=project, actor=User.objects.get(username="tz_lead_office"))


def test_opinion_only_once_and_only_by_the_unit() -> None:
    project = drive_to("tongzhou-2023", "submitted")
    preliminary_review_start(project=project, actor=User.objects.get(username="tz_lead_office"))
    task = OpinionTask.objects.get(project=project, body="finance")
    with pytest.raises(Exception, match="承办单位"):
        opinion_submit(task=task, actor=User.objects.get(username="tz_reviewer_audit"), opinion="agree")
    opinion_submit(task=task, actor=User.objects.get(username="tz_member_reviewer"), opinion="conditional",
                   comments="资金来源须落实")
    with pytest.raises(TransitionRefused):
        opinion_submit(task=task, actor=User.objects.get(username="tz_member_reviewer"), opinion="agree")
