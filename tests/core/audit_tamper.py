"""Raw-SQL tampering helpers for the audit tests: what an attacker with database access could do."""

from __future__ import annotations

from typing import Any

from django.db import connection

from govit.core.models import AuditEntry

TABLE = AuditEntry._meta.db_table


def disable_append_only_trigger() -> None:
    """Remove the database guard inside the current (test) transaction, as a DB owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superuser-only and scoped to the transaction: user triggers stop firing.
            cursor.execute("SET LOCAL session_replication_role = replica")
        elif connection.vendor == "sqlite":
            from govit.core import dbguard

            dbguard.remove(connection)


def sql_update(entry_id: int, column: str, value: Any) -> None:
    disable_append_only_trigger()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, entry_id])  # noqa: S608


def sql_delete(entry_id: int) -> None:
    disable_append_only_trigger()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entry_id])  # noqa: S608
