"""The opinion-task list (审查意见任务) declared for the shared list component."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from govit.core.lists import Column, Filter, ListSpec
from govit.core.paging import Sort
from govit.reviews.models import TaskStatus


def _open_first() -> Case:
    return Case(When(status=TaskStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())


TASK_LIST = ListSpec(
    title="审查意见任务",
    columns=[Column("项目", lambda t: t.project.name), Column("建设单位", lambda t: t.project.unit.name),
             Column("审查内容", lambda t: t.aspect), Column("状态", lambda t: t.get_status_display()),
             Column("办理期限", lambda t: t.due_date),
             Column("意见", lambda t: t.get_opinion_display() if t.opinion else ""),
             Column("出具时间", lambda t: t.signed_at)],
    sort=Sort(options={
        "due": ("待出具在前、期限最近", (_open_first(), "due_date", "pk")),
        "new": ("最近派发", ("-created_at", "-pk")),
        "project": ("按项目", ("project__name", "due_date", "pk")),
    }, default="due"),
    search=("project__name__icontains", "project__unit__name__icontains", "aspect__icontains"),
    search_placeholder="项目、建设单位或审查内容",
    filters=[Filter("status", "状态", apply=lambda qs, v: qs.filter(status=v), choices=TaskStatus.choices,
                    all_label="全部状态")],
)
