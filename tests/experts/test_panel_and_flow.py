"""Panel composition against the pack, the signed review flow, the expert opinion task, fees."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from govit.core import crypto
from govit.core.models import AuditEntry
from govit.experts.models import DrawMember, DrawPurpose, DrawStatus, Expert, MemberRole, MemberStatus
from govit.experts.selectors import fee_report
from govit.experts.services import (
    draw_commit,
    draw_execute,
    draw_member_accept,
    draw_member_decline,
    expert_review_submit,
    expert_update,
    fee_record,
    panel_check,
    panel_open,
)
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused
from tests.experts.conftest import expert_user, jurisdiction, lead, make_project

pytestmark = pytest.mark.django_db
SCORES = {"necessity": 8, "technical": 7, "investment": 6, "security": 9, "sharing": 8}


def _drawn(prefix: str, library: object, *, n: int, other: int | None, reserve: int = 0,
           purpose: str = "consulting", project: object = None) -> object:
    library(prefix, [["software_engineering"]] * (n + reserve + 2))  # type: ignore[operator]
    draw = draw_commit(project=project or make_project(prefix), actor=lead(prefix), purpose=purpose,
                       requested={"software_engineering": n}, reserve_per_category=reserve,
                       committee_other_members=other)
    return draw_execute(draw=draw, actor=lead(prefix))


def test_bazhong_panel_with_fewer_than_one_third_experts_is_refused_citing_article_5(library: object) -> None:
    # 第五条: the 审委会 is the 市政府分管领导 and eight departments (nine non-experts, from the pack) plus experts.
    draw = _drawn("bz", library, n=4, other=None)  # 4 of 13 < 1/3
    check = panel_check(draw=draw)
    assert not check.ok and check.experts == 4 and check.committee_total == 13
    with pytest.raises(TransitionRefused) as refusal:
        panel_open(draw=draw, actor=lead("bz"))
    assert "第五条" in refusal.value.message and "至少需要 5 人" in refusal.value.message
    assert refusal.value.citations == [{"pack": "bazhong-2022", "article": 5}]
    assert AuditEntry.objects.filter(action="expert_draw.open", outcome="denied").exists()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN


def test_bazhong_panel_of_at_least_one_third_opens(library: object) -> None:
    draw = _drawn("bz", library, n=5, other=None)  # 5 of 14 ≥ 1/3
    assert panel_check(draw=draw).ok and draw.committee_other_members == 9
    assert panel_open(draw=draw, actor=lead("bz")).status == DrawStatus.OPEN


def test_bazhong_committee_size_comes_from_the_pack_not_the_request(library: object) -> None:
    """第五条 names the 审委会's members: a request cannot shrink it to pass the one-third rule."""
    library("bz", [["software_engineering"]] * 4)  # type: ignore[operator]
    with pytest.raises(InvalidInput, match="第五条"):
        draw_commit(project=make_project("bz"), actor=lead("bz"), purpose="consulting",
                    requested={"software_engineering": 3}, reserve_per_category=0, committee_other_members=5)


def test_other_packs_have_no_share_rule(library: object) -> None:
    assert panel_check(draw=_drawn("tz", library, n=1, other=10)).ok


def test_changji_short_category_after_declines_is_refused_citing_article_32(library: object) -> None:
    draw = _drawn("cj", library, n=2, other=3, reserve=0)
    member = draw.members.filter(role=MemberRole.PANEL).first()
    assert draw_member_decline(member=member, actor=lead("cj"), reason="出差") is None
    with pytest.raises(TransitionRefused) as refusal:
        panel_open(draw=draw, actor=lead("cj"))
    assert "第三十二条" in refusal.value.message and "软件工程缺 1 人" in refusal.value.message


def test_not_enough_candidates_refuses_the_commitment(library: object) -> None:
    library("tz", [["legal"]])  # type: ignore[operator]
    with pytest.raises(TransitionRefused, match="法律缺 1 人"):
        draw_commit(project=make_project("tz"), actor=lead("tz"), purpose="consulting", requested={"legal": 2})


