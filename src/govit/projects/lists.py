"""The project pages' lists (项目, 待办) declared for the shared list component (govit.core.lists)."""

from __future__ import annotations

from typing import Any

from govit.core import lists, paging
from govit.projects.models import ProjectState
from govit.projects.selectors import INBOX_KINDS, inbox_items

S = ProjectState

PROJECT_COLUMNS = [
    lists.Column("项目名称", lambda p: p.name), lists.Column("建设单位", lambda p: p.unit.name),
    lists.Column("阶段", lambda p: S(p.state).label),
    lists.Column("总投资（万元）",
                 lambda p: p.investment_wan if p.status_as_of else p.facts.get("total_investment_wan")),
    lists.Column("下一时限", lambda p: p.next_due), lists.Column("创建时间", lambda p: p.created_at),
    lists.Column("最近更新", lambda p: p.updated_at),
]


def _inbox_rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [{**item, "kind_label": INBOX_KINDS.get(item["kind"], item["kind"]),
             "state_label": S(item["project"].state).label} for item in inbox_items(rows)]


# The inbox's filters are applied inside the UNION (lead_office_inbox_rows); the spec only renders them.
INBOX_LIST = lists.ListSpec(
    title="待办",
    columns=[lists.Column("事项", lambda r: r["kind_label"]), lists.Column("内容", lambda r: r["text"]),
             lists.Column("项目", lambda r: r["project"].name),
             lists.Column("建设单位", lambda r: r["project"].unit.name),
             lists.Column("阶段", lambda r: r["state_label"]), lists.Column("等待起始日", lambda r: r["since"])],
    prepare=_inbox_rows,
    sort=paging.Sort(options={"old": ("等待最久", ()), "new": ("最近", ())}, default="old"),
    search_placeholder="项目名称或建设单位", search_text=lambda r: "",
    filters=[lists.Filter("kind", "事项", choices=list(INBOX_KINDS.items()), all_label="全部事项")],
)


