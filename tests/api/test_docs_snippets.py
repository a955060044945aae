"""docs/api.md is a client to copy: every `curl` block and every Python (httpx) block in it runs, as
written, against a live govit (a real HTTP server) with bearer tokens only, in the order of the text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from govit.core.models import User
from govit.core.services import api_token_create
from govit.projects.demo import BASE_FACTS, sample_docx
from govit.projects.services import project_create
from tests.api.receiver import receiver

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```$", flags=re.S | re.M)


def blocks() -> list[tuple[str, str]]:
    found = [(lang, code) for lang, code in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    # Operator commands (`govit …`) run on the server and are covered by the CLI tests.
    return [(lang, code) for lang, code in found if not code.lstrip().startswith("govit ")]


def run(lang: str, code: str, env: dict[str, str]) -> str:
    command = ["bash", "-e", "-o", "pipefail", "-c", code] if lang == "bash" else [sys.executable, "-c", code]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{lang} block failed:\n{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def test_the_documented_blocks_are_there() -> None:
    found = blocks()
    assert sum(1 for lang, _ in found if lang == "bash") >= 6
    assert sum(1 for lang, _ in found if lang == "python") >= 6
    text = DOC.read_text(encoding="utf-8")
    assert "govit tokens issue" in text and "Idempotency-Key" in text and "X-Govit-Signature" in text


@pytest.mark.django_db(transaction=True)
def test_every_snippet_runs_against_a_live_server(live_server: Any, world: None, tmp_path: Path) -> None:
    applicant = User.objects.get(username="tz_applicant")
    _, token = api_token_create(user=applicant, name="文档示例", actor=None, scope="write")
    _, lead_token = api_token_create(user=User.objects.get(username="tz_lead_office"), name="文档示例", actor=None,
                                     scope="write")
    draft = project_create(actor=applicant, name="材料不全的项目", facts=dict(BASE_FACTS))
    sample = tmp_path / "sample.docx"
    sample.write_bytes(sample_docx("proposal"))
    env = {**os.environ, "GOVIT_URL": live_server.url, "GOVIT_TOKEN": token, "GOVIT_LEAD_TOKEN": lead_token,
           "GOVIT_PROJECT": str(draft.pk), "GOVIT_SAMPLE_DOCX": str(sample)}
    outputs: list[str] = []
    with receiver() as hook:
        env["GOVIT_RECEIVER"] = hook.url
        secret = ""
        for lang, code in blocks():
            if "GOVIT_WEBHOOK_BODY" in code:
                env.update(_received(hook, secret, env, tmp_path))
            out = run(lang, code, env)
            outputs.append(out)
            if "/api/v1/webhooks" in code and lang == "bash":
                secret = json.loads(out)["secret"]
    joined = "\n".join(outputs)
    assert json.loads(outputs[0])["username"] == "tz_applicant"
    assert "tz_applicant ['applicant']" in joined
    assert "200 submitted" in joined, "the Python client uploaded what next-steps listed and submitted"
    assert '"code": "documents_missing"' in joined and "缺少材料： ['proposal'" in joined
    assert "201 201" in joined, "the curl retry loop created the project once and replayed it"
    assert re.search(r"\d+ 条事件，最后一条序号 \d+", joined)


def _received(hook: Any, secret: str, env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Make an event happen (a subscribed `update`) and hand the snippet the webhook it produced."""
    import httpx

    assert secret, "the subscription block runs before the verification block"
    before = len(hook.requests)
    with httpx.Client(base_url=env["GOVIT_URL"], headers={"Authorization": f"Bearer {env['GOVIT_TOKEN']}"}) as c:
        renamed = c.patch(f"/api/v1/projects/{env['GOVIT_PROJECT']}", json={"name": "材料不全的项目（已改名）"})
        renamed.raise_for_status()
    deadline = time.monotonic() + 30
    while len(hook.requests) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(hook.requests) > before, "no webhook arrived"
    request = hook.requests[-1]
    body = tmp_path / "webhook-body.json"
    body.write_bytes(request["body"])
    return {"GOVIT_WEBHOOK_BODY": str(body), "GOVIT_WEBHOOK_SECRET": secret,
            "GOVIT_WEBHOOK_SIGNATURE": request["headers"]["X-Govit-Signature"]}
