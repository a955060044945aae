"""A database dump holds no plaintext sensitive field (SM4-GCM), and passwords are PBKDF2-HMAC-SM3."""

from __future__ import annotations

import pytest
from django.db import connection

from govit.core.models import User

pytestmark = pytest.mark.usefixtures("demo_data")

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
BANK = "6222020200112233445"


def _dump() -> str:
    """Every text value of every table, as a `pg_dump`/`.dump` would show it."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  (table names from introspection)
            parts.extend(str(row) for row in cursor.fetchall())
    return "\n".join(parts)


def test_expert_personal_fields_are_not_in_the_dump(demo_password: str) -> None:
    from govit.core.models import Jurisdiction
    from govit.experts.services import expert_create

    lead = User.objects.get(username="tz_lead_office")
    from govit.experts.models import Expert

    categories = [Expert._meta.get_field("categories").base_field.choices[0][0]] if hasattr(
        Expert._meta.get_field("categories"), "base_field") else ["legal"]
    expert_create(jurisdiction=Jurisdiction.objects.get(code="320612"), actor=lead, name="测试专家",
                  employer="测试大学", categories=categories, id_number=ID_NUMBER, phone=PHONE, bank_account=BANK)
    dump = _dump()
    for secret in (PHONE, ID_NUMBER, BANK):
        assert secret not in dump, secret
    assert "sm4gcm" in dump
    assert demo_password not in dump
    assert "pbkdf2_sm3$" in dump
