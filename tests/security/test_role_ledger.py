"""HMAC-SM3 chain over role assignments: an assignment added, edited or deleted by SQL is detected."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from govit.core.models import Jurisdiction, Role, RoleAssignment, RoleLedgerEntry, User
from govit.core.role_ledger import verify_ledger
from govit.core.services import role_assign

pytestmark = pytest.mark.usefixtures("demo_data")
TABLE = RoleAssignment._meta.db_table
LEDGER = RoleLedgerEntry._meta.db_table


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            from govit.core import dbguard

            dbguard.remove(connection)
        cursor.execute(statement, params)


def _problems() -> list[str]:
    report = verify_ledger()
    assert not report.ok
    return report.problems


def test_demo_assignments_verify(capsys) -> None:
    assert verify_ledger().ok
    call_command("roles", "verify")
    assert "角色授权校验通过" in capsys.readouterr().out


def test_assignment_inserted_by_sql_is_detected() -> None:
    user = User.objects.get(username="tz_applicant")
    jurisdiction = Jurisdiction.objects.get(code="320612")
    _sql(f"INSERT INTO {TABLE} (user_id, role, jurisdiction_id, unit_id) VALUES (%s, %s, %s, NULL)",  # noqa: S608
         [user.pk, Role.AUDIT_ADMIN, jurisdiction.pk])
    assert any("不在台账中" in p and "tz_applicant" in p for p in _problems())
    with pytest.raises(CommandError, match="角色授权校验失败"):
        call_command("roles", "verify")


def test_assignment_edited_by_sql_is_detected() -> None:
    assignment = RoleAssignment.objects.get(user__username="kdl_expert")
    _sql(f"UPDATE {TABLE} SET role = %s WHERE id = %s", [Role.LEAD_OFFICE, assignment.pk])  # noqa: S608
    assert any("记录被直接修改" in p for p in _problems())


def test_assignment_deleted_by_sql_is_detected() -> None:
    assignment = RoleAssignment.objects.get(user__username="bz_security_admin")
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [assignment.pk])  # noqa: S608
    assert any("已从数据库中删除" in p for p in _problems())


def test_ledger_entry_tampered_or_removed_is_detected() -> None:
    entry = RoleLedgerEntry.objects.order_by("seq")[3]
    _sql(f"UPDATE {LEDGER} SET role = %s WHERE id = %s", [Role.SECURITY_ADMIN, entry.pk])  # noqa: S608
    assert any("被篡改" in p for p in _problems())


def test_ledger_tail_deleted_is_detected() -> None:
    last = RoleLedgerEntry.objects.order_by("-seq").first()
    _sql(f"DELETE FROM {LEDGER} WHERE id = %s", [last.pk])  # noqa: S608
    assert _problems()


def test_orm_refuses_to_edit_the_ledger() -> None:
    from govit.core.models import AuditEntryImmutableError

    with pytest.raises(AuditEntryImmutableError):
        RoleLedgerEntry.objects.all().delete()
    with pytest.raises(AuditEntryImmutableError):
        RoleLedgerEntry.objects.update(role="x")


def test_grants_and_revocations_through_services_keep_it_valid() -> None:
    user = User.objects.create(username="ledger_user")
    tz = Jurisdiction.objects.get(code="320612")
    security = User.objects.get(username="tz_security_admin")
    assignment = role_assign(user=user, role=Role.EXPERT, jurisdiction=tz, actor=security)
    call_command("roles", "revoke", "ledger_user", "expert", "320612")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    call_command("roles", "grant", "ledger_user", "applicant", "320612", "--unit", "区民政局")
    assert verify_ledger().ok
