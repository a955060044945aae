"""Custom Chinese 403/404/500 and CSRF failure pages: no Django debug page, no English, no traceback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import path

from govit.core.models import User

pytestmark = pytest.mark.django_db


def _boom(request: Any) -> Any:
    raise RuntimeError("secret traceback detail")


urlpatterns = [path("boom/", _boom)]


def test_404_page_is_chinese(demo_data: None, settings: Any) -> None:
    settings.DEBUG = False
    client = Client()
    client.force_login(User.objects.get(username="tz_applicant"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "Not Found" not in body


def test_500_page_is_chinese_without_traceback(settings: Any) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务器内部错误" in body and "secret traceback detail" not in body and "Traceback" not in body


def test_403_page_is_chinese(rf: Any) -> None:
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/x/"), PermissionDenied())
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_csrf_failure_page_is_chinese(demo_data: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="tz_applicant"))
    response = client.post("/projects/new/", {"name": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "请求校验未通过" in body and "CSRF verification failed" not in body
