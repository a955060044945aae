"""#19: the nightly sweep must never stop people working.

A sweep runs in one thread over enough projects to take a while; meanwhile another thread submits a
project and a user signs in. Both must finish within a second although the sweep is still running:
the sweep commits chunk by chunk and takes the audit chain head only for its last write of each
chunk. Runs on SQLite (file database, WAL) and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from govit.core.audit import verify_chain
from govit.core.demo import DEMO_PASSWORD, load_core_demo
from govit.projects.models import Project
from govit.projects.selectors import application_checklist
from govit.supervision.models import SweepChunk, SweepRun

WITHIN_SECONDS = 1.0
CLONES = 60


def _clones(project: Project, n: int) -> None:
    copies = []
    for i in range(n):
        copy = Project.objects.get(pk=project.pk)
        copy.pk = None
        copy.name = f"{project.name}-{i}"
        copy.status_valid_until = None  # never swept: every clone is evaluated again
        copies.append(copy)
    Project.objects.bulk_create(copies)


@pytest.mark.django_db(transaction=True)
def test_sweep_never_blocks_a_submission_or_a_sign_in(settings: Any, tmp_path: Any) -> None:
    import io

    from govit.projects.demo import DemoDriver
    from govit.projects.services import project_submit
    from tests.projects.conftest import drive_to, ensure_reviewer_accounts

    settings.MEDIA_ROOT = tmp_path
    settings.GOVIT_SWEEP_CHUNK = 5
    load_core_demo(stdout=io.StringIO())
    ensure_reviewer_accounts()
    built = drive_to("tongzhou-2023", "construction")
    built.facts = {**built.facts, "dates": {**built.facts.get("dates", {}), "approved": "2025-02-10"}}
    built.save(update_fields=["facts"])
    _clones(built, CLONES)
    draft = drive_to("tongzhou-2023", "draft")
    from govit.core.demo import DEMO_JURISDICTIONS

    driver = DemoDriver(next(s for s in DEMO_JURISDICTIONS if s.pack_id == "tongzhou-2023"), {})
    driver.upload(draft, application_checklist(draft)[0])

    from govit.supervision.services import sweep

    # Warm the sign-in path (URL conf, templates, password hasher) so only waiting is measured.
    started = time.monotonic()
    assert Client().post(reverse("web:login"), {"username": "tz_applicant", "password": DEMO_PASSWORD}
                         ).status_code == 302
    quiet_login_seconds = time.monotonic() - started

    errors: list[BaseException] = []
    sweep_done = threading.Event()

    def run_sweep() -> None:
        try:
            sweep(full=True)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            sweep_done.set()
            connections.close_all()

    worker = threading.Thread(target=run_sweep)
    worker.start()
    deadline = time.monotonic() + 60
    while not SweepChunk.objects.filter(done_at__isnull=False).exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # the sweep is into its chunks
    assert not sweep_done.is_set(), "the sweep ended before the foreground requests could overlap it"

    started = time.monotonic()
    project_submit(project=Project.objects.get(pk=draft.pk), actor=driver.applicant)
    submit_seconds = time.monotonic() - started

    started = time.monotonic()
    response = Client().post(reverse("web:login"), {"username": "tz_applicant", "password": DEMO_PASSWORD})
    login_seconds = time.monotonic() - started
    overlapped = not sweep_done.is_set()

    worker.join(timeout=300)
    assert not errors, errors
    assert response.status_code == 302
    assert Project.objects.get(pk=draft.pk).state == "submitted"
    assert overlapped, "the sweep finished before the sign-in did: enlarge CLONES"
    assert submit_seconds < WITHIN_SECONDS, f"submission waited {submit_seconds:.2f} s behind the sweep"
    assert login_seconds < WITHIN_SECONDS, (
        f"sign-in took {login_seconds:.2f} s behind the sweep ({quiet_login_seconds:.2f} s alone)")
    run = SweepRun.objects.get()
    assert run.finished_at is not None and run.counts["projects"] >= CLONES
    assert verify_chain().ok
