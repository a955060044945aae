"""The expert pages render for the roles that use them, in Chinese, and drive the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import User
from govit.experts.models import Draw, DrawMember, DrawStatus, ExpertReview, MemberRole
from govit.experts.services import expert_update
from tests.experts.conftest import expert_user, lead, make_project

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lead_office_pages_and_a_draw_through_the_web(library: object) -> None:
    library("tz", [["legal"], ["legal"], ["legal"], ["network_security"]])  # type: ignore[operator]
    project = make_project("tz", name="网页抽取项目")
    client = _client(lead("tz"))
    for name in ("experts:list", "experts:import", "experts:draws", "experts:draw-new", "experts:fees"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "<html lang=\"zh-Hans\">" in response.content.decode()
    assert "专家库" in client.get(reverse("web:home")).content.decode()  # navigation entry
    template = client.get(reverse("experts:import-template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.post(reverse("experts:draw-new"), {
        "project": project.pk, "purpose": "consulting", "reserve_per_category": 1, "period": "year",
        "exclude_previous": "on", "n_legal": 2,
    })
    draw = Draw.objects.get(project=project)
    assert response.status_code == 302
    page = client.get(reverse("experts:draw", args=[draw.pk])).content.decode()
    assert draw.seed_commitment in page and "公开种子并抽取" in page
    client.post(reverse("experts:draw-action", args=[draw.pk, "execute"]))
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    page = client.get(reverse("experts:draw", args=[draw.pk])).content.decode()
    assert draw.seed in page and "备选名单" in page and "符合要求" in page
    verify = client.post(reverse("experts:draw-action", args=[draw.pk, "verify"]), headers={"HX-Request": "true"})
    assert "一致" in verify.content.decode()
    member = DrawMember.objects.filter(draw=draw, role=MemberRole.PANEL).first()
    client.post(reverse("experts:draw-action", args=[draw.pk, "decline"]), {"member": member.pk, "reason": "出差",
                                                                             "confirmed": "1"})
    assert DrawMember.objects.filter(draw=draw, replaces=member).exists()
    client.post(reverse("experts:draw-action", args=[draw.pk, "open"]))
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN
    assert "2026" in client.get(reverse("experts:fees") + "?period=2026").content.decode()
    assert "期间格式" in client.get(reverse("experts:fees") + "?period=abc").content.decode()


def test_expert_workspace_signs_a_review(library: object) -> None:
    from govit.experts.services import draw_commit, draw_execute, panel_open

    library("tz", [["legal"]])  # type: ignore[operator]
    draw = draw_commit(project=make_project("tz", name="工作台项目"), actor=lead("tz"), purpose="consulting",
                       requested={"legal": 1}, reserve_per_category=0)
    draw_execute(draw=draw, actor=lead("tz"))
    member = draw.members.get()
    user = expert_user("tz", 1)
    expert_update(expert=member.expert, actor=lead("tz"), user=user)
    client = _client(user)
    assert "工作台项目" in client.get(reverse("experts:workspace")).content.decode()
    page = client.get(reverse("experts:review", args=[member.pk])).content.decode()
    assert "确认参加" in page and "签名提交" not in page  # not open yet
    client.post(reverse("experts:review", args=[member.pk]), {"action": "accept"})
    panel_open(draw=draw, actor=lead("tz"))
    form = {"action": "sign", "opinion": "agree", "comments": "同意立项。", "no_conflict": "on",
            **{f"score_{k}": 8 for k in ("necessity", "technical", "investment", "security", "sharing")}}
    client.post(reverse("experts:review", args=[member.pk]), form)
    review = ExpertReview.objects.get(member=member)
    page = client.get(reverse("experts:review", args=[member.pk])).content.decode()
    assert review.signature_digest in page
    assert _client(User.objects.get(username="tz_applicant")).get(reverse("experts:workspace")).status_code == 404
