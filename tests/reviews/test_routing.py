"""Routing creates one task per review body the pack names, for that body's unit; industry is skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from govit.core.models import User
from govit.projects.errors import TransitionRefused
from govit.reviews.models import OpinionTask
from govit.reviews.services import opinion_submit, review_route
from tests.projects.conftest import drive_to

pytestmark = pytest.mark.usefixtures("world")


def test_bazhong_joint_review_routes_to_every_member_department() -> None:
    project = drive_to("bazhong-2022", "preliminary_review")
    review_route(project=project, actor=User.objects.get(username="bz_lead_office"))
    tasks = {t.body: t for t in OpinionTask.objects.filter(project=project)}
    assert set(tasks) == {"government", "netsec", "secrecy_crypto", "economy_it", "development_reform", "finance",
                          "police", "data_bureau", "experts"}
    assert tasks["netsec"].aspect == "网络安全审查意见" and tasks["finance"].aspect == "项目资金审核意见"
    assert tasks["secrecy_crypto"].aspect == "国产信创产品备案意见"
    assert tasks["experts"].unit is None and tasks["government"].unit.name == "市人民政府办公室"
    assert tasks["netsec"].due_date == date.today() + timedelta(days=14)
    event = project.events.last()
    assert "行业主管部门" in event.reason and event.citations


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
    project = drive_to("tongzhou-2023", "planned")
    review_route(project=project, actor=User.objects.get(username="tz_lead_office"))
    task = OpinionTask.objects.get(project=project, body="finance")
    with pytest.raises(Exception, match="承办单位"):
        opinion_submit(task=task, actor=User.objects.get(username="tz_reviewer_audit"), opinion="agree")
    opinion_submit(task=task, actor=User.objects.get(username="tz_member_reviewer"), opinion="conditional",
                   comments="资金来源须落实")
    with pytest.raises(TransitionRefused):
        opinion_submit(task=task, actor=User.objects.get(username="tz_member_reviewer"), opinion="agree")
