"""The replica switch: read-only views read from `replica` when configured; writes never do."""

from __future__ import annotations

from django.test import override_settings

from govit.core.db_router import REPLICA, ReplicaRouter, replica_reads
from govit.projects.models import Project

PRIMARY_ONLY = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
WITH_REPLICA = {**PRIMARY_ONLY, REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}


def test_reads_inside_replica_reads_go_to_the_replica_when_configured() -> None:
    router = ReplicaRouter()
    with override_settings(DATABASES=WITH_REPLICA):
        assert router.db_for_read(Project) == "default"
        with replica_reads():
            assert router.db_for_read(Project) == REPLICA
            assert router.db_for_write(Project) == "default"
        assert router.db_for_read(Project) == "default"
        assert router.allow_migrate(REPLICA, "projects") is False


def test_without_a_replica_everything_stays_on_the_primary() -> None:
    router = ReplicaRouter()
    with override_settings(DATABASES=PRIMARY_ONLY), replica_reads():
        assert router.db_for_read(Project) == "default"
