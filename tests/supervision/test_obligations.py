"""Each pack's deadlines become dated obligations, written from the articles, swept at chosen dates."""

from __future__ import annotations

from datetime import date

import pytest

from govit.projects.services import progress_report_submit
from govit.supervision.models import Obligation
from govit.supervision.services import sweep
from tests.supervision.conftest import user

pytestmark = pytest.mark.django_db


def obligations(project) -> set[tuple]:
    rows = Obligation.objects.filter(project=project)
    return {(o.code, o.period, (o.due or o.window_until).isoformat(), o.status) for o in rows}


def sweep_one(project, as_of: str):
    return sweep(as_of=date.fromisoformat(as_of), projects=type(project).objects.filter(pk=project.pk))


def test_tongzhou_quarterly_yearly_and_acceptance_obligations(make_project) -> None:
    # 第十九条 每季度末报送进展；第二十六条 建设期内年度结束前绩效报告；第三十条 建成后半年内申请验收.
    project = make_project("tongzhou-2023", "construction",
                           approved="2025-02-10", procurement_started="2025-03-01", completed="2026-01-20")
    sweep_one(project, "2026-05-15")
    assert obligations(project) == {
        ("progress_report_due", "2025Q1", "2025-03-31", "overdue"),
        ("progress_report_due", "2025Q2", "2025-06-30", "overdue"),
        ("progress_report_due", "2025Q3", "2025-09-30", "overdue"),
        ("progress_report_due", "2025Q4", "2025-12-31", "overdue"),
        ("progress_report_due", "2026Q1", "2026-03-31", "overdue"),
        ("progress_report_due", "2026Q2", "2026-06-30", "upcoming"),
        ("performance_report_due", "2025", "2025-12-31", "overdue"),
        ("performance_report_due", "2026", "2026-12-31", "upcoming"),
        ("acceptance_application_due", "", "2026-07-20", "upcoming"),
    }
    first = Obligation.objects.get(project=project, code="progress_report_due", period="2025Q1")
    assert first.citation == {"pack": "tongzhou-2023", "article": 19}


def test_tongzhou_quarterly_report_meets_its_quarter_only(make_project) -> None:
    project = make_project("tongzhou-2023", "construction", approved="2025-10-10")
    progress_report_submit(project=project, actor=user("tongzhou-2023", "applicant"), kind="quarterly",
                           period="2025Q4", implementation="按计划推进")
    sweep_one(project, "2026-02-01")
    met = Obligation.objects.get(project=project, code="progress_report_due", period="2025Q4")
    assert met.status == "met" and met.met_by_event.kind == "report.quarterly"
    assert obligations(project) == {
        ("progress_report_due", "2025Q4", "2025-12-31", "met"),
        ("progress_report_due", "2026Q1", "2026-03-31", "upcoming"),
        ("performance_report_due", "2025", "2025-12-31", "overdue"),
        ("performance_report_due", "2026", "2026-12-31", "upcoming"),
    }


def test_tongzhou_acceptance_due_is_met_by_acceptance_and_self_evaluation_window_opens(make_project) -> None:
    # 第三十条: met once accepted (the pack's met_if); 第三十三条: 6-12 months after acceptance and go-live.
    project = make_project("tongzhou-2023", "in_operation", approved="2025-01-15", completed="2025-06-30",
                           accepted="2025-09-30", go_live="2025-10-15")
    sweep_one(project, "2026-05-01")
    got = obligations(project)
    assert ("acceptance_application_due", "", "2025-12-30", "met") in got  # 2025-06-30 + 6 months
    assert ("self_evaluation_window", "", "2026-10-15", "due") in got
    window = Obligation.objects.get(project=project, code="self_evaluation_window")
    assert (window.window_from, window.window_until) == (date(2026, 4, 15), date(2026, 10, 15))
    # Quarterly reports stop once the project is accepted (on 2025-09-30): the last one is 2025Q2.
    assert max(o.period for o in Obligation.objects.filter(project=project, code="progress_report_due")) == "2025Q2"


def test_tongzhou_application_window_for_a_draft(make_project) -> None:
    # 第七条: 每年10月底前递交下一年度项目计划；11月底前核定年度拟建计划.
    project = make_project("tongzhou-2023", "draft")
    sweep_one(project, "2026-10-28")
    assert obligations(project) == {
        ("application_due", "2026", "2026-10-31", "upcoming"),
        ("annual_plan_due", "2026", "2026-11-30", "upcoming"),
    }


def test_bazhong_year_end_report_and_trial_run(make_project) -> None:
    # 第四十一条 每年年底前绩效监控报告；第二十八条 试运行3个月.
    project = make_project("bazhong-2022", "trial_run", approved="2025-03-01", completed="2026-02-10",
                           trial_started="2026-02-10")
    sweep_one(project, "2026-04-01")
    assert obligations(project) == {
        ("performance_report_due", "2025", "2025-12-31", "overdue"),
        ("performance_report_due", "2026", "2026-12-31", "upcoming"),
        ("trial_run_earliest_end", "", "2026-05-10", "info"),
    }


def test_bazhong_self_evaluation_12_to_24_months_after_go_live(make_project) -> None:
    # 第四十二条: 投入运行后12至24个月内自评价.
    project = make_project("bazhong-2022", "in_operation", approved="2024-01-10", accepted="2025-01-15",
                           go_live="2025-02-01")
    sweep_one(project, "2026-03-01")
    assert obligations(project) == {
        ("performance_report_due", "2024", "2024-12-31", "overdue"),
        ("self_evaluation_window", "", "2027-02-01", "due"),
    }


def test_changji_procurement_within_a_year_of_approval(make_project) -> None:
    # 第二十六条: 立项批复意见出具1年后仍未启动政府采购的，应重新申报.
    project = make_project("changji-2025", "approved", approved="2025-06-30")
    sweep_one(project, "2026-06-29")
    assert obligations(project) == {("procurement_start_due", "", "2026-06-30", "upcoming")}
    sweep_one(project, "2026-07-01")
    assert obligations(project) == {("procurement_start_due", "", "2026-06-30", "overdue")}


def test_changji_procurement_start_meets_the_obligation(make_project) -> None:
    # The project went through 启动采购 (procurement.start on its timeline) on 2025-09-01.
    project = make_project("changji-2025", "procurement", approved="2025-06-30", procurement_started="2025-09-01")
    sweep_one(project, "2026-07-01")
    assert obligations(project) == {("procurement_start_due", "", "2026-06-30", "met")}
    met = Obligation.objects.get(project=project)
    assert met.met_by_event.kind == "procurement.start"


def test_kundulun_self_evaluation_one_to_two_years_after_acceptance_and_go_live(make_project) -> None:
    # 第二十三条: 通过验收并投入运行后一至两年内开展自评价.
    project = make_project("kundulun-2024", "in_operation", approved="2024-05-01", accepted="2025-03-10",
                           go_live="2025-04-01")
    sweep_one(project, "2026-01-01")
    assert obligations(project) == {("self_evaluation_window", "", "2027-04-01", "upcoming")}
    sweep_one(project, "2027-04-02")
    assert obligations(project) == {("self_evaluation_window", "", "2027-04-01", "overdue")}
