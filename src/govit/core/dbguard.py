"""Database-level guards of the append-only tables (installed by migration 0006).

PostgreSQL and SQLite both refuse, whoever sends the SQL:
- UPDATE, DELETE and TRUNCATE of `core_auditentry` and `core_roleledgerentry`;
- DELETE and TRUNCATE of the two chain heads, and any UPDATE that moves a head backwards.

Getting past them needs DDL (DROP/DISABLE TRIGGER, or a PostgreSQL superuser's
`session_replication_role`), which the application's database role should not have in production
(docs/security.md). Whatever gets past them is found by `govit audit verify` / `govit roles verify`
against the external checkpoints (govit.core.checkpoints).

`suspended()` lifts the guards for the duration of a test-database flush only
(govit.core.management.commands.flush, where settings allow it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENTRY_TABLES = ("core_auditentry", "core_roleledgerentry")
HEAD_TABLES = ("core_auditchainhead", "core_roleledgerhead")
GUARDED_TABLES = ENTRY_TABLES + HEAD_TABLES

_PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION govit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION govit_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF NEW.last_seq < OLD.last_seq THEN
        RAISE EXCEPTION '% may only move forward (seq % -> % refused)', TG_TABLE_NAME, OLD.last_seq, NEW.last_seq;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _pg_install(table: str) -> list[str]:
    if table in ENTRY_TABLES:
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION govit_append_only()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION govit_append_only()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION govit_append_only()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION govit_append_only()",
        f"DROP TRIGGER IF EXISTS {table}_forward_only ON {table}",
        f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION govit_head_forward_only()",
    ]


def _sqlite_triggers(table: str) -> dict[str, str]:
    """name -> CREATE TRIGGER statement. SQLite has no TRUNCATE: `DELETE FROM t` fires the DELETE trigger."""
    if table in ENTRY_TABLES:
        return {
            f"{table}_no_update": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (UPDATE refused)'); END",
            f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (DELETE refused)'); END",
        }
    return {
        f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (DELETE refused)'); END",
        f"{table}_forward_only": f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE ON {table} "
        f"WHEN NEW.last_seq < OLD.last_seq "
        f"BEGIN SELECT RAISE(ABORT, '{table} may only move forward'); END",
    }


def install(connection: Any) -> None:
    """Create (or re-create) every guard on `connection`'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTIONS.strip())
            # The triggers of migrations 0002/0004 are replaced by the ones below.
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry")
            cursor.execute("DROP TRIGGER IF EXISTS core_roleledgerentry_append_only ON core_roleledgerentry")
            for table in GUARDED_TABLES:
                for statement in _pg_install(table):
                    cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for table in GUARDED_TABLES:
                for name, statement in _sqlite_triggers(table).items():
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(statement)


def remove(connection: Any) -> None:
    """Drop every guard (what a database owner could do; used by the flush of test databases)."""
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            if connection.vendor == "postgresql":
                for suffix in ("append_only", "no_truncate", "no_delete", "forward_only"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}")
            elif connection.vendor == "sqlite":
                for name in _sqlite_triggers(table):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


@contextmanager
def suspended(connection: Any) -> Iterator[None]:
    remove(connection)
    try:
        yield
    finally:
        install(connection)
