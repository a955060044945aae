"""Lists behave like lists and the words are the regulation's words, in a real browser on the full demo.

- 专家库 of the 通州 lead office: filter, search, sort, page 2 keeps the filters, 导出 Excel downloads
  an XLSX with a Chinese file name holding exactly the filtered set (not the page shown);
- the projects list sorts by amount in 万元 with two decimals; the 待办 list filters its kinds;
- each jurisdiction's lead office reads its own regulation's name for itself: 昆都仑 区政数局, 昌吉
  州数字化发展局, never the 领导小组办公室 their texts do not use; 通州 keeps 领导小组办公室;
- an article is found by its number written either way (十四 or 14) and reads 第十四条.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]


def _download(page: Any, tmp: Path) -> tuple[str, list[list[Any]]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    path = tmp / "export.xlsx"
    download.save_as(path)
    rows = [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]
    return download.suggested_filename, rows


def _column(page: Any, n: int) -> list[str]:
    return [t.strip() for t in page.locator(f"table tbody tr td:nth-child({n})").all_inner_texts()]


def _count(page: Any) -> int:
    return int(re.search(r"\d+", page.locator(".list-count").inner_text()).group())


def test_lists_filter_sort_page_and_export_the_filtered_set(e2e_world: None, people: Any, tmp_path: Path) -> None:
    lead = people("tz_lead_office")
    page = lead.goto("/experts/")
    total = _count(page)
    assert total > 20, "the demo library is longer than one page"

    # Filter (专业类别) and sort (按工作单位); the count and the rows follow.
    category = page.locator("#list-category option").nth(1).inner_text()
    page.locator("#list-category").select_option(label=category)
    page.locator("#list-sort").select_option(label="按工作单位")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"category=.+&sort=employer|sort=employer.*category="))
    filtered = _count(page)
    assert 0 < filtered < total
    categories = _column(page, 3)
    assert categories and all(category in c for c in categories)
    employers = _column(page, 2)
    assert employers == sorted(employers)
    page.screenshot(path=str(SHOTS / "lists-experts-filtered.png"))

    # The next page keeps the filter and the sort and shows other rows.
    if filtered > 20:
        first_names = _column(page, 1)
        page.get_by_role("link", name="下一页").click()
        assert "category=" in page.url and "sort=employer" in page.url and "page=2" in page.url
        expect(page.locator("#list-category")).to_have_value(re.compile(".+"))
        assert not set(_column(page, 1)) & set(first_names)
        assert all(category in c for c in _column(page, 3))

    # 导出 Excel: the filtered, sorted set in full, under a Chinese file name.
    name, rows = _download(page, tmp_path)
    assert re.fullmatch(r"专家库-\d{8}\.xlsx", name), name
    assert rows[0][:3] == ["姓名", "工作单位", "专业类别"]
    assert len(rows) - 1 == filtered
    assert all(category in r[2] for r in rows[1:])
    assert [r[1] for r in rows[1:]] == sorted(r[1] for r in rows[1:])

    # Projects: sorted by amount, shown in 万元 with two decimals; the export follows the sort.
    page = lead.goto("/projects/")
    page.locator("#project-sort").select_option(label="总投资最多")
    page.get_by_role("button", name="筛选").click()
    amounts = [a for a in _column(page, 6) if a != "—"]
    assert amounts and all(re.fullmatch(r"\d[\d,]*\.\d\d", a) for a in amounts), amounts
    values = [float(a.replace(",", "")) for a in amounts]
    assert values == sorted(values, reverse=True)
    name, rows = _download(page, tmp_path)
    assert name.startswith("项目-") and len(rows) - 1 == _count_projects(page)

    # 待办: one kind only, and the export is that kind only.
    page = lead.goto("/projects/inbox/")
    kinds = page.locator("#list-kind option").all_inner_texts()[1:]
    everything = _count(page)
    shown = set(t.strip() for t in page.locator("table tbody td:first-child .badge").all_inner_texts())
    kind = sorted(shown)[0]
    page.locator("#list-kind").select_option(label=kind)
    page.get_by_role("button", name="筛选").click()
    assert kind in kinds and 0 < _count(page) <= everything
    assert {t.strip() for t in page.locator("table tbody td:first-child .badge").all_inner_texts()} == {kind}
    _, rows = _download(page, tmp_path)
    assert {r[0] for r in rows[1:]} == {kind} and len(rows) - 1 == _count(page)


def _count_projects(page: Any) -> int:
    return int(re.search(r"共 (\d+) 个项目", page.locator(".list-count").inner_text()).group(1))


@pytest.mark.parametrize(("username", "own", "pack"), [
    ("kdl_lead_office", "区政数局", "kundulun-2024"),
    ("cj_lead_office", "州数字化发展局", "changji-2025"),
])
def test_each_jurisdiction_reads_its_own_regulations_words(e2e_world: None, people: Any, username: str, own: str,
                                                          pack: str) -> None:
    person = people(username)
    page = person.goto("/home/")
    expect(page.locator("main")).to_contain_text(f"{own}工作台")
    page = person.goto("/projects/inbox/")
    hint = page.locator("p.hint").first
    expect(hint).to_contain_text(f"等待{own}处理的事项")
    assert "领导小组办公室" not in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / f"words-{pack}-inbox.png"))
    # The regulation page finds 第十四条 searched as 十四 and as 14.
    for query in ("十四", "14"):
        page.goto(f"/regulations/{pack}/?q={query}")
        expect(page.locator("#art-14 h3")).to_have_text("第十四条")


def test_tongzhou_keeps_its_words(e2e_world: None, people: Any) -> None:
    page = people("tz_lead_office").goto("/projects/inbox/")
    expect(page.locator("p.hint").first).to_contain_text("等待领导小组办公室处理的事项")
