"""Scan, confirm, dismiss: a confirmed finding sets the pack fact, so the rule citing the article blocks
with the evidence attached; every decision has a reason, is on the timeline and in the audit log."""

from __future__ import annotations

import pytest

from govit.analysis.models import Finding, FindingStatus
from govit.analysis.services import analysis_scan, finding_confirm, finding_dismiss
from govit.core.models import AuditEntry, Jurisdiction, User
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import Project
from govit.projects.selectors import project_evaluation

from .conftest import project, system

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanned(load_rows):
    load_rows("320612", [
        system("社会救助综合管理系统", "区民政局", "低保申请审批、特困人员供养管理、临时救助、救助资金发放",
               "姓名、身份证号码、家庭人均收入、低保金额"),
        project("困难群众帮扶救助一体化平台", "区乡村振兴局",
                "最低生活保障审核、特困供养人员管理、临时帮扶、帮扶资金发放",
                "姓名、公民身份号码、家庭收入、保障金额", content="对低保对象、特困供养人员开展帮扶。", amount=85),
        project("中小学智慧课堂教学平台（一期）", "区教育体育局", "课堂互动教学", content="建设智慧课堂一期。",
                amount=48),
        project("中小学智慧课堂教学平台（二期）", "区教育体育局", "学情分析", content="建设智慧课堂二期。", amount=45),
    ])
    tz = Jurisdiction.objects.get(code="320612")
    return analysis_scan(jurisdiction=tz, actor=User.objects.get(username="tz_lead_office"))


def _finding(code: str, name: str) -> Finding:
    return Finding.objects.get(code=code, project__name=name) if code != "split_application" else \
        Finding.objects.get(code=code)


def test_scan_keeps_findings_and_is_idempotent(scanned) -> None:
    assert {f["code"] for f in scanned.findings} >= {"duplicate_construction", "split_application",
                                                     "duplicate_data_collection"}
    count = Finding.objects.count()
    again = analysis_scan(jurisdiction=Jurisdiction.objects.get(code="320612"))
    assert again.created == 0 and Finding.objects.count() == count
    split = _finding("split_application", "")
    assert sorted(p.name for p in split.projects.all()) == ["中小学智慧课堂教学平台（一期）",
                                                            "中小学智慧课堂教学平台（二期）"]


def test_confirmed_duplicate_blocks_under_article_24_with_evidence(scanned) -> None:
    finding = _finding("duplicate_construction", "困难群众帮扶救助一体化平台")
    target = finding.project
    assert project_evaluation(target)["verdict"] != "blocked" or not any(
        f["rule"].endswith("no-duplicate-system") for f in project_evaluation(target)["findings"])
    finding_confirm(finding=finding, actor=User.objects.get(username="tz_lead_office"),
                    reason="功能与区民政局社会救助系统重复，应依托其建设。")
    result = project_evaluation(Project.objects.get(pk=target.pk))
    block = next(f for f in result["findings"] if f["rule"] == "tongzhou-2023/sharing/no-duplicate-system")
    assert block["severity"] == "block" and block["citation"]["article"] == 24
    assert block["evidence"][0]["related"] == ["社会救助综合管理系统"]
    assert "社会救助综合管理系统" in block["message"]
    event = target.events.get(kind="analysis.confirm")
    assert event.reason.startswith("功能与区民政局") and event.citations[0]["article"] == 24
    assert AuditEntry.objects.filter(action="analysis.finding_confirm").exists()


def test_confirmed_split_blocks_every_part_under_article_8(scanned) -> None:
    finding = _finding("split_application", "")
    finding_confirm(finding=finding, actor=User.objects.get(username="tz_lead_office"),
                    reason="同一平台拆分为两期申报。")
    for part in finding.projects.all():
        rules = [f["rule"] for f in project_evaluation(part)["findings"] if f["severity"] == "block"]
        assert "tongzhou-2023/application/no-split" in rules


def test_dismissed_finding_does_not_block(scanned) -> None:
    finding = _finding("duplicate_data_collection", "困难群众帮扶救助一体化平台")
    finding_dismiss(finding=finding, actor=User.objects.get(username="tz_lead_office"),
                    reason="帮扶对象收入由乡村振兴局自行核查，非民政低保数据。")
    rules = [f["rule"] for f in project_evaluation(finding.project)["findings"]]
    assert "tongzhou-2023/sharing/duplicate-data-collection" not in rules
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED
    assert finding.project.events.filter(kind="analysis.dismiss").exists()
    again = analysis_scan(jurisdiction=Jurisdiction.objects.get(code="320612"))
    assert again.created == 0
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED  # a scan never undoes a decision


def test_decisions_need_a_reason_and_the_lead_office(scanned) -> None:
    finding = _finding("duplicate_construction", "困难群众帮扶救助一体化平台")
    with pytest.raises(InvalidInput):
        finding_confirm(finding=finding, actor=User.objects.get(username="tz_lead_office"), reason="  ")
    for username in ("tz_applicant", "tz_member_reviewer", "kdl_lead_office", "tz_system_admin"):
        with pytest.raises(PermissionDenied):
            finding_dismiss(finding=finding, actor=User.objects.get(username=username), reason="无")
    assert AuditEntry.objects.filter(action="service.refused").exists()
    finding_dismiss(finding=finding, actor=User.objects.get(username="tz_lead_office"), reason="核实不重复")
    with pytest.raises(TransitionRefused):
        finding_confirm(finding=finding, actor=User.objects.get(username="tz_lead_office"), reason="改主意")


def test_scan_marks_findings_no_longer_seen_inactive(scanned, load_rows) -> None:
    finding = _finding("split_application", "")
    load_rows("320612", [project("中小学智慧课堂教学平台（二期）", "区教育体育局", "学情分析",
                                 content="建设智慧课堂二期。",
                                 amount=45, year=2028)])
    analysis_scan(jurisdiction=Jurisdiction.objects.get(code="320612"))
    finding.refresh_from_db()
    assert not finding.active and finding.status == FindingStatus.OPEN


def test_inbox_lists_open_findings(scanned) -> None:
    from govit.projects.selectors import lead_office_inbox

    items = [i for i in lead_office_inbox(User.objects.get(username="tz_lead_office")) if i["kind"] == "analysis"]
    assert len(items) == Finding.objects.filter(status=FindingStatus.OPEN, active=True).count()
    assert not [i for i in lead_office_inbox(User.objects.get(username="kdl_lead_office")) if i["kind"] == "analysis"]
