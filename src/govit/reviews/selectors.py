"""Opinion-task reads: the tasks a user must answer, the latest round of a project."""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet

from govit.core.models import Role
from govit.core.selectors import AnyUser, assignments_of, holds
from govit.projects.models import Project
from govit.reviews.models import OpinionTask, ReviewBody

# Roles whose unit may be asked for an opinion (a government body's task goes to leadership).
ANSWERING_ROLES = (Role.MEMBER_REVIEWER, Role.LEAD_OFFICE, Role.LEADERSHIP)


def opinion_tasks_for(user: AnyUser | None) -> QuerySet[OpinionTask]:
    """Tasks addressed to the user's own units; expert placeholders go to the lead office."""
    scope = Q(pk__in=[])
    for ra in assignments_of(user):
        if ra.role not in ANSWERING_ROLES:
            continue
        if ra.unit_id:
            scope |= Q(unit_id=ra.unit_id)
        if ra.role == Role.LEAD_OFFICE:
            scope |= Q(body=ReviewBody.EXPERTS, unit__isnull=True, project__jurisdiction_id=ra.jurisdiction_id)
    return OpinionTask.objects.filter(scope).select_related("project", "unit").order_by("status", "due_date", "pk")


def open_task_count(user: AnyUser | None) -> int:
    """Open tasks addressed to the user's units (the menu badge of 审查意见任务)."""
    from govit.reviews.models import TaskStatus

    return opinion_tasks_for(user).filter(status=TaskStatus.OPEN).count()


def own_unit_tasks(user: AnyUser | None) -> QuerySet[OpinionTask]:
    """Tasks addressed to the unit of the user's lead-office role (e.g. 政务数据共享审核意见 where the lead
    office is also the data bureau): its own opinions, which its 待办 lists next to the projects."""
    units = [ra.unit_id for ra in assignments_of(user) if ra.role == Role.LEAD_OFFICE and ra.unit_id]
    return OpinionTask.objects.filter(unit_id__in=units)


def latest_round_tasks(project: Project) -> QuerySet[OpinionTask]:
    latest = OpinionTask.objects.filter(project=project).aggregate(r=Max("round"))["r"]
    if latest is None:
        return OpinionTask.objects.none()
    return OpinionTask.objects.filter(project=project, round=latest).select_related("unit")


def project_tasks_visible_to(user: AnyUser | None, project: Project) -> QuerySet[OpinionTask]:
    """On a project page: the lead office and leadership see every task, a member unit its own."""
    if holds(user, (Role.LEAD_OFFICE, Role.LEADERSHIP), jurisdiction_id=project.jurisdiction_id):
        return OpinionTask.objects.filter(project=project).select_related("unit")
    if holds(user, Role.APPLICANT, unit_id=project.unit_id):
        return OpinionTask.objects.filter(project=project).select_related("unit")
    return opinion_tasks_for(user).filter(project=project)
