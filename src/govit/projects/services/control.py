"""暂停与终止: suspension, resumption and termination by the lead office."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govit.core.models import User
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, audit_refusals
from govit.projects.models import (
    Project,
)
from govit.projects.services.common import (
    S,
    applicant_users,
    leadership_users,
    lock_project,
    require_lead_office,
    transition,
    validate_citation,
    wrong_state,
)

# --- suspension and termination --------------------------------------------------------------


@audit_refusals
def project_suspend(*, project: Project, actor: User, reason: str, citation: dict[str, Any] | None,
                    source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_lead_office(actor, project)
        if not (reason or "").strip():
            raise InvalidInput("请填写暂停的理由。")
        cites = validate_citation(project, citation, required=True)
        if project.state in (S.SUSPENDED, S.TERMINATED, S.REJECTED, S.EVALUATED):
            raise wrong_state(project, "暂停")
        return transition(project=project, actor=actor, move=project.to_suspended, kind="suspend", reason=reason,
                           citations=cites, source_ip=source_ip, recipients=applicant_users(project),
                           text=f"项目已暂停（{lifecycle.cite_list(cites)}）：{reason}")


@audit_refusals
def project_resume(*, project: Project, actor: User, reason: str = "", source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_lead_office(actor, project)
        if project.state != S.SUSPENDED:
            raise wrong_state(project, "恢复")
        return transition(project=project, actor=actor, move=project.resume, kind="resume", reason=reason,
                           source_ip=source_ip, recipients=applicant_users(project), text="项目已恢复。")


@audit_refusals
def project_terminate(*, project: Project, actor: User, reason: str, citation: dict[str, Any] | None,
                      source_ip: str | None = None) -> Project:
    with transaction.atomic():
        lock_project(project)
        require_lead_office(actor, project)
        if not (reason or "").strip():
            raise InvalidInput("请填写终止的理由。")
        cites = validate_citation(project, citation, required=True)
        if project.state in (S.TERMINATED, S.REJECTED, S.EVALUATED):
            raise wrong_state(project, "终止")
        return transition(project=project, actor=actor, move=project.to_terminated, kind="terminate",
                           reason=reason, citations=cites, source_ip=source_ip,
                           recipients=[*applicant_users(project), *leadership_users(project)],
                           text=f"项目已终止（{lifecycle.cite_list(cites)}）：{reason}")
