"""An expert reads the project under review (summary, amounts, materials) read-only, only while on the
active panel of a running review, each read audited; refused and audited once declined or called off."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import AuditEntry, User
from govit.experts.models import DrawMember
from govit.experts.selectors import can_read_project, reviews_waiting_count
from govit.experts.services import (
    draw_cancel,
    draw_commit,
    draw_execute,
    draw_member_decline,
    expert_project_read,
    expert_update,
)
from govit.projects.errors import PermissionDenied
from tests.experts.conftest import expert_user, lead, make_project

pytestmark = pytest.mark.django_db


def _seat(library: object, *, n: int = 1) -> tuple[DrawMember, User]:
    library("tz", [["legal"], ["legal"]])  # type: ignore[operator]
    project = make_project("tz", name="专家查阅项目")
    project.facts = {"total_investment_wan": 320, "annual_om_wan": 18}
    project.save(update_fields=["facts"])
    draw = draw_commit(project=project, actor=lead("tz"), purpose="consulting", requested={"legal": 1},
                       reserve_per_category=1)
    draw_execute(draw=draw, actor=lead("tz"))
    member = draw.members.get(role="panel")
    user = expert_user("tz", n)
    expert_update(expert=member.expert, actor=lead("tz"), user=user)
    member.refresh_from_db()
    return member, user


def test_an_assigned_expert_reads_the_project_and_each_read_is_audited(library: object) -> None:
    member, user = _seat(library)
    assert can_read_project(member) and reviews_waiting_count(user) == 1
    client = Client()
    client.force_login(user)
    page = client.get(reverse("experts:review", args=[member.pk])).content.decode()
    assert reverse("experts:review-project", args=[member.pk]) in page
    for _ in range(2):
        page = client.get(reverse("experts:review-project", args=[member.pk])).content.decode()
        assert "320 万元" in page and "18 万元" in page and "申报材料" in page
    reads = AuditEntry.objects.filter(action="expert.project_read", actor_name=user.username)
    assert reads.count() == 2 and reads.first().details["member"] == member.pk


def test_refused_to_anyone_else_and_once_the_expert_has_left(library: object) -> None:
    member, user = _seat(library)
    stranger = expert_user("tz", 2)
    with pytest.raises(PermissionDenied):
        expert_project_read(member=member, actor=stranger)
    draw_member_decline(member=member, actor=user, reason="出差")
    member.refresh_from_db()
    assert not can_read_project(member)
    with pytest.raises(PermissionDenied) as refused:
        expert_project_read(member=member, actor=user)
    assert "不能再查阅" in refused.value.message
    client = Client()
    client.force_login(user)
    response = client.get(reverse("experts:review-project", args=[member.pk]))
    assert response.status_code == 403 and "不能再查阅" in response.content.decode()
    assert AuditEntry.objects.filter(action="service.refused", actor_name=user.username,
                                     details__service="expert_project_read", outcome="denied").count() == 2
    assert not AuditEntry.objects.filter(action="expert.project_read").exists()
    # Another expert's seat is not even found.
    other = Client()
    other.force_login(stranger)
    assert other.get(reverse("experts:review-project", args=[member.pk])).status_code == 404


def test_refused_once_the_review_is_called_off(library: object) -> None:
    member, user = _seat(library)
    draw_cancel(draw=member.draw, actor=lead("tz"), reason="项目撤回")
    member.refresh_from_db()
    assert not can_read_project(member) and reviews_waiting_count(user) == 0
    with pytest.raises(PermissionDenied):
        expert_project_read(member=member, actor=user)


def test_declining_from_the_web_asks_first(library: object) -> None:
    member, user = _seat(library)
    client = Client()
    client.force_login(user)
    url = reverse("experts:review", args=[member.pk])
    page = client.post(url, {"action": "decline", "reason": "出差"})
    assert page.status_code == 200 and "谢绝本次评审？" in page.content.decode()
    member.refresh_from_db()
    assert member.status == "invited"
    client.post(url, {"action": "decline", "reason": "出差", "confirmed": "1"})
    member.refresh_from_db()
    assert member.status in ("declined", "replaced") and not can_read_project(member)


def test_an_assigned_expert_downloads_a_material_and_the_read_is_audited(library: object, settings, tmp_path) -> None:
    from govit.projects.demo import sample_docx
    from govit.projects.services import material_upload

    settings.MEDIA_ROOT = tmp_path
    member, user = _seat(library)
    project = member.draw.project
    data = sample_docx("需求说明")
    material = material_upload(project=project, actor=User.objects.get(username="tz_applicant"),
                               doc_code="other", filename="需求说明.docx", data=data)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("experts:review-material", args=[member.pk, material.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == data
    assert AuditEntry.objects.filter(action="expert.material_read", actor_name=user.username).exists()
