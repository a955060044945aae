"""Another system's view: for each pack, one project goes through its whole lifecycle with bearer
tokens only (no session, CSRF enforced, an Idempotency-Key on every POST); the lead office's system
follows it through the events feed and a signed webhook, event for event, in order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from govit.integrations import webhooks
from govit.projects.models import ProjectEvent
from tests.api.receiver import receiver
from tests.projects.conftest import PREFIX
from tests.projects.test_lifecycle_api import _drive

pytestmark = pytest.mark.usefixtures("world")


@pytest.mark.parametrize("pack_id", ["kundulun-2024", "bazhong-2022", "tongzhou-2023", "changji-2025"])
def test_whole_lifecycle_with_bearer_tokens_only(token_api: Any, pack_id: str,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    prefix = PREFIX[pack_id]
    lead = token_api(f"{prefix}_lead_office")
    assert "sessionid" not in lead.client.cookies and lead.client.handler.enforce_csrf_checks
    with receiver() as hook:
        subscription = lead.post("/webhooks", {"name": "投资项目在线审批监管平台", "url": hook.url}, status=201)
        with django_capture_on_commit_callbacks(execute=True):
            final = _drive(token_api, pack_id)
        assert final["state"] == "evaluated"
        timeline = list(ProjectEvent.objects.filter(project_id=final["id"]).order_by("pk"))
        # The feed, paged as a client would, has every step of this project in order.
        items, url = [], "/events?limit=100"
        while url:
            page = lead.get(url.removeprefix("/api/v1"))
            items += page["items"]
            url = page["next"]
        mine = [i for i in items if i["project"]["id"] == final["id"]]
        assert [i["timeline_event_id"] for i in mine] == [e.pk for e in timeline]
        assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
        # The webhook carried the same events, each signed with the subscription's secret.
        received = [r for r in hook.requests if json.loads(r["body"])["project"]["id"] == final["id"]]
        assert [json.loads(r["body"])["seq"] for r in received] == [i["seq"] for i in mine]
        assert all(webhooks.verify(subscription["secret"], r["body"], r["headers"]["X-Govit-Signature"])
                   for r in received)
