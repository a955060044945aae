"""Who takes each step: the body the article names (a pack stage's `decided_by`), and the units that are it.

A stage lists its deciders, optionally by review route (通州 第八条: over 50万 the 行政审批局 approves,
50万 and below the lead office records the exemption). A decider is a review body (its units decide:
`development_reform` is the 发展改革委 of the jurisdiction) or one of `lead_office`, `applicant`,
`leadership`. Where a stage names nobody, the service's own default applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govit.core.models import Role, RoleAssignment, Unit, UnitKind, User
from govit.core.selectors import AnyUser, assignments_of
from govit.projects import lifecycle
from govit.projects.errors import PermissionDenied
from govit.projects.models import Project

K = UnitKind
# The unit kinds that speak for each review body (data_bureau falls back to the lead office).
BODY_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    "data_bureau": (K.DATA_BUREAU, K.LEAD_OFFICE),
    "netsec": (K.NETSEC,),
    "secrecy_crypto": (K.SECRECY_CRYPTO,),
    "finance": (K.FINANCE,),
    "police": (K.POLICE,),
    "development_reform": (K.DEVELOPMENT_REFORM,),
    "approval_bureau": (K.APPROVAL_BUREAU,),
    "economy_it": (K.ECONOMY_IT,),
    "audit": (K.AUDIT,),
    "archives": (K.ARCHIVES,),
    "government": (K.GOVERNMENT,),
}
ROLE_DECIDERS = {"lead_office": Role.LEAD_OFFICE, "applicant": Role.APPLICANT, "leadership": Role.LEADERSHIP}
DECIDER_LABELS = {
    "lead_office": "领导小组办公室（牵头部门）", "applicant": "项目建设单位", "leadership": "领导",
    "data_bureau": "政务数据管理部门", "netsec": "网信部门", "secrecy_crypto": "保密机要部门", "finance": "财政部门",
    "police": "公安部门", "development_reform": "发展改革部门", "approval_bureau": "行政审批部门",
    "economy_it": "经济和信息化部门", "audit": "审计部门", "archives": "档案部门", "industry": "行业主管部门",
    "experts": "评审专家", "government": "人民政府",
}
# Roles whose holders act for their unit when that unit is the deciding body.
UNIT_ROLES = (Role.MEMBER_REVIEWER, Role.LEAD_OFFICE, Role.LEADERSHIP)


def stage_spec(pack_id: str, stage: str) -> dict[str, Any] | None:
    return next((s for s in lifecycle.pack_stages(pack_id) if s["stage"] == stage), None)


def deciders(pack_id: str, stage: str, route: str | None = None) -> list[dict[str, Any]]:
    """The pack's deciders of `stage` for `route` (entries without `routes` hold for every route)."""
    spec = stage_spec(pack_id, stage) or {}
    return [d for d in spec.get("decided_by", []) if not d.get("routes") or route in d["routes"]]


def decider_citations(pack_id: str, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in entries:
        for c in lifecycle.checklist_citations(pack_id, entry):
            if c not in found:
                found.append(c)
    return found


def _holds(actor: AnyUser | None, project: Project, by: str) -> bool:
    assignments = [ra for ra in assignments_of(actor) if ra.jurisdiction_id == project.jurisdiction_id]
    if by in ROLE_DECIDERS:
        if by == "applicant":
            assignments = [ra for ra in assignments if ra.unit_id == project.unit_id]
        return any(ra.role == ROLE_DECIDERS[by] for ra in assignments)
    kinds = BODY_UNIT_KINDS.get(by, ())
    if by == "data_bureau" and any(ra.role == Role.LEAD_OFFICE for ra in assignments):
        return True
    return any(ra.role in UNIT_ROLES and ra.unit is not None and ra.unit.kind in kinds for ra in assignments)


def may_decide(actor: AnyUser | None, project: Project, stage: str, route: str | None = None) -> bool | None:
    """True/False where the pack names the deciders of the stage; None where it names nobody."""
    entries = deciders(project.pack_id, stage, route)
    if not entries:
        return None
    return any(_holds(actor, project, e["by"]) for e in entries)


def decider_names(project: Project, entries: Iterable[dict[str, Any]]) -> str:
    """The deciding bodies as the jurisdiction names them (区行政审批局), else their generic names."""
    names: list[str] = []
    for entry in entries:
        by = entry["by"]
        units = list(Unit.objects.filter(jurisdiction_id=project.jurisdiction_id,
                                         kind__in=BODY_UNIT_KINDS.get(by, ())).values_list("name", flat=True))
        if by == "data_bureau":
            units = units[:1]
        for name in units or [DECIDER_LABELS.get(by, by)]:
            if name not in names:
                names.append(name)
    return "、".join(names)


def require_decider(actor: User, project: Project, stage: str, *, action: str, route: str | None = None,
                    default: Any = None) -> list[dict[str, Any]]:
    """Refuse (403, citing the article) unless the actor speaks for a body the pack names for the stage.

    Where the pack names nobody, `default(actor, project)` checks instead. Returns the citations.
    """
    entries = deciders(project.pack_id, stage, route)
    if not entries:
        if default is not None:
            default(actor, project)
        return []
    cites = decider_citations(project.pack_id, entries)
    if not any(_holds(actor, project, e["by"]) for e in entries):
        basis = "；".join(e["label"] for e in entries if e.get("label"))
        raise PermissionDenied(
            f"依{lifecycle.cite_list(cites)}，{action}由{decider_names(project, entries)}办理"
            f"{f'（{basis}）' if basis else ''}；您所在单位不能办理。",
            citations=cites, code="not_the_deciding_body",
        )
    return cites


def deciding_stages(pack_id: str, unit_kind: str) -> set[str]:
    """Stages of the pack a unit of this kind decides (for what it may see and do)."""
    found = set()
    for spec in lifecycle.pack_stages(pack_id):
        for entry in spec.get("decided_by", []):
            if unit_kind in BODY_UNIT_KINDS.get(entry["by"], ()):
                found.add(spec["stage"])
    return found


def deciding_assignments(user: AnyUser | None) -> list[tuple[RoleAssignment, list[str]]]:
    """Member-reviewer assignments whose unit decides some stage of its jurisdiction's packs."""
    found = []
    for ra in assignments_of(user):
        if ra.role != Role.MEMBER_REVIEWER or ra.unit is None:
            continue
        packs = [p for p in (ra.jurisdiction.pack_ids or []) if deciding_stages(p, ra.unit.kind)]
        if packs:
            found.append((ra, packs))
    return found
