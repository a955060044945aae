"""The demo loader drives a project to every stage of each pack, through the services, idempotently."""

from __future__ import annotations

import io

import pytest

from govit.core.demo import DEMO_JURISDICTIONS
from govit.projects import lifecycle
from govit.projects.demo import load_projects_demo
from govit.projects.models import Project, ProjectEvent


@pytest.mark.usefixtures("demo_data")
def test_demo_projects_cover_every_stage_and_load_once(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    load_projects_demo(stdout=io.StringIO())
    for spec in DEMO_JURISDICTIONS:
        states = set(Project.objects.filter(jurisdiction__code=spec.code).values_list("state", flat=True))
        assert states == set(lifecycle.main_sequence(spec.pack_id)), spec.pack_id
    counts = (Project.objects.count(), ProjectEvent.objects.count())
    load_projects_demo(stdout=io.StringIO())
    assert (Project.objects.count(), ProjectEvent.objects.count()) == counts
