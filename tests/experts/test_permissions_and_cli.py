"""Scope: another jurisdiction's lead office sees and draws nothing; experts see only their own reviews.
The verify-draw command's exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from govit.core.models import User
from govit.experts.models import DrawMember, DrawPurpose, MemberRole
from govit.experts.services import draw_commit, draw_execute, expert_update, panel_open
from govit.projects.errors import PermissionDenied
from tests.experts.conftest import add_expert, expert_user, lead, make_project

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def drawn(library: object) -> object:
    library("tz", [["legal"], ["legal"], ["legal"]])  # type: ignore[operator]
    draw = draw_commit(project=make_project("tz"), actor=lead("tz"), purpose=DrawPurpose.CONSULTING,
                       requested={"legal": 2}, reserve_per_category=1)
    draw_execute(draw=draw, actor=lead("tz"))
    return panel_open(draw=draw, actor=lead("tz"))


def test_another_jurisdictions_lead_office_cannot_see_or_draw(drawn: object) -> None:
    expert = DrawMember.objects.filter(draw=drawn).first().expert
    other = _client(lead("bz"))
    assert other.get("/api/v1/experts").json()["items"] == []
    assert other.get(f"/api/v1/experts/{expert.pk}").status_code == 404
    assert other.get(f"/api/v1/experts/{expert.pk}/sensitive").status_code == 404
    assert other.get(f"/api/v1/experts/draws/{drawn.pk}").status_code == 404
    body = {"project_id": drawn.project_id, "requested": {"legal": 1}}
    assert other.post("/api/v1/experts/draws", json.dumps(body), content_type="application/json").status_code == 404
    with pytest.raises(PermissionDenied):
        draw_commit(project=drawn.project, actor=lead("bz"), purpose="consulting", requested={"legal": 1})
    with pytest.raises(PermissionDenied):
        draw_execute(draw=drawn, actor=lead("bz"))
    assert other.get(reverse("experts:draw", args=[drawn.pk])).status_code == 404
    own = _client(lead("tz"))
    assert own.get("/api/v1/experts").json()["count"] == 3
    assert own.get(f"/api/v1/experts/draws/{drawn.pk}").json()["seed_commitment"] == drawn.seed_commitment
    for role in ("applicant", "member_reviewer", "expert"):
        user = User.objects.get(username=f"tz_{role}")
        assert _client(user).get("/api/v1/experts").json()["items"] == []
        assert _client(user).get(reverse("experts:list")).status_code == 404
    # 三员分立: administrators are refused outright (govit.core.middleware.AdminSeparationMiddleware).
    admin = _client(User.objects.get(username="tz_system_admin"))
    assert admin.get("/api/v1/experts").status_code == 403
    assert admin.get(reverse("experts:list")).status_code == 403


def test_experts_see_only_their_own_reviews(drawn: object) -> None:
    one, two = DrawMember.objects.filter(draw=drawn, role=MemberRole.PANEL)
    user_one, user_two = expert_user("tz", 1), expert_user("tz", 2)
    expert_update(expert=one.expert, actor=lead("tz"), user=user_one)
    expert_update(expert=two.expert, actor=lead("tz"), user=user_two)
    client = _client(user_one)
    mine = client.get("/api/v1/experts/my-reviews").json()["items"]
    assert [m["member_id"] for m in mine] == [one.pk]
    body = json.dumps({"scores": {}, "opinion": "agree", "comments": "x", "no_conflict": True})
    assert client.post(f"/api/v1/experts/my-reviews/{two.pk}/review", body,
                       content_type="application/json").status_code == 404
    assert client.get(reverse("experts:review", args=[two.pk])).status_code == 404
    assert client.get(reverse("experts:review", args=[one.pk])).status_code == 200
    assert client.get(f"/api/v1/experts/draws/{drawn.pk}").status_code == 404
    scores = {"necessity": 8, "technical": 7, "investment": 6, "security": 9, "sharing": 8}
    ok = client.post(f"/api/v1/experts/my-reviews/{one.pk}/review",
                     json.dumps({"scores": scores, "opinion": "agree", "comments": "同意", "no_conflict": True}),
                     content_type="application/json")
    assert ok.status_code == 201 and len(ok.json()["signature_digest"]) == 64
    # The reserve expert is not on the panel and sees nothing.
    reserve = DrawMember.objects.get(draw=drawn, role=MemberRole.RESERVE)
    user_three = expert_user("tz", 3)
    expert_update(expert=reserve.expert, actor=lead("tz"), user=user_three)
    assert _client(user_three).get("/api/v1/experts/my-reviews").json()["items"] == []


def test_verify_draw_cli_exit_codes(drawn: object) -> None:
    out = io.StringIO()
    call_command("experts", "verify-draw", str(drawn.pk), stdout=out)
    assert out.getvalue().startswith("一致")
    member = DrawMember.objects.filter(draw=drawn, role=MemberRole.PANEL).first()
    intruder = add_expert("tz", 99, categories=["legal"], name="冒名专家")
    DrawMember.objects.filter(pk=member.pk).update(expert=intruder)
    with pytest.raises(CommandError) as failure:
        call_command("experts", "verify-draw", str(drawn.pk))
    assert failure.value.returncode == 1
    assert "不一致" in str(failure.value) and "冒名专家" in str(failure.value)
    DrawMember.objects.filter(pk=member.pk).update(expert=member.expert)
    type(drawn).objects.filter(pk=drawn.pk).update(seed="00" * 32)
    with pytest.raises(CommandError, match="承诺值") as failure:
        call_command("experts", "verify-draw", str(drawn.pk))
    assert failure.value.returncode == 1
    with pytest.raises(CommandError) as missing:
        call_command("experts", "verify-draw", "999999")
    assert missing.value.returncode == 2
