"""An assigned expert reads the project under review: its summary, amounts and materials, read-only.

Allowed only while the expert sits on the active panel of a running review (`can_read_project`); each
read is audited, and a refused read is audited as denied (`audit_refusals`).
"""

from __future__ import annotations

from govit.core.models import User
from govit.core.services import audit_record
from govit.experts.models import DrawMember
from govit.experts.selectors import can_read_project
from govit.projects.errors import PermissionDenied, audit_refusals
from govit.projects.models import Material, Project

REFUSED = "本次评审已结束，或您已不在本次评审的专家名单中，不能再查阅该项目的资料。"


@audit_refusals
def expert_project_read(*, member: DrawMember, actor: User, material: Material | None = None,
                        source_ip: str | None = None) -> Project:
    """Record that `actor` (the member's expert) read the project (or downloaded `material`); refuse
    anyone else, and the expert once unassigned or the review finished."""
    if member.expert.user_id != actor.pk or not can_read_project(member):
        raise PermissionDenied(REFUSED)
    project = member.draw.project
    if material is not None and material.project_id != project.pk:
        raise PermissionDenied("该材料不属于您评审的项目。")
    if material is None:
        audit_record(actor=actor, action="expert.project_read", obj=project, source_ip=source_ip,
                     details={"draw": member.draw_id, "member": member.pk})
    else:
        audit_record(actor=actor, action="expert.material_read", obj=material, source_ip=source_ip,
                     details={"draw": member.draw_id, "member": member.pk, "project": project.pk,
                              "doc_code": material.doc_code})
    return project
