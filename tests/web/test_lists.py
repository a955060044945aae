"""Every list of the web pages behaves like a list: search, filters, sorting and paging in one component
(govit.core.lists), and 导出 Excel exports the filtered, sorted set (not just the page shown)."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govit.core.models import AuditEntry, User
from govit.experts.models import Expert
from govit.experts.selectors import experts_visible_to

pytestmark = pytest.mark.usefixtures("demo_data", "library")


@pytest.fixture
def library(demo_data: None) -> None:
    """A 通州 expert library longer than a page (20 rows), some not available."""
    lead = User.objects.get(username="tz_lead_office")
    jurisdiction = lead.role_assignments.get(role="lead_office").jurisdiction
    for i in range(27):
        categories = ["software_engineering"] if i % 2 else ["network_security", "cryptography"]
        Expert.objects.create(jurisdiction=jurisdiction, name=f"专家{i:02d}", employer=f"单位{(i * 7) % 10}",
                              categories=categories, available=i % 9 != 0)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _sheet(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


def _filename(response) -> str:
    match = re.search(r"filename\*=UTF-8''([^;]+)", response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return unquote(match.group(1))


LIST_PAGES = [
    ("tz_system_admin", "accounts:users", "用户"),
    ("tz_security_admin", "accounts:roles", "角色授权"),
    ("tz_lead_office", "experts:list", "专家库"),
    ("tz_lead_office", "experts:draws", "专家抽取"),
    ("tz_lead_office", "experts:fees", "专家费报表"),
    ("tz_lead_office", "planning:list", "年度建设计划"),
    ("tz_lead_office", "projects:inbox", "待办"),
    ("tz_lead_office", "projects:list", "项目"),
    ("tz_applicant", "projects:list", "项目"),
    ("tz_leadership", "supervision:projects", "监督管理项目清单"),
    ("tz_member_reviewer", "reviews:tasks", "审查意见任务"),
]
LIST_IDS = [f"{p[0]}-{p[1]}" for p in LIST_PAGES]


@pytest.mark.parametrize(("username", "url", "title"), LIST_PAGES, ids=LIST_IDS)
def test_every_list_offers_search_sort_and_an_excel_export_with_a_chinese_name(username, url, title) -> None:
    client = _client(username)
    page = client.get(reverse(url))
    assert page.status_code == 200
    html = page.content.decode()
    assert "导出 Excel" in html and "export=xlsx" in html
    assert 'name="sort"' in html
    before = AuditEntry.objects.filter(action="list.export").count()
    exported = client.get(reverse(url), {"export": "xlsx"})
    rows = _sheet(exported)
    assert _filename(exported).startswith(f"{title}-") and _filename(exported).endswith(".xlsx")
    assert rows[0] and all(isinstance(c, str) and c for c in rows[0])  # a Chinese header row
    if url != "projects:list":  # every export of a list is audited
        assert AuditEntry.objects.filter(action="list.export").count() == before + 1


def test_the_expert_export_holds_the_filtered_set_not_the_page() -> None:
    client = _client("tz_lead_office")
    experts = experts_visible_to(User.objects.get(username="tz_lead_office"))
    assert experts.count() > 1, "the demo library"
    name = experts.order_by("pk").first().name
    rows = _sheet(client.get(reverse("experts:list"), {"q": name, "export": "xlsx"}))
    expected = sorted(e.name for e in experts if name in e.name or name in e.employer)
    assert sorted(r[0] for r in rows[1:]) == expected
    everyone = _sheet(client.get(reverse("experts:list"), {"export": "xlsx"}))
    assert len(everyone) - 1 == experts.count() > len(rows) - 1


def test_filters_and_sort_survive_paging_and_pages_do_not_overlap() -> None:
    client = _client("tz_lead_office")
    total = experts_visible_to(User.objects.get(username="tz_lead_office")).filter(available=True).count()
    assert total > 20, "the demo library fills more than one page"
    first = client.get(reverse("experts:list"), {"available": "1", "sort": "employer"}).content.decode()
    assert "available=1" in first and "sort=employer" in first and "page=2" in first
    second = client.get(reverse("experts:list"), {"available": "1", "sort": "employer", "page": "2"})
    names_1 = re.findall(r"<tr>\s*<td>([^<]+)</td>", first)
    names_2 = re.findall(r"<tr>\s*<td>([^<]+)</td>", second.content.decode())
    assert names_1 and names_2 and not set(names_1) & set(names_2)
    # the sort is the database's, across pages: the export in the same order is the pages joined
    exported = _sheet(client.get(reverse("experts:list"), {"available": "1", "sort": "employer", "export": "xlsx"}))
    employers = [r[1] for r in exported[1:]]
    assert employers == sorted(employers) and len(employers) == total


def test_the_category_filter_matches_one_category_of_a_list() -> None:
    client = _client("tz_lead_office")
    rows = _sheet(client.get(reverse("experts:list"), {"category": "cryptography", "export": "xlsx"}))
    assert len(rows) - 1 == 14 and all("密码应用" in r[2] for r in rows[1:])


def test_users_filter_by_state_and_role_and_unknown_choices_are_ignored() -> None:
    client = _client("tz_system_admin")
    active = _sheet(client.get(reverse("accounts:users"), {"active": "1", "export": "xlsx"}))
    assert {r[3] for r in active[1:]} == {"启用"}
    leaders = _sheet(client.get(reverse("accounts:users"), {"role": "leadership", "export": "xlsx"}))
    assert leaders[1:] and all("领导" in r[2] for r in leaders[1:])
    bogus = _sheet(client.get(reverse("accounts:users"), {"role": "<script>", "export": "xlsx"}))
    everyone = _sheet(client.get(reverse("accounts:users"), {"export": "xlsx"}))
    assert len(bogus) == len(everyone)


def test_the_audit_log_shows_and_filters_chinese_action_names() -> None:
    client = _client("tz_audit_admin")
    page = client.get(reverse("accounts:audit"))
    assert "全部操作" in page.content.decode() and "角色授权" in page.content.decode()
    chosen = client.get(reverse("accounts:audit"), {"kind": "role.assign"}).content.decode()
    assert "角色授权" in chosen and "载入演示数据</td>" not in chosen
    by_name = client.get(reverse("accounts:audit"), {"q": "载入演示数据"}).content.decode()
    assert "载入演示数据</td>" in by_name


def test_opinion_tasks_filter_by_status_and_export_the_filtered_set(settings, tmp_path) -> None:
    from datetime import date

    from django.utils import timezone

    from govit.reviews.models import OpinionTask, TaskStatus
    from govit.reviews.selectors import opinion_tasks_for
    from tests.projects.conftest import drive_to

    settings.MEDIA_ROOT = tmp_path
    member = User.objects.get(username="tz_member_reviewer")
    assignment = member.role_assignments.get(role="member_reviewer")
    project = drive_to("tongzhou-2023", "submitted")
    for n, status in enumerate([TaskStatus.OPEN, TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED]):
        OpinionTask.objects.create(project=project, round=10 + n, body="netsec", unit_id=assignment.unit_id,
                                   aspect=f"网络安全审查意见{n}", due_date=date(2026, 12, 20 + n), status=status,
                                   opinion="agree" if status == TaskStatus.DONE else "",
                                   signed_at=timezone.now() if status == TaskStatus.DONE else None)
    tasks = opinion_tasks_for(member)
    client = _client("tz_member_reviewer")
    page = client.get(reverse("reviews:tasks")).content.decode()
    assert "待出具" in page and "出具意见" in page
    everything = _sheet(client.get(reverse("reviews:tasks"), {"export": "xlsx"}))
    assert len(everything) - 1 == tasks.count() >= 4
    assert everything[1][3] == "待出具"  # open tasks first, nearest deadline first
    for status, label in TaskStatus.choices:
        rows = _sheet(client.get(reverse("reviews:tasks"), {"status": status, "export": "xlsx"}))
        assert len(rows) - 1 == tasks.filter(status=status).count() > 0
        assert all(r[3] == label for r in rows[1:])
    found = _sheet(client.get(reverse("reviews:tasks"), {"q": "网络安全审查意见2", "export": "xlsx"}))
    assert [r[2] for r in found[1:]] == ["网络安全审查意见2"]
