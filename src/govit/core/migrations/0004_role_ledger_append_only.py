"""Database triggers that refuse edits of role-ledger entries (same scheme as 0002 for the audit log)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION govit_role_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_roleledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_roleledgerentry_append_only
    BEFORE UPDATE OR DELETE ON core_roleledgerentry
    FOR EACH ROW EXECUTE FUNCTION govit_role_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_roleledgerentry_append_only ON core_roleledgerentry;
DROP FUNCTION IF EXISTS govit_role_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_roleledgerentry_no_update BEFORE UPDATE ON core_roleledgerentry
BEGIN
    SELECT RAISE(ABORT, 'core_roleledgerentry is append-only (UPDATE refused)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_roleledgerentry_no_update;"


def _run(schema_editor, sql: str) -> None:
    schema_editor.execute(sql.strip(), params=None)


def forward(apps, schema_editor):
    apps.get_model("core", "RoleLedgerHead").objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": ""})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_security_accounts")]

    operations = [migrations.RunPython(forward, backward)]
