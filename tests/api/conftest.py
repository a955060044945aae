"""Fixtures for the API-as-a-platform tests: the demo world, session clients and bearer-token clients."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from govit.core.models import User
from govit.core.services import api_token_create
from tests.projects.conftest import Api, api, world  # noqa: F401  (fixtures re-exported)


class TokenApi(Api):
    """A client that signs every request with `Authorization: Bearer gvt_…` only (no session, no CSRF)."""

    def __init__(self, username: str):
        self.username = username
        self.user = User.objects.get(username=username)
        _, self.token = api_token_create(user=self.user, name="测试对接系统", actor=None, scope="write")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}", enforce_csrf_checks=True)

    def post(self, path: str, body: dict | None = None, status: int | None = 200, *,
             headers: dict[str, str] | None = None) -> Any:
        """As a careful client does: every POST carries a fresh Idempotency-Key."""
        response = self.client.post(f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json",
                                    headers={"Idempotency-Key": str(uuid.uuid4()), **(headers or {})})
        return self._check(response, status)

    def upload(self, project_id: int, code: str, *, data: bytes | None = None, name: str | None = None,
               status: int | None = 201) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from govit.projects.demo import sample_docx

        upload = SimpleUploadedFile(name or f"{code}.docx", data or sample_docx(code))
        response = self.client.post(f"/api/v1/projects/{project_id}/materials", data={"doc_code": code,
                                    "file": upload}, headers={"Idempotency-Key": str(uuid.uuid4())})
        return self._check(response, status)


@pytest.fixture
def token_api() -> Any:
    cache: dict[str, TokenApi] = {}

    def get(username: str) -> TokenApi:
        if username not in cache:
            cache[username] = TokenApi(username)
        return cache[username]

    return get
