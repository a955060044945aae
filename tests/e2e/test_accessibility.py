"""Basic accessibility in a real browser: the main forms work from the keyboard alone (every field is
reached with Tab, has an accessible name and a visible focus ring), and no page makes a 390-pixel
phone screen scroll sideways; the main pages are also checked at 1280x800."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, OVERFLOW_JS, PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.e2e, needs_chromium]

# The focused element: its accessible name (label, aria-label/-labelledby, legend of its radio
# group, or its text), and whether the focus ring is visible (outline or box-shadow).
FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const text = n => (n ? n.innerText || n.textContent || '' : '').replace(/\\s+/g, ' ').trim();
    let name = el.getAttribute('aria-label') || '';
    if (!name && el.getAttribute('aria-labelledby')) {
        name = el.getAttribute('aria-labelledby').split(/\\s+/).map(id => text(document.getElementById(id))).join(' ');
    }
    if (!name && el.labels && el.labels.length) name = [...el.labels].map(text).join(' ');
    if (!name && ['A', 'BUTTON', 'SUMMARY'].includes(el.tagName)) name = text(el);
    if (!name && ['submit', 'button'].includes(el.type)) name = el.value;
    if (!name) name = el.getAttribute('title') || '';
    const group = el.type === 'radio' || el.type === 'checkbox' ? el.closest('fieldset') : null;
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
        || (style.boxShadow && style.boxShadow !== 'none');
    return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', name: name.trim(),
            group: group ? text(group.querySelector('legend')) : null, ring,
            inMain: !!el.closest('main'), key: el.id || el.name || text(el)};
}"""

# Every field of the main content a keyboard user must reach (one per radio group).
FIELDS_JS = """() => {
    const seen = new Set();
    return [...document.querySelectorAll('main input, main select, main textarea')].filter(el => {
        if (el.type === 'hidden' || el.disabled || el.offsetParent === null) return false;
        if (el.type === 'radio') { if (seen.has(el.name)) return false; seen.add(el.name); }
        return true;
    }).map(el => el.type === 'radio' ? 'radio:' + el.name : (el.id || el.name));
}"""


def tab_through(page: Any, *, limit: int = 250) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until focus leaves the last field; every stop is returned."""
    # Start from the top of the document, whatever has autofocus.
    page.evaluate("() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }")
    stops: list[dict[str, Any]] = []
    wanted = set(page.evaluate(FIELDS_JS))
    reached: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break
        stops.append(focused)
        key = f"radio:{page.evaluate('() => document.activeElement.name')}" if focused["type"] == "radio" \
            else focused["id"] or page.evaluate("() => document.activeElement.name")
        reached.add(key)
        if wanted <= reached and not focused["inMain"]:
            break
    missing = wanted - reached
    assert not missing, (page.url, "not reachable with Tab", sorted(missing))
    return stops


def check_keyboard(page: Any, path: str) -> int:
    page.goto(path)
    # Collapsed sections hide fields from the keyboard as from the eye; open them as a user would.
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")
    stops = tab_through(page)
    for stop in stops:
        label = stop["name"] or stop["group"]
        assert label, (path, "field without an accessible name", stop)
        assert stop["ring"], (path, "focus not visible", stop)
    return len(stops)


def project_ids() -> dict[str, int]:
    from govit.projects.models import Project

    tz = Project.objects.filter(jurisdiction__code="320612")
    return {state: tz.filter(state=state).order_by("pk").first().pk
            for state in ("draft", "submitted", "under_review", "construction", "trial_run", "in_operation")}


def test_main_forms_work_from_the_keyboard(e2e_world: None, people: Any) -> None:
    from govit.experts.models import DrawMember
    from govit.reviews.models import OpinionTask

    ids = project_ids()
    task = OpinionTask.objects.filter(project_id=ids["under_review"], status="open", unit__isnull=False,
                                      unit__kind="finance").first()
    building = f"/projects/{ids['construction']}/"
    forms = {
        "tz_applicant": ["/projects/new/", f"/projects/{ids['draft']}/", f"{building}reports/new/",
                         f"{building}changes/new/", f"/projects/{ids['in_operation']}/", "/regulations/precheck/",
                         "/profile/"],
        "tz_lead_office": [f"/projects/{ids['submitted']}/", "/plans/", f"/experts/draws/new/?project={ids['draft']}",
                           "/experts/"],
        "tz_member_reviewer": [f"/reviews/{task.pk}/"] if task else [],
        "tz_expert": [],
    }
    member = DrawMember.objects.filter(expert__user__username="tz_expert", draw__status="open").first()
    if member is not None:
        forms["tz_expert"].append(f"/experts/workspace/{member.pk}/")
    total = 0
    for username, paths in forms.items():
        page = people(username).page
        for path in paths:
            total += check_keyboard(page, path)
    assert total > 100
    # The login form too, signed out.
    page = people("tz_applicant").context.browser.new_page(locale="zh-CN")
    page.goto(f"{people('tz_applicant').base_url}/login/")
    check_keyboard(page, page.url)
    page.close()


PAGES = {
    "tz_applicant": ["/home/", "/projects/", "/projects/new/", "{draft}", "{construction}", "{in_operation}",
                     "/projects/{construction}/reports/new/", "/projects/{construction}/changes/new/",
                     "/regulations/", "/regulations/precheck/", "/regulations/compare/", "/profile/"],
    "tz_lead_office": ["/home/", "/projects/inbox/", "/projects/", "{under_review}", "{trial_run}", "/plans/",
                       "/supervision/", "/supervision/projects/", "/experts/", "/experts/draws/",
                       "/experts/draws/new/", "/experts/fees/", "/projects/portfolio/"],
    "tz_member_reviewer": ["/home/", "/reviews/"],
    "tz_expert": ["/home/", "/experts/workspace/"],
    "tz_leadership": ["/home/", "/projects/portfolio/", "/supervision/"],
    "tz_audit_admin": ["/home/", "/accounts/audit/"],
    "tz_security_admin": ["/home/", "/accounts/roles/"],
    "tz_system_admin": ["/home/", "/accounts/users/"],
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390", "desktop-1280"])
def test_pages_fit_the_screen(e2e_world: None, people: Any, viewport: dict[str, int]) -> None:
    ids = project_ids()
    pages = {user: [p.format(**{k: f"/projects/{v}/" if p == "{" + k + "}" else v for k, v in ids.items()})
                    for p in paths] for user, paths in PAGES.items()}
    checked, wide = 0, []
    for username, paths in pages.items():
        person = people(username, viewport=viewport)
        for path in paths:
            response = person.page.goto(path)
            assert response is not None and response.status == 200, (username, path, response and response.status)
            if person.page.locator(".chart").count():
                person.page.wait_for_selector(".chart canvas")
            found = person.page.evaluate(OVERFLOW_JS)
            if found["scroll"] > found["width"]:
                wide.append((username, path, found))
            checked += 1
    assert not wide, [(u, p, f["scroll"], f["wide"][:2]) for u, p, f in wide]
    if viewport == PHONE:
        person = people("tz_applicant", viewport=viewport)
        person.page.goto("/projects/new/")
        person.page.screenshot(path=str(SHOTS / "phone-new-project.png"))
    assert checked >= 30
