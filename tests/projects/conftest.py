"""Fixtures for project tests: demo world with reviewer accounts, an API client per demo user."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from govit.core.models import User
from govit.projects.demo import BASE_FACTS, ensure_reviewer_accounts, sample_docx

PREFIX = {"kundulun-2024": "kdl", "bazhong-2022": "bz", "tongzhou-2023": "tz", "changji-2025": "cj"}


class Api:
    """A signed-in API client that checks status codes."""

    def __init__(self, username: str):
        self.username = username
        self.user = User.objects.get(username=username)
        self.client = Client()
        self.client.force_login(self.user)

    def _check(self, response: Any, status: int | None) -> Any:
        if status is not None:
            assert response.status_code == status, (self.username, response.status_code, response.content[:500])
        if response.get("Content-Type", "").startswith("application/json"):
            return response.json()
        return response

    def get(self, path: str, status: int | None = 200) -> Any:
        return self._check(self.client.get(f"/api/v1{path}"), status)

    def post(self, path: str, body: dict | None = None, status: int | None = 200) -> Any:
        response = self.client.post(f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json")
        return self._check(response, status)

    def patch(self, path: str, body: dict, status: int | None = 200) -> Any:
        response = self.client.patch(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")
        return self._check(response, status)

    def upload(self, project_id: int, code: str, *, data: bytes | None = None, name: str | None = None,
               status: int | None = 201) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(name or f"{code}.docx", data or sample_docx(code))
        response = self.client.post(f"/api/v1/projects/{project_id}/materials",
                                    data={"doc_code": code, "file": upload})
        return self._check(response, status)

    def transition(self, project_id: int, name: str, body: dict | None = None, status: int | None = 200) -> Any:
        return self.post(f"/projects/{project_id}/transitions/{name}", body, status)


@pytest.fixture
def world(demo_data: None, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    ensure_reviewer_accounts()


@pytest.fixture
def api() -> Any:
    cache: dict[str, Api] = {}

    def get(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(username)
        return cache[username]

    return get


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def new_project(applicant: Api, *, name: str = "测试项目", **facts: Any) -> dict:
    body = {"name": name, "facts": {**BASE_FACTS, **facts}, "year_amounts": [{"year": 2027, "planned_wan": 300}]}
    return applicant.post("/projects", body, status=201)


def drive_to(pack_id: str, target: str, **facts: Any) -> Any:
    """A project of the pack's demo applicant moved to `target` through the services."""
    from govit.core.demo import DEMO_JURISDICTIONS
    from govit.planning.services import plan_approve, plan_submit
    from govit.projects.services import project_create

    spec = next(s for s in DEMO_JURISDICTIONS if s.pack_id == pack_id)
    from django.utils import timezone

    from govit.projects.demo import DemoDriver

    driver = DemoDriver(spec, {})
    project = project_create(actor=driver.applicant, name=f"{spec.short}测试项目", facts={**BASE_FACTS, **facts},
                             year_amounts=[{"year": timezone.localdate().year + 1, "planned_wan": 300}])
    driver.targets[project.pk] = target
    for stage, step in driver.steps():
        if project.state == target:
            break
        step(project)
        if stage == "planned":
            plan = driver.plan()
            plan_submit(plan=plan, actor=driver.lead)
            plan_approve(plan=plan, actor=driver.leadership)
            project.refresh_from_db()
    assert project.state == target
    return project