def test_whole_flow_completes_the_expert_opinion_task_and_records_fees(library: object) -> None:
    from govit.projects.demo import ensure_reviewer_accounts
    from govit.projects.services import preliminary_review_start
    from tests.projects.conftest import drive_to

    ensure_reviewer_accounts()
    # 通州 第七条: the lead office organises experts for the 初审.
    project = drive_to("tongzhou-2023", "submitted")
    preliminary_review_start(project=project, actor=lead("tz"))
    from govit.reviews.models import OpinionTask, ReviewBody, TaskStatus

    task = OpinionTask.objects.get(project=project, body=ReviewBody.EXPERTS, stage="preliminary_review")
    library("tz", [["network_security"], ["network_security"], ["cost_finance"]])  # type: ignore[operator]
    users = {}
    for i, expert in enumerate(Expert.objects.filter(jurisdiction=jurisdiction("tz"))):
        users[expert.pk] = expert_user("tz", i)
        expert_update(expert=expert, actor=lead("tz"), user=users[expert.pk])
    draw = draw_commit(project=project, actor=lead("tz"), purpose=DrawPurpose.APPROVAL_REVIEW,
                       requested={"network_security": 1, "cost_finance": 1}, reserve_per_category=1)
    commit_audit = AuditEntry.objects.filter(action="expert_draw.commit").last()
    assert commit_audit.details["seed_commitment"] == draw.seed_commitment and not draw.seed
    draw_execute(draw=draw, actor=lead("tz"))
    assert AuditEntry.objects.filter(action="expert_draw.execute").last().details["seed"] == draw.seed
    panel = list(draw.members.filter(role=MemberRole.PANEL).select_related("expert"))
    first, second = panel
    # An expert cannot act for another, nor sign before the review opens.
    with pytest.raises(PermissionDenied):
        draw_member_accept(member=first, actor=users[second.expert_id])
    draw_member_accept(member=first, actor=users[first.expert_id])
    with pytest.raises(TransitionRefused, match="尚未开始"):
        expert_review_submit(member=first, actor=users[first.expert_id], scores=SCORES, opinion="agree",
                             comments="同意", no_conflict=True)
    panel_open(draw=draw, actor=lead("tz"))
    with pytest.raises(InvalidInput, match="无利害关系"):
        expert_review_submit(member=first, actor=users[first.expert_id], scores=SCORES, opinion="agree",
                             comments="同意", no_conflict=False)
    review = expert_review_submit(member=first, actor=users[first.expert_id], scores=SCORES, opinion="agree",
                                  comments="建设必要，方案可行。", no_conflict=True)
    assert review.signature_digest == crypto.sm3_hex(review.canonical)
    assert json.loads(review.canonical)["scores"] == SCORES
    signed = AuditEntry.objects.filter(action="expert_review.sign").last()
    assert signed.details["signature_digest"] == review.signature_digest
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # one seat still unsigned
    with pytest.raises(TransitionRefused, match="不能修改"):
        expert_review_submit(member=first, actor=users[first.expert_id], scores=SCORES, opinion="agree",
                             comments="再次", no_conflict=True)
    expert_review_submit(member=second, actor=users[second.expert_id], scores=SCORES, opinion="conditional",
                         comments="需补充等保三级测评安排。", no_conflict=True)
    task.refresh_from_db()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMPLETED
    assert task.status == TaskStatus.DONE and task.opinion == "conditional"  # a tie goes to the cautious side
    assert "专家组 2 人评审" in task.comments
    assert project.events.filter(kind="review.opinion").exists()

    fee = fee_record(member=first, actor=lead("tz"), amount="800")
    assert fee.payer.name == "区区域社会治理现代化指挥中心" and "第十八条" in fee.payer_basis
    with pytest.raises(TransitionRefused, match="已登记"):
        fee_record(member=first, actor=lead("tz"), amount="800")
    fee_record(member=second, actor=lead("tz"), amount="600.5")
    report = fee_report(jurisdiction=jurisdiction("tz"), period=fee.period[:4])
    assert report.count == 2 and report.total == Decimal("1400.50")
    assert report.payers[0]["total"] == Decimal("1400.50")
    assert fee_report(jurisdiction=jurisdiction("tz"), period="1999").count == 0


def test_changji_fees_are_paid_by_the_unit_the_pack_names(library: object) -> None:
    draw = _drawn("cj", library, n=1, other=0)
    panel_open(draw=draw, actor=lead("cj"))
    member = DrawMember.objects.get(draw=draw, role=MemberRole.PANEL)
    user = expert_user("cj", 1)
    expert_update(expert=member.expert, actor=lead("cj"), user=user)
    expert_review_submit(member=member, actor=user, scores=SCORES, opinion="agree", comments="同意", no_conflict=True)
    fee = fee_record(member=member, actor=lead("cj"), amount=500)
    assert fee.payer.name == "州数字化发展局"
    assert "第三十三条" in fee.payer_basis
    member.refresh_from_db()
    assert member.status == MemberStatus.ACCEPTED
