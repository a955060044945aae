"""A real browser (headless Chromium) signs in as every demo user against a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govit.core.demo import demo_logins
from govit.policy import vocabulary
from govit.web.workspaces import ROLE_INTRO

CHROMIUM = Path(os.environ.get("GOVIT_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def browser():
    # Requested after the database fixtures: Playwright's sync API runs an event loop in this
    # thread, and Django refuses ORM calls while one is running.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield instance
        instance.close()


def _one_login_per_role() -> list:
    # Every role once, rotating through the jurisdictions; the test-client suite covers all 32.
    logins = demo_logins()
    roles = list(dict.fromkeys(d.role for d in logins))
    prefixes = list(dict.fromkeys(d.username.split("_")[0] for d in logins))
    wanted = {f"{prefixes[i % len(prefixes)]}_{role}" for i, role in enumerate(roles)}
    return [d for d in logins if d.username in wanted]


def test_each_role_reaches_its_workspace_in_a_browser(live_server, demo_data, browser) -> None:
    for login in _one_login_per_role():
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.fill("#id_username", login.username)
        page.fill("#id_password", login.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/home/")
        # The title is in the regulation's words (通州 成员单位, 昆都仑 区政数局 ...), as the workspace names it.
        expected = vocabulary.in_pack_words(ROLE_INTRO[login.role][0], _pack_of(login.jurisdiction))
        assert page.locator("h1").inner_text() == expected, login.username
        assert login.jurisdiction in page.locator(".topbar .jurisdiction").inner_text()
        page.click("text=退出登录")
        page.wait_for_url(f"{live_server.url}/login/")
        context.close()


def _pack_of(jurisdiction_name: str) -> str | None:
    """The demo jurisdiction's pack, from the demo's own table (no database access beside the browser)."""
    from govit.core.demo import DEMO_JURISDICTIONS

    return next((s.pack_id for s in DEMO_JURISDICTIONS if s.name == jurisdiction_name), None)
