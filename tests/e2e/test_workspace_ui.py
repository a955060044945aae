"""Workspaces staff can live in (issue 18), in a real browser: every button readable on every page for
every role (WCAG 2.1 1.4.3 contrast >= 4.5:1, computed from getComputedStyle), destructive actions ask
first (dialog with JavaScript, confirmation page without), unread and 待办 counts in the header, the
expert reading the project under review only while assigned, and the phone menu with a skip link."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, SHOTS, assert_no_overflow, needs_chromium
from tests.e2e.test_accessibility import PAGES, project_ids

pytestmark = [pytest.mark.e2e, needs_chromium]

# Every visible button and link-button: its text colour against the background it is painted on
# (the first opaque ancestor background, semi-transparent layers composited), with the WCAG ratio.
CONTRAST_JS = """() => {
    const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
        const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const over = (top, under) => { const a = top[3];
        return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
    const background = el => {
        const layers = [];
        for (let n = el; n; n = n.parentElement) {
            const bg = parse(getComputedStyle(n).backgroundColor);
            if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
        }
        let result = [255, 255, 255, 1];
        for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
        return result;
    };
    const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    return [...document.querySelectorAll('button, a.button, input[type=submit], input[type=button]')]
        .filter(el => el.offsetParent !== null && !el.disabled && el.getBoundingClientRect().width > 0)
        .map(el => { const bg = background(el); const fg = over(parse(getComputedStyle(el).color), bg);
            const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
            return {text: (el.innerText || el.value || '').trim().slice(0, 30), cls: el.className,
                    ratio: Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100}; });
}"""

EXTRA_PAGES = {
    "tz_applicant": ["/notifications/", "/notices/"],
    "tz_lead_office": ["/notices/", "/notifications/", "/integrations/webhooks/", "/analysis/", "/analysis/systems/",
                       "/reviews/"],
    "tz_member_reviewer": ["/notices/", "/notifications/"],
    "tz_expert": ["/notifications/"],
}


def _pages() -> dict[str, list[str]]:
    from govit.experts.models import DrawMember

    ids = project_ids()
    pages = {user: [p.format(**{k: f"/projects/{v}/" if p == "{" + k + "}" else v for k, v in ids.items()})
                    for p in paths] + EXTRA_PAGES.get(user, []) for user, paths in PAGES.items()}
    member = DrawMember.objects.filter(expert__user__username="tz_expert", draw__status="open").first()
    pages["tz_expert"] += [f"/experts/workspace/{member.pk}/", f"/experts/workspace/{member.pk}/project/"]
    pages["tz_lead_office"].append(f"/experts/draws/{member.draw_id}/")
    return pages


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop-1280", "phone-390"])
def test_every_button_is_readable_on_every_page(e2e_world: None, people: Any, viewport: dict[str, int]) -> None:
    low, checked = [], 0
    for username, paths in _pages().items():
        page = people(username, viewport=viewport).page
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, (username, path, response and response.status)
            page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")
            if viewport == PHONE and page.locator(".menu-toggle").is_visible():
                page.locator(".menu-toggle").click()  # the folded menu's buttons count too
            for found in page.evaluate(CONTRAST_JS):
                checked += 1
                if found["ratio"] < 4.5:
                    low.append((username, path, found))
    # Signed out: the login page.
    anonymous = page.context.browser.new_page(locale="zh-CN", viewport=viewport)
    anonymous.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/login/")
    low += [("anonymous", "/login/", f) for f in anonymous.evaluate(CONTRAST_JS) if f["ratio"] < 4.5]
    anonymous.close()
    assert not low, low[:10]
    assert checked > 150


def test_destructive_actions_ask_first(e2e_world: None, people: Any, browser: Any) -> None:
    from govit.core.models import RoleAssignment, User

    admin = people("tz_system_admin")
    page = admin.goto("/accounts/users/")
    row = page.locator("tr", has_text="tz_expert")
    row.get_by_role("button", name="停用").click()
    dialog = page.locator("dialog#confirm-dialog")
    assert dialog.is_visible()
    assert "停用账号 tz_expert" in dialog.inner_text() and "可随时" in dialog.inner_text()
    page.screenshot(path=str(SHOTS / "confirm-dialog.png"))
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    assert User.objects.get(username="tz_expert").is_active, "cancelling must not disable the account"
    row.get_by_role("button", name="停用").click()
    dialog.get_by_role("button", name="停用账号").click()
    # form.submit() navigates after the click returns: wait for the answer page, not the old one.
    page.locator(".messages", has_text="如需恢复").wait_for()
    assert not User.objects.get(username="tz_expert").is_active
    # The undo needs no confirmation.
    page.locator("tr", has_text="tz_expert").get_by_role("button", name="启用").click()
    page.locator(".messages", has_text="已启用").wait_for()
    assert User.objects.get(username="tz_expert").is_active

    security = people("tz_security_admin")
    page = security.goto("/accounts/roles/")
    page.locator("tr", has_text="tz_leadership").get_by_role("button", name="撤销").click()
    assert "撤销 tz_leadership" in page.locator("dialog#confirm-dialog").inner_text()
    page.keyboard.press("Escape")
    assert RoleAssignment.objects.filter(user__username="tz_leadership").exists()

    # Without JavaScript the server asks on a page of its own and acts only when confirmed.
    context = browser.new_context(java_script_enabled=False, base_url=admin.base_url, locale="zh-CN")
    context.add_cookies(admin.context.cookies())
    plain = context.new_page()
    plain.goto("/accounts/users/")
    plain.locator("tr", has_text="tz_expert").get_by_role("button", name="停用").click()
    assert plain.get_by_role("heading", name=re.compile("停用账号 tz_expert")).is_visible()
    assert User.objects.get(username="tz_expert").is_active
    assert all(f["ratio"] >= 4.5 for f in plain.evaluate(CONTRAST_JS)), plain.evaluate(CONTRAST_JS)
    plain.screenshot(path=str(SHOTS / "confirm-page.png"))
    plain.get_by_role("button", name="停用账号").click()
    assert not User.objects.get(username="tz_expert").is_active
    context.close()


def test_counts_find_people(e2e_world: None, people: Any) -> None:
    from govit.core.models import User
    from govit.notifications.selectors import unread_count
    from govit.projects.models import Project
    from govit.projects.selectors import lead_office_inbox_count
    from govit.reviews.models import OpinionTask

    # 待办 of the lead office: the badge is the inbox's size, and its own opinion tasks are in it.
    lead = people("tz_lead_office")
    page = lead.goto("/home/")
    nav = page.locator(".mainnav")
    count = lead_office_inbox_count(User.objects.get(username="tz_lead_office"))
    assert nav.get_by_role("link", name=re.compile(r"^待办")).locator(".count").inner_text() == str(count)

    # The lead office publishes a 通知公告 (通州 第七条: plans due by the end of October).
    page.goto("/notices/")
    page.get_by_label("标题").fill("关于报送下一年度项目计划的补充通知")
    page.get_by_label("正文").fill("请各单位于10月底前报送下一年度项目计划（第七条）。")
    page.get_by_label("依据条款").fill("第七条")
    page.get_by_role("button", name="发布").click()
    assert "已发布通知" in page.locator(".messages").inner_text()

    applicant = people("tz_applicant")
    page = applicant.goto("/home/")
    user = User.objects.get(username="tz_applicant")
    header = page.locator(".topbar")
    assert header.locator(".notif-link .count").inner_text() == str(unread_count(user))
    notices = header.get_by_role("link", name=re.compile(r"^通知公告"))
    assert notices.locator(".count").inner_text() == "2"  # the demo's call and the new one
    page.screenshot(path=str(SHOTS / "header-counts.png"))
    notices.click()
    page.get_by_role("link", name="关于报送下一年度项目计划的补充通知").click()
    assert "第七条" in page.locator("main").inner_text()
    assert header.get_by_role("link", name=re.compile(r"^通知公告")).locator(".count").inner_text() == "1"
    page.goto("/notifications/")
    page.get_by_role("button", name="全部标为已读").click()
    assert page.locator(".topbar .notif-link .count").count() == 0
    assert unread_count(user) == 0

    # The lead office's own opinion (its unit is the review body): in its 待办 and on the project page.
    bz = people("bz_lead_office")
    project = Project.objects.filter(jurisdiction__code="511900", state="under_review").first() \
        or Project.objects.filter(jurisdiction__code="511900").exclude(state="draft").first()
    done = OpinionTask.objects.filter(unit__kind="lead_office", project__jurisdiction=project.jurisdiction).first()
    OpinionTask.objects.create(project=project, round=9, body=done.body, unit=done.unit, aspect=done.aspect,
                               due_date=done.due_date)
    page = bz.goto("/projects/inbox/")
    text = page.locator("main").inner_text()
    while f"本单位待出具{done.aspect}" not in text and page.get_by_role("link", name="下一页").count():
        page.get_by_role("link", name="下一页").click()
        text = page.locator("main").inner_text()
    assert f"本单位待出具{done.aspect}" in text
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="出具本单位意见").click()
    assert page.get_by_role("heading", name=done.aspect).is_visible()


def test_expert_reads_only_while_assigned(e2e_world: None, people: Any) -> None:
    from govit.core.models import AuditEntry, User
    from govit.experts.models import DrawMember
    from govit.experts.services import draw_cancel

    member = DrawMember.objects.filter(expert__user__username="tz_expert", draw__status="open").first()
    expert = people("tz_expert")
    page = expert.goto(f"/experts/workspace/{member.pk}/")
    before = AuditEntry.objects.filter(action="expert.project_read").count()
    page.get_by_role("link", name=re.compile("查阅项目资料")).click()
    main = page.locator("main").inner_text()
    assert "总投资" in main and "万元" in main and "申报材料" in main
    assert AuditEntry.objects.filter(action="expert.project_read", actor_name="tz_expert").count() == before + 1
    page.screenshot(path=str(SHOTS / "expert-project.png"), full_page=True)
    links = page.locator("main table a")
    if links.count():
        with page.expect_download() as download:
            links.first.click()
        assert download.value.suggested_filename
        assert AuditEntry.objects.filter(action="expert.material_read", actor_name="tz_expert").exists()
    # The review is called off: the same page now refuses, and the refusal is audited.
    lead = User.objects.get(username="tz_lead_office")
    draw_cancel(draw=member.draw, actor=lead, reason="项目撤回申报")
    response = page.goto(f"/experts/workspace/{member.pk}/project/")
    assert response is not None and response.status == 403
    assert "不能再查阅" in page.locator("main").inner_text()
    assert AuditEntry.objects.filter(actor_name="tz_expert", action="service.refused", outcome="denied",
                                     details__service="expert_project_read").exists()


def test_phone_menu_and_skip_link(e2e_world: None, people: Any) -> None:
    phone = people("tz_lead_office", viewport=PHONE)
    page = phone.goto("/home/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".mainnav").is_visible()
    assert toggle.locator(".count").is_visible(), "the folded menu hints that work waits inside"
    page.screenshot(path=str(SHOTS / "phone-menu-closed.png"))
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".mainnav").get_by_role("link", name=re.compile("^待办")).is_visible()
    assert page.get_by_role("button", name="退出登录").is_visible()
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    assert_no_overflow(page)
    page.keyboard.press("Escape")
    assert not page.locator(".mainnav").is_visible()
    # The skip link is the first Tab stop, visible when focused, and lands in the main content.
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    desktop = people("tz_applicant")
    page = desktop.goto("/home/")
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".mainnav").is_visible()
