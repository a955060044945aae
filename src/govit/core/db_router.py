"""Read-only selectors on a streaming replica, when one is configured.

`GOVIT_READ_REPLICA_URL` (settings from the environment) adds a `replica` database. Views that only
read (project lists, the inbox, the supervision dashboard) run inside `replica_reads()`: their
queries go to the replica, every write and every read outside such a block to the primary. A page
read from the replica may lag the primary by the replication delay (normally well under a second);
pages that act on what they show (the project page with its actions) read from the primary.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading = contextvars.ContextVar("govit_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a read-only view: its queries go to the replica when one is configured."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; everything else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading.get() and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
