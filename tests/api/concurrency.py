"""Two API requests that conflict, sent at the same moment from two threads (two DB connections).

Used in-process on PostgreSQL (transactional_db) and, on SQLite, from `python -m tests.api.concurrency`
against a database file (the test suite's in-memory SQLite shares one cache between threads, where
locks fail at once instead of waiting, which is not how the product runs).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from django.db import connections
from django.test import Client

RACES = {
    # Both submit the same draft: one succeeds, the other finds it already submitted.
    "double_submit": [("tz_applicant", "submit", {}), ("tz_applicant", "submit", {})],
    # Two officers decide the same preliminary review differently at the same moment.
    "conflicting_decisions": [
        ("tz_lead_office", "preliminary-review-decide", {"decision": "accept"}),
        ("tz_lead_office", "preliminary-review-decide", {"decision": "return", "reason": "材料需补充"}),
    ],
}


def race(project_id: int, calls: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Send the calls at once; returns [{status, code}] in call order."""
    from govit.core.models import User

    clients = []
    for username, _, _ in calls:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        clients.append(client)
    start = threading.Barrier(len(calls))
    results: list[dict[str, Any]] = [{} for _ in calls]

    def send(index: int) -> None:
        _, name, body = calls[index]
        try:
            start.wait()
            response = clients[index].post(f"/api/v1/projects/{project_id}/transitions/{name}", json.dumps(body),
                                           content_type="application/json")
            payload = response.json() if response["Content-Type"].startswith("application/json") else {}
            results[index] = {"status": response.status_code, "code": payload.get("code"),
                              "state": payload.get("state")}
        except BaseException as exc:  # reported to the test
            results[index] = {"status": None, "error": repr(exc)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def idempotent_create_race() -> dict[str, Any]:
    """Two identical creates with one Idempotency-Key at the same moment: one project, never a 500."""
    from govit.core.models import User
    from govit.projects.demo import BASE_FACTS
    from govit.projects.models import Project

    body = json.dumps({"name": "并发幂等项目", "facts": BASE_FACTS})
    clients = []
    for _ in range(2):
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username="tz_applicant"))
        clients.append(client)
    start = threading.Barrier(2)
    results: list[dict[str, Any]] = [{}, {}]

    def send(index: int) -> None:
        try:
            start.wait()
            response = clients[index].post("/api/v1/projects", body, content_type="application/json",
                                           headers={"Idempotency-Key": "same-moment"})
            payload = response.json()
            results[index] = {"status": response.status_code, "code": payload.get("code"), "id": payload.get("id")}
        except BaseException as exc:
            results[index] = {"status": None, "error": repr(exc)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return {"results": results, "projects": Project.objects.filter(name="并发幂等项目").count()}


def prepare(race_name: str) -> int:
    """A tongzhou project standing where the race starts."""
    from tests.projects.conftest import drive_to

    if race_name == "double_submit":
        return _draft_with_documents()
    return drive_to("tongzhou-2023", "preliminary_review").pk


def _draft_with_documents() -> int:
    from govit.core.models import User
    from govit.projects.demo import sample_docx
    from govit.projects.selectors import project_next_steps
    from govit.projects.services import material_upload
    from tests.projects.conftest import drive_to

    project = drive_to("tongzhou-2023", "draft")

    applicant = User.objects.get(username="tz_applicant")
    for code in project_next_steps(project, applicant)["steps"][0]["missing"]:
        material_upload(project=project, actor=applicant, doc_code=code, filename=f"{code}.docx",
                        data=sample_docx(code))
    return project.pk


def main() -> None:
    """Set up a fresh database (DATABASE_URL, a SQLite file), run every race, print the results as JSON."""
    import io
    import sys

    import django

    django.setup()
    from django.core.management import call_command

    from govit.core.demo import load_core_demo
    from govit.projects.demo import ensure_reviewer_accounts
    from govit.projects.models import Project, ProjectEvent

    call_command("migrate", verbosity=0)
    load_core_demo(stdout=io.StringIO())
    ensure_reviewer_accounts()
    report = {}
    for name, calls in RACES.items():
        project_id = prepare(name)
        before = ProjectEvent.objects.filter(project_id=project_id).count()
        results = race(project_id, calls)
        report[name] = {"results": results, "state": Project.objects.get(pk=project_id).state,
                        "new_events": ProjectEvent.objects.filter(project_id=project_id).count() - before}
    report["idempotent_create"] = idempotent_create_race()
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
