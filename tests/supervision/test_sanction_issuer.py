"""Only the body that issued a sanction, or the lead office, lifts it (issue 12: no department
undoes another's finding; 巴中办法 第四十七条 records by the member department)."""

from __future__ import annotations

import pytest

from govit.core.models import AuditEntry, Role, RoleAssignment
from govit.projects.errors import PermissionDenied
from govit.supervision.services import sanction_lift, sanction_record
from tests.supervision.conftest import user
from tests.supervision.test_sanctions import ready_draft

pytestmark = pytest.mark.django_db


def test_another_member_department_can_not_lift_the_sanction(world) -> None:
    project, _ = ready_draft("bazhong-2022")
    issuer = user("bazhong-2022", Role.MEMBER_REVIEWER)
    sanction = sanction_record(unit=project.unit, kind="security_violation", actor=issuer, reason="高危漏洞未整改。")
    other = (RoleAssignment.objects.filter(role=Role.MEMBER_REVIEWER, jurisdiction=project.unit.jurisdiction)
             .exclude(unit=sanction.recorded_by_unit).exclude(unit__isnull=True).select_related("user").first())
    assert other is not None, "the demo has a second member department in 巴中"
    with pytest.raises(PermissionDenied, match="只有认定单位或领导小组办公室"):
        sanction_lift(sanction=sanction, actor=other.user, note="我说整改好了。")
    sanction.refresh_from_db()
    assert sanction.lifted_at is None
    assert AuditEntry.objects.filter(action="supervision.sanction_lift", outcome="denied").exists()
    sanction_lift(sanction=sanction, actor=issuer, note="复测通过。")
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_the_lead_office_may_lift_any_recorded_sanction(world) -> None:
    project, _ = ready_draft("bazhong-2022")
    sanction = sanction_record(unit=project.unit, kind="security_violation",
                               actor=user("bazhong-2022", Role.MEMBER_REVIEWER), reason="高危漏洞未整改。")
    sanction_lift(sanction=sanction, actor=user("bazhong-2022", Role.LEAD_OFFICE), note="领导小组办公室复核通过。")
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
