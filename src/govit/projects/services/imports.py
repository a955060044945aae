"""Projects brought in from a portfolio file (存量台账, `govit inventory import`): created at the stage
the file names, or moved forward to it, through the state machine, with one timeline event and one
audit entry each. The lead office records what already happened; nothing here asks the pack to
allow a step, because the step was taken outside the platform.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django_fsm import can_proceed

from govit import policy
from govit.core.models import Role, Unit, User
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, audit_refusals
from govit.projects.models import Project, ProjectState, ProjectYearAmount
from govit.projects.selectors import assignment_for
from govit.projects.services.common import clean_facts, record_event

S = ProjectState
# Profile columns an import may set (projects/0003); everything else goes to the pack facts.
PROFILE_FIELDS = ("content", "functions", "data_items", "nature", "urgency", "plan_year", "preliminary_score")


def _stage_path(pack_id: str, current: str, target: str) -> list[str]:
    """The main-sequence stages from `current` (exclusive) to `target` (inclusive)."""
    sequence = lifecycle.main_sequence(pack_id)
    if target not in sequence:
        title = policy.load_pack(pack_id).title
        raise InvalidInput(f"《{title}》未设“{S(target).label}”环节，不能把项目导入到该阶段。")
    if current not in sequence:
        raise InvalidInput(f"项目当前状态为“{S(current).label}”，不能由导入改变。")
    start, end = sequence.index(current), sequence.index(target)
    if end < start:
        raise InvalidInput(f"项目当前已是“{S(current).label}”，导入不能退回到“{S(target).label}”。")
    return sequence[start + 1:end + 1]


def reachable_stages(pack_id: str) -> list[str]:
    """Stages an import may name for a project of this pack (the main sequence)."""
    return lifecycle.main_sequence(pack_id)


def _walk(project: Project, path: list[str]) -> None:
    for stage in path:
        move = getattr(project, f"to_{stage}")
        if not can_proceed(move):
            raise InvalidInput(f"项目不能由“{S(project.state).label}”直接进入“{S(stage).label}”。")
        move()
    sequence = lifecycle.main_sequence(project.pack_id)
    reached = sequence.index(project.state)
    for fact, first in (("in_project_library", S.IN_LIBRARY), ("in_annual_plan", S.PLANNED)):
        if first in sequence and reached >= sequence.index(first):
            project.facts = {**project.facts, fact: True}


def _apply_profile(project: Project, profile: dict[str, Any]) -> None:
    for name, value in profile.items():
        if name not in PROFILE_FIELDS:
            raise InvalidInput(f"项目信息字段 {name} 无效。")
        setattr(project, name, value)


def _require_lead(actor: User, jurisdiction_id: int) -> None:
    if assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=jurisdiction_id) is None:
        raise PermissionDenied("只有本级领导小组办公室（牵头部门）可以导入项目台账。")


@audit_refusals
def project_import(*, unit: Unit, name: str, stage: str, facts: dict[str, Any], profile: dict[str, Any],
                   actor: User, source: str, source_ip: str | None = None) -> Project:
    """A project of `unit` that the portfolio file lists at `stage` (a state of the main sequence)."""
    _require_lead(actor, unit.jurisdiction_id)
    pack_ids = list(unit.jurisdiction.pack_ids or [])
    if not pack_ids:
        raise InvalidInput(f"{unit.jurisdiction.name}未启用政策包。")
    pack_id = pack_ids[0]
    path = _stage_path(pack_id, S.DRAFT, stage)
    clean = clean_facts({k: v for k, v in facts.items() if k not in ("in_project_library", "in_annual_plan")})
    clean.update({"name": name, "unit_name": unit.name})
    with transaction.atomic():
        project = Project(jurisdiction=unit.jurisdiction, unit=unit, name=name[:200], pack_id=pack_id,
                          pack_digest_at_creation=policy.load_pack(pack_id).digest, facts=clean, created_by=actor)
        _apply_profile(project, profile)
        _walk(project, path)
        project.save()
        _year_amount(project)
        record_event(project=project, actor=actor, kind="import", from_state="", source_ip=source_ip,
                     reason=f"由{source}导入，导入时处于“{S(project.state).label}”阶段。",
                     citations=lifecycle.stage_citations(pack_id, project.state),
                     details={"source": source, "stage": project.state, "profile": sorted(profile)})
    return project


@audit_refusals
def project_import_update(*, project: Project, stage: str | None, facts: dict[str, Any],
                          profile: dict[str, Any], actor: User, source: str,
                          source_ip: str | None = None) -> Project:
    """Bring a project in line with the portfolio file: profile columns, the facts the file sets,
    and its stage when the file names a later one (never an earlier one)."""
    _require_lead(actor, project.jurisdiction_id)
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        project.refresh_from_db()
        from_state = project.state
        path = _stage_path(project.pack_id, project.state, stage) if stage and stage != project.state else []
        merged = {**project.facts, **facts}
        owned = {k: merged.pop(k) for k in ("dates", "change", "in_project_library", "in_annual_plan") if k in merged}
        project.facts = {**clean_facts(merged), **owned, "name": project.name, "unit_name": project.unit.name}
        _apply_profile(project, profile)
        _walk(project, path)
        project.save()
        _year_amount(project)
        record_event(project=project, actor=actor, kind="import.update", from_state=from_state, source_ip=source_ip,
                     reason=f"按{source}更新项目信息" + (f"，阶段更新为“{S(project.state).label}”。" if path else "。"),
                     details={"source": source, "facts": sorted(facts), "profile": sorted(profile)})
    return project


def _year_amount(project: Project) -> None:
    """The plan year's money is the total investment the file gives (资金需求年度)."""
    amount = project.facts.get("total_investment_wan")
    if project.plan_year and amount is not None:
        ProjectYearAmount.objects.update_or_create(project=project, year=project.plan_year,
                                                   defaults={"planned_wan": Decimal(str(amount))})
