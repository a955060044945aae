"""Rectification orders: issued with the article, escalated by the sweep along the pack's ladder,
closed with evidence."""

from __future__ import annotations

from datetime import date

import pytest

from govit.core.models import Role
from govit.projects.demo import sample_docx
from govit.projects.errors import PermissionDenied, TransitionRefused
from govit.supervision.models import RectificationOrder
from govit.supervision.services import (
    rectification_close,
    rectification_evidence_add,
    rectification_issue,
    sweep,
)
from tests.supervision.conftest import user

pytestmark = pytest.mark.django_db


def issue(project, pack_id: str, role: str = Role.LEAD_OFFICE) -> RectificationOrder:
    return rectification_issue(project=project, actor=user(pack_id, role), citation={"article": 21},
                               problem="未按要求落实等级保护测评。", deadline=date(2026, 3, 31),
                               issued_on=date(2026, 3, 1))


def labels(order: RectificationOrder) -> list[str]:
    return list(order.history.values_list("label", flat=True))


@pytest.mark.parametrize(("pack_id", "ladder", "final_state"), [
    ("tongzhou-2023", ["限期整改", "通报批评", "暂缓安排信息化投资计划", "暂停项目建设", "终止项目"], "terminated"),
    ("bazhong-2022", ["限期整改", "通报批评", "暂缓安排投资计划", "暂停项目建设", "终止项目"], "terminated"),
    ("kundulun-2024", ["限期整改", "通报", "暂缓安排建设计划或资金", "暂停项目建设"], "suspended"),
])
def test_escalation_follows_the_pack(make_project, pack_id, ladder, final_state) -> None:
    project = make_project(pack_id, "construction", approved="2025-10-01")
    order = issue(project, pack_id)
    sweep(as_of=date(2026, 3, 31))  # on the deadline: nothing yet
    order.refresh_from_db()
    assert (order.status, order.level) == ("open", 0)
    as_of = date(2026, 4, 1)
    for _ in range(len(ladder) + 1):
        sweep(as_of=as_of)
        sweep(as_of=as_of)  # idempotent: one step per deadline passed
        order.refresh_from_db()
        as_of = order.deadline.replace() if order.deadline > as_of else as_of
        as_of = date.fromordinal(order.deadline.toordinal() + 1)
    assert labels(order) == ladder
    assert order.status == "escalated" and order.level == len(ladder) - 1
    project.refresh_from_db()
    assert project.state == final_state
    kinds = list(project.events.filter(kind__startswith="rectification").values_list("kind", flat=True))
    assert kinds[0] == "rectification.issue" and kinds.count("rectification.escalate") == len(ladder) - 1


def test_pack_without_a_ladder_only_marks_the_order_overdue(make_project) -> None:
    project = make_project("changji-2025", "approved", approved="2025-10-01")
    order = issue(project, "changji-2025")
    sweep(as_of=date(2026, 4, 2))
    order.refresh_from_db()
    assert order.status == "overdue" and labels(order) == ["限期整改"]


def test_closing_needs_evidence_and_the_issuer(make_project, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    project = make_project("tongzhou-2023", "construction", approved="2025-10-01")
    order = issue(project, "tongzhou-2023", Role.MEMBER_REVIEWER)
    assert order.issuer_unit.name != ""
    with pytest.raises(PermissionDenied):
        rectification_close(order=order, actor=user("tongzhou-2023", Role.APPLICANT), note="已整改")
    with pytest.raises(TransitionRefused, match="佐证材料"):
        rectification_close(order=order, actor=user("tongzhou-2023", Role.MEMBER_REVIEWER), note="已整改")
    rectification_evidence_add(order=order, actor=user("tongzhou-2023", Role.APPLICANT), filename="等保测评报告.docx",
                               data=sample_docx("测评报告"), note="等保测评报告")
    closed = rectification_close(order=order, actor=user("tongzhou-2023", Role.MEMBER_REVIEWER), note="已核查。")
    assert closed.status == "closed"
    assert labels(closed) == ["限期整改", "提交整改佐证材料", "整改销号"]
    sweep(as_of=date(2026, 5, 1))
    closed.refresh_from_db()
    assert closed.status == "closed" and closed.level == 0
