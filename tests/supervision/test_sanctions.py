"""Unit sanctions gate 申报 with the article and what lifts them; computed ones follow the projects."""

from __future__ import annotations

from datetime import date

import pytest

from govit.core.models import Role
from govit.projects.demo import sample_docx
from govit.projects.errors import TransitionRefused
from govit.projects.selectors import application_checklist, unit_facts
from govit.projects.services import material_upload, project_create, project_submit
from govit.supervision.models import UnitSanction
from govit.supervision.services import sanction_lift, sanction_record, sweep
from tests.projects.conftest import BASE_FACTS
from tests.supervision.conftest import user

pytestmark = pytest.mark.django_db


def ready_draft(pack_id: str):
    applicant = user(pack_id, Role.APPLICANT)
    project = project_create(actor=applicant, name="受限单位新项目", facts=dict(BASE_FACTS))
    for code in application_checklist(project)[0]:
        material_upload(project=project, actor=applicant, doc_code=code, filename=f"{code}.docx",
                        data=sample_docx(code))
    return project, applicant


def test_sanctioned_unit_cannot_submit_and_is_told_the_article_and_the_lifting_condition(world) -> None:
    project, applicant = ready_draft("tongzhou-2023")
    unit = project.unit
    sanction = sanction_record(unit=unit, kind="data_sharing_violation", actor=user("tongzhou-2023", Role.LEAD_OFFICE),
                               reason="区民政局救助系统未按目录共享数据。")
    assert sanction.citation == {"pack": "tongzhou-2023", "article": 34, "item": 1}
    assert sanction.lifting_condition == "请先完成数据共享整改。"
    assert unit_facts(unit)["data_sharing_violation"] is True
    with pytest.raises(TransitionRefused) as refused:
        project_submit(project=project, actor=applicant)
    assert "第三十四条（一）" in refused.value.message
    assert "请先完成数据共享整改" in refused.value.message
    sanction_lift(sanction=sanction, actor=user("tongzhou-2023", Role.LEAD_OFFICE), note="已完成共享目录挂接。")
    project_submit(project=project, actor=applicant)
    project.refresh_from_db()
    assert project.state == "submitted"


def test_member_department_records_a_security_violation_under_bazhong(world) -> None:
    project, applicant = ready_draft("bazhong-2022")
    member = user("bazhong-2022", Role.MEMBER_REVIEWER)
    sanction = sanction_record(unit=project.unit, kind="security_violation", actor=member,
                               reason="等保测评发现高危漏洞未整改。")
    assert sanction.citation["article"] == 47 and sanction.recorded_by_unit is not None
    with pytest.raises(TransitionRefused) as refused:
        project_submit(project=project, actor=applicant)
    assert "第四十七条" in refused.value.message and "请先完成安全整改" in refused.value.message


def test_a_pack_without_the_sanction_refuses_to_record_it(world) -> None:
    project, _ = ready_draft("changji-2025")
    with pytest.raises(TransitionRefused, match="未对"):
        sanction_record(unit=project.unit, kind="security_violation",
                        actor=user("changji-2025", Role.LEAD_OFFICE), reason="测试")


def test_unaccepted_project_is_a_computed_sanction_lifted_when_the_facts_change(world, make_project) -> None:
    # 巴中 第三十条: 有未进行验收的项目，不批准该单位新增项目. Completed over a year ago, still not accepted.
    stale = make_project("bazhong-2022", "trial_run", approved="2024-01-10", completed="2024-06-01",
                         trial_started="2024-06-01")
    sweep(as_of=date(2026, 7, 1))
    sanction = UnitSanction.objects.get(unit=stale.unit, lifted_at__isnull=True)
    assert (sanction.kind, sanction.source, sanction.citation["article"]) == ("has_unaccepted_projects", "computed", 30)
    assert "验收" in sanction.lifting_condition
    with pytest.raises(TransitionRefused, match="该限制由系统根据项目情况认定"):
        sanction_lift(sanction=sanction, actor=user("bazhong-2022", Role.LEAD_OFFICE), note="已验收")
    with pytest.raises(TransitionRefused, match="第三十条"):
        project_submit(project=ready_draft("bazhong-2022")[0], actor=user("bazhong-2022", Role.APPLICANT))
    stale.facts = {**stale.facts, "dates": {**stale.facts["dates"], "completed": date.today().isoformat()}}
    stale.save(update_fields=["facts"])
    sweep(as_of=date(2026, 7, 1))
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_sanctions_show_on_the_applicant_workspace(world, client) -> None:
    project, applicant = ready_draft("tongzhou-2023")
    sanction_record(unit=project.unit, kind="security_violation", actor=user("tongzhou-2023", Role.LEAD_OFFICE),
                    reason="存在重大安全隐患。")
    client.force_login(applicant)
    page = client.get("/home/applicant/").content.decode()
    assert "单位限制" in page and "第三十四条（二）" in page and "请先完成安全整改" in page

