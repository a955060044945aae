"""Fixtures of the end-to-end suite: a live server with the full demo data, headless Debian Chromium
(never a downloaded browser), one browser context per signed-in person, screenshots under var/e2e/.

Playwright's sync API runs an event loop in the test thread, and Django refuses ORM calls while one
runs; the tests read the database between steps (the demo TOTP code, a project's id), so the
`browser` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for the duration of each e2e test only.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from govit.core.demo import DEMO_PASSWORD, run_demo_loaders

CHROMIUM = Path(os.environ.get("GOVIT_CHROMIUM", "/usr/bin/chromium"))
# Chromium's own strings (the file picker's 选择文件) in Chinese, as on a Chinese desktop: --lang and,
# since headless Chromium on Linux reads the locale from the environment, LANGUAGE (chromium-l10n).
LAUNCH_ENV = {"LANGUAGE": "zh_CN:zh"}  # not LANG: an absent zh_CN locale would garble Chinese file names
LAUNCH_ARGS = ["--lang=zh-CN", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(django_settings.VAR_DIR) / "e2e"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does it with apt)")


# The page's width against the window's, and the outermost elements that stick out on the right
# (for the failure message): a phone user should never have to scroll sideways.
OVERFLOW_JS = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll('body *')].filter(el => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
        }
        return true;
    }).slice(0, 5).map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} → ${Math.round(
        el.getBoundingClientRect().right)}`);
    return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


def assert_no_overflow(page: Any) -> None:
    found = page.evaluate(OVERFLOW_JS)
    assert found["scroll"] <= found["width"], (page.url, found)


@pytest.fixture
def e2e_world(transactional_db: None, settings: Any, tmp_path: Path,
              tmp_path_factory: pytest.TempPathFactory) -> None:
    """Everything `govit demo` loads, with the TOTP second factor switched on as in production.

    Loading the demo takes ~25 s; on SQLite the first test's loaded database and media are kept (the
    SQLite backup API) and every later test starts from a copy, as if it had loaded them itself."""
    from django.db import connection

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GOVIT_DEMO_SKIP_OTP = False
    if connection.vendor != "sqlite":
        run_demo_loaders(stdout=io.StringIO())
        return
    connection.ensure_connection()
    snapshot = _DEMO_SNAPSHOT.get("folder")
    if snapshot is None:
        run_demo_loaders(stdout=io.StringIO())
        snapshot = tmp_path_factory.mktemp("e2e-demo")
        _sqlite_copy(connection.connection, snapshot / "demo.sqlite3", into_file=True)
        if Path(settings.MEDIA_ROOT).exists():
            shutil.copytree(settings.MEDIA_ROOT, snapshot / "media")
        _DEMO_SNAPSHOT["folder"] = snapshot
        return
    _sqlite_copy(connection.connection, snapshot / "demo.sqlite3", into_file=False)
    if (snapshot / "media").exists():
        shutil.copytree(snapshot / "media", settings.MEDIA_ROOT)


_DEMO_SNAPSHOT: dict[str, Path] = {}


def _sqlite_copy(live: Any, file: Path, *, into_file: bool) -> None:
    """Copy the whole test database into `file` (into_file) or back from it, pages and sequences."""
    other = sqlite3.connect(str(file))
    try:
        if into_file:
            live.backup(other)
        else:
            other.backup(live)
    finally:
        other.close()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Requested after the database fixtures (see the module docstring).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS,
                                              env={**os.environ, **LAUNCH_ENV})
        yield instance
        instance.close()


class Shots:
    """Numbered screenshots: var/e2e/NN-name.png (the viewport, as a person sees it)."""

    def __init__(self, folder: Path, prefix: str = ""):
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str, *, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots() -> Shots:
    for old in SHOTS.glob("[0-9][0-9]-*.png"):
        old.unlink()
    return Shots(SHOTS)


def totp_code(username: str) -> str:
    from govit.core.models import User
    from govit.core.otp import confirmed_device, current_code

    device = confirmed_device(User.objects.get(username=username))
    assert device is not None, f"{username} has no TOTP device"
    return current_code(device)


class Person:
    """One signed-in person: their own browser context (cookies), page and base URL."""

    def __init__(self, browser: Any, base_url: str, username: str, *, viewport: dict[str, int] | None = None):
        self.username = username
        self.base_url = base_url
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport=viewport or DESKTOP, base_url=base_url)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()

    def goto(self, path: str) -> Any:
        self.page.goto(path)
        return self.page

    def login(self, *, on_otp: Any = None) -> Any:
        """Sign in with the demo password; roles with mandatory TOTP type the demo device's code."""
        page = self.page
        page.goto("/login/")
        page.get_by_label("用户名").fill(self.username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/(home|accounts/otp/verify)/"))
        if "/accounts/otp/verify/" in page.url:
            page.get_by_label("动态口令").fill(totp_code(self.username))
            if on_otp is not None:
                on_otp(page)
            page.get_by_role("button", name="验证").click()
            page.wait_for_url(re.compile(r"/home/"))
        return page

    def close(self) -> None:
        self.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def people(request: pytest.FixtureRequest, browser: Any, live_server: Any) -> Iterator[Any]:
    opened: dict[str, Person] = {}

    def person(username: str, *, on_otp: Any = None, **kwargs: Any) -> Person:
        if username not in opened:
            opened[username] = Person(browser, live_server.url, username, **kwargs)
            opened[username].login(on_otp=on_otp)
        return opened[username]

    yield person
    for p in opened.values():
        if request.node.stash.get(FAILED, False):  # what each person's page showed when the test failed
            p.page.screenshot(path=str(SHOTS / f"failed-{p.username}.png"), full_page=True)
        p.close()
