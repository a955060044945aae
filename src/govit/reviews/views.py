"""Web pages of a member department: its opinion tasks and the opinion form.

Only tasks addressed to the user's own unit are listed or opened (`opinion_tasks_for`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from govit.core.lists import export_audit
from govit.core.models import Role
from govit.core.selectors import role_assignments_of
from govit.projects import presenters
from govit.projects.errors import DomainError
from govit.projects.models import ProjectState
from govit.reviews import services
from govit.reviews.forms import OpinionForm
from govit.reviews.lists import TASK_LIST
from govit.reviews.models import OpinionTask, TaskStatus
from govit.reviews.selectors import ANSWERING_ROLES, opinion_tasks_for


def _require_answering_role(request: HttpRequest) -> None:
    if not role_assignments_of(request.user).filter(role__in=ANSWERING_ROLES).exists():
        raise Forbidden("您的角色没有审查意见任务。")


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    _require_answering_role(request)
    tasks = opinion_tasks_for(request.user).select_related("project__unit")
    lst = TASK_LIST.run(request, tasks, on_export=export_audit(request, "审查意见任务"))
    if lst.response is not None:
        return lst.response
    return render(request, "reviews/task_list.html", {
        "tasks": lst.rows, "lst": lst, "page": lst.page,
        "open_count": tasks.filter(status=TaskStatus.OPEN).count(),
        "is_member": role_assignments_of(request.user).filter(role=Role.MEMBER_REVIEWER).exists(),
    })


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    _require_answering_role(request)
    task = opinion_tasks_for(request.user).filter(pk=task_id).select_related("project__unit").first()
    if task is None:
        raise Http404("未找到该审查意见任务，或它不属于本单位。")
    form = OpinionForm(request.POST or None)
    refusal, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.opinion_submit(task=task, actor=request.user, opinion=form.cleaned_data["opinion"],
                                        comments=form.cleaned_data["comments"] or "",
                                        source_ip=request.META.get("REMOTE_ADDR"))
            except DomainError as exc:
                refusal, status = presenters.refusal_context(exc, task.project.pack_id), exc.status
            else:
                messages.success(request, f"已出具{task.aspect}。")
                return redirect("reviews:tasks")
        else:
            status = 400
    project = task.project
    return render(request, "reviews/task_detail.html", {
        "task": task, "project": project, "form": form if task.status == TaskStatus.OPEN else None,
        "refusal": refusal, "state_label": ProjectState(project.state).label,
        "materials": list(project.materials.all()),
        "category": project.facts.get("category"),
        "summary": presenters.project_summary(project),
        "others": OpinionTask.objects.filter(project=project, round=task.round).exclude(pk=task.pk)
        .select_related("unit"),
    }, status=status)
