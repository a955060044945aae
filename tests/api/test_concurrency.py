"""Conflicting transitions at the same moment: one succeeds, the other is a 409 — never a 500 — on
SQLite (a database file, as the product runs) and on PostgreSQL; exactly one timeline event is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.api.concurrency import RACES, idempotent_create_race, prepare, race

REPO = Path(__file__).resolve().parents[2]


def _check(report: dict[str, Any]) -> None:
    created = report.pop("idempotent_create")
    assert created["projects"] == 1, created
    for result in created["results"]:
        # The loser either waited and got the first answer replayed, or was told the first is still running.
        assert result["status"] == 201 or (result["status"], result["code"]) == (409, "idempotency_in_progress"), \
            created
    for name, outcome in report.items():
        statuses = sorted(r["status"] for r in outcome["results"])
        assert statuses == [200, 409], (name, outcome)
        refused = next(r for r in outcome["results"] if r["status"] == 409)
        assert refused["code"] in ("wrong_state", "concurrent_update"), (name, outcome)
        assert outcome["new_events"] == 1, (name, outcome)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run; PostgreSQL runs in-process below")
def test_races_on_a_sqlite_file_through_database_url(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
           "GOVIT_MEDIA_ROOT": str(tmp_path / "media"), "DJANGO_SETTINGS_MODULE": "govit.settings.test"}
    done = subprocess.run([sys.executable, "-m", "tests.api.concurrency"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    _check(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_races_on_postgresql(transactional_db: None, world: None) -> None:
    from govit.projects.models import Project, ProjectEvent

    report = {}
    for name, calls in RACES.items():
        project_id = prepare(name)
        before = ProjectEvent.objects.filter(project_id=project_id).count()
        results = race(project_id, calls)
        report[name] = {"results": results, "state": Project.objects.get(pk=project_id).state,
                        "new_events": ProjectEvent.objects.filter(project_id=project_id).count() - before}
    report["idempotent_create"] = idempotent_create_race()
    _check(report)


def test_database_url_for_sqlite_keeps_the_locking_options() -> None:
    code = ("import os; os.environ['DATABASE_URL']='sqlite:////tmp/x.sqlite3';"
            "from govit.settings import base; o = base.DATABASES['default']['OPTIONS'];"
            "print(o['transaction_mode'], o['timeout'], 'WAL' in o['init_command'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["IMMEDIATE", "20", "True"]
