"""Headless Chromium renders the supervision dashboard: every chart draws on its canvas (screenshot kept)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from govit.core.demo import DEMO_PASSWORD
from govit.projects.models import ProjectYearAmount
from govit.supervision.services import sweep
from tests.supervision.conftest import prefix

CHROMIUM = Path(os.environ.get("GOVIT_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def dashboard_world(transactional_db, make_project):
    projects = [
        make_project("tongzhou-2023", "construction", approved="2025-02-10", procurement_started="2025-03-01",
                     completed="2026-01-20"),
        make_project("tongzhou-2023", "draft"),
    ]
    for year, planned, approved, spent in [(2025, 300, 280, 120), (2026, 200, 200, 150), (2027, 150, 0, 0)]:
        ProjectYearAmount.objects.update_or_create(project=projects[0], year=year, defaults={
            "planned_wan": planned, "approved_wan": approved, "spent_wan": spent})
    sweep(as_of=date(2026, 8, 20))
    return projects


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield instance
        instance.close()


def test_dashboard_charts_render(live_server, dashboard_world, browser) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1300})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", f"{prefix('tongzhou-2023')}_lead_office")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/home/")
    page.goto(f"{live_server.url}/supervision/")
    page.wait_for_selector('.chart[data-chart="ratings"][data-rendered="1"] canvas')
    # ECharts animates the first draw: wait for the last frame instead of sleeping.
    page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(el => "
                           "window.echarts.getInstanceByDom(el).getZr().animation.isFinished())")
    charts = page.eval_on_selector_all(".chart", """els => els.map(el => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return {name: el.dataset.chart, painted: 0};
        const ctx = canvas.getContext('2d');
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
        return {name: el.dataset.chart, painted, width: canvas.width, height: canvas.height};
    })""")
    assert [c["name"] for c in charts] == ["stages", "units", "money", "overdue", "ratings"]
    for chart in charts:
        assert chart["painted"] > 500, chart
    out = Path(settings.VAR_DIR) / "e2e"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "supervision-dashboard.png"), full_page=True)
    page.click("text=查看有逾期义务的项目 →")
    page.wait_for_url("**/supervision/projects/**")
    assert "逾期义务" in page.locator(".switch").inner_text()
    page.screenshot(path=str(out / "supervision-projects.png"), full_page=True)
    context.close()
