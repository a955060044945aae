"""The expert pages' lists (专家库, 专家抽取, 专家费报表) declared for the shared list component."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField
from django.db.models.functions import Cast

from govit.core.lists import Column, Filter, ListSpec
from govit.core.paging import Sort
from govit.experts.models import DrawPurpose, DrawStatus, ExpertCategory


def _in_category(qs: Any, code: str) -> Any:
    # JSON containment is not portable across SQLite and PostgreSQL; the list's text form is.
    return qs.annotate(categories_text=Cast("categories", CharField())).filter(categories_text__contains=f'"{code}"')


EXPERT_LIST = ListSpec(
    title="专家库",
    columns=[Column("姓名", lambda e: e.name), Column("工作单位", lambda e: e.employer),
             Column("专业类别", lambda e: "、".join(e.category_labels)), Column("职称", lambda e: e.title),
             Column("手机（末四位）", lambda e: e.masked_phone), Column("可抽取", lambda e: e.available),
             Column("登录账号", lambda e: e.user.username if e.user else "")],
    sort=Sort(options={
        "name": ("按姓名", ("name", "pk")),
        "employer": ("按工作单位", ("employer", "name", "pk")),
        "new": ("最近加入", ("-created_at", "-pk")),
    }, default="name"),
    search=("name__contains", "employer__contains"), search_placeholder="姓名或工作单位",
    filters=[
        Filter("category", "专业类别", apply=_in_category, choices=ExpertCategory.choices, all_label="全部类别"),
        Filter("available", "可抽取", apply=lambda qs, v: qs.filter(available=v == "1"),
               choices=[("1", "是"), ("0", "否")]),
    ],
)

DRAW_LIST = ListSpec(
    title="专家抽取",
    columns=[Column("编号", lambda d: d.pk), Column("项目", lambda d: d.project.name),
             Column("评审事项", lambda d: d.get_purpose_display()), Column("状态", lambda d: d.get_status_display()),
             Column("公布时间", lambda d: d.committed_at), Column("随机种子摘要", lambda d: d.seed_commitment)],
    sort=Sort(options={
        "new": ("最近公布", ("-committed_at", "-pk")),
        "old": ("最早公布", ("committed_at", "pk")),
        "project": ("按项目", ("project__name", "-pk")),
    }, default="new"),
    search=("project__name__icontains",), search_placeholder="项目名称",
    filters=[
        Filter("status", "状态", apply=lambda qs, v: qs.filter(status=v), choices=DrawStatus.choices),
        Filter("purpose", "评审事项", apply=lambda qs, v: qs.filter(purpose=v), choices=DrawPurpose.choices),
    ],
)

FEE_SORTS = {"name": (lambda r: r["expert"].name, False), "total": (lambda r: r["total"], True),
             "count": (lambda r: r["count"], True)}

FEE_LIST = ListSpec(
    title="专家费报表",
    columns=[Column("专家", lambda r: r["expert"].name), Column("工作单位", lambda r: r["expert"].employer),
             Column("评审次数", lambda r: r["count"]), Column("金额（元）", lambda r: r["total"]),
             Column("项目", lambda r: "、".join(r["projects"]))],
    sort=Sort(options={"name": ("按姓名", ()), "total": ("金额最多", ()), "count": ("次数最多", ())},
              default="name"),
    search_text=lambda r: f'{r["expert"].name} {r["expert"].employer} {" ".join(r["projects"])}',
    search_placeholder="专家、单位或项目",
    sort_key=lambda key: FEE_SORTS[key],
)


