"""The web shell: every demo login reaches its role's workspace, in Chinese, with its scope."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from govit.core.demo import demo_logins
from govit.core.models import User

pytestmark = pytest.mark.usefixtures("demo_data")


@pytest.mark.parametrize("login", demo_logins(), ids=lambda d: d.username)
def test_every_demo_login_reaches_its_home_page(login) -> None:
    client = Client()
    response = client.post(reverse("web:login"), {"username": login.username, "password": login.password})
    assert response.status_code == 302 and response.url == reverse("web:home")
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    html = page.content.decode()
    user = User.objects.get(username=login.username)
    for expected in (user.display_name, login.role_label, login.jurisdiction, "工作台", "退出登录"):
        assert expected in html, expected
    if login.role != "expert":
        assert login.unit in html


@override_settings(AXES_ENABLED=True)
def test_login_works_through_axes(demo_password: str) -> None:
    client = Client()
    response = client.post(reverse("web:login"), {"username": "kdl_leadership", "password": demo_password})
    assert response.status_code == 302


def test_anonymous_visitors_are_sent_to_login(client) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    login_page = client.get(reverse("web:login")).content.decode()
    assert "用户登录" in login_page and 'lang="zh-Hans"' in login_page


def test_pages_have_no_inline_scripts_and_use_vendored_assets(client) -> None:
    client.force_login(User.objects.get(username="bz_leadership"))
    for url in (reverse("web:login"), reverse("web:home"), reverse("web:profile")):
        html = client.get(url, follow=True).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, tag
        assert all(not body.strip() for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
        assert "/static/vendor/htmx/htmx.min.js" in html
        assert "http://" not in html and "https://" not in html


def test_audit_admin_sees_the_audit_log_and_others_do_not() -> None:
    auditor, admin = Client(), Client()
    auditor.force_login(User.objects.get(username="tz_audit_admin"))
    admin.force_login(User.objects.get(username="tz_system_admin"))
    auditor_html = auditor.get(reverse("web:home")).content.decode()
    assert "审计日志（最近 20 条）" in auditor_html
    admin_html = admin.get(reverse("web:home")).content.decode()
    assert "审计日志（最近 20 条）" not in admin_html
    assert "区区域社会治理现代化指挥中心" in admin_html and "州数字化发展局" not in admin_html


def test_role_switch_is_limited_to_held_roles() -> None:
    client = Client()
    client.force_login(User.objects.get(username="cj_expert"))
    assert client.get(reverse("web:home-role", args=["expert"])).status_code == 200
    assert client.get(reverse("web:home-role", args=["audit_admin"])).status_code == 404


def test_user_without_role_is_told_what_to_do(client) -> None:
    client.force_login(User.objects.create(username="nobody"))
    response = client.get(reverse("web:home"))
    assert response.status_code == 403
    assert "请联系本单位系统管理员" in response.content.decode()


def test_logout_ends_the_session(client) -> None:
    client.force_login(User.objects.get(username="kdl_applicant"))
    client.post(reverse("web:logout"))
    assert client.get(reverse("web:home")).status_code == 302
