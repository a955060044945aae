"""Paged lists for /api/v1: every list answers `{"count", "next", "items"}` and takes `limit` / `offset`
(govit.core.paging), filters and a `sort` from a fixed set. A malformed paging or sorting parameter is a
400 `invalid_paging` naming it (raised as paging.PagingError, answered by govit.core.api_errors)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Field
from pydantic import create_model

from govit.core import paging
from govit.core.schemas import Schema

_PAGE_SCHEMAS: dict[str, type[Schema]] = {}


def page_schema(item: type[Any], name: str) -> type[Schema]:
    """The `{"count", "next", "items": [item]}` schema for one list, named e.g. `TaskPageOut`."""
    if name not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[name] = create_model(  # type: ignore[call-overload]
            name, __base__=Schema,
            count=(int, Field(description="符合条件的总数")),
            next=(str | None, Field(description="下一页地址；最后一页为 null")),
            items=(list[item], ...),
        )
    return _PAGE_SCHEMAS[name]


def sort_description(sort: paging.Sort) -> str:
    return "排序：" + "、".join(f"{key}（{label}）" for key, (label, _) in sort.options.items()) + \
        f"；默认 {sort.default}。"


def api_page(request: HttpRequest, rows: Any, *, limit: str | None, offset: str | None,
             sort: paging.Sort | None = None, sort_key: str | None = None,
             shape: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One page of a queryset (or a list) as the list body; `sort_key` picks one of `sort`'s orderings."""
    size, start = paging.limit_offset(limit, offset)
    count: int | None = None
    if sort is not None:
        terms = sort.order_by(sort.resolve(sort_key, strict=True))
        if isinstance(rows, Sequence):
            rows = sort_list(list(rows), terms)
        else:
            rows = rows.order_by(*terms)
    if isinstance(rows, Sequence):
        count = len(rows)
    page = paging.page_of(rows, limit=size, offset=start, count=count)
    return paging.envelope(request, page, shape)


def sort_list(rows: list[Any], terms: Sequence[Any]) -> list[Any]:
    """A list of dicts sorted as order_by terms would sort a queryset ("-key" descending), last term first."""
    for term in reversed(list(terms)):
        key = str(term)
        reverse = key.startswith("-")
        name = key.lstrip("-")
        rows.sort(key=lambda row: (row.get(name) is None, row.get(name) if row.get(name) is not None else 0),
                  reverse=reverse)
    return rows


def year_filter(value: str | None, field: str = "year") -> int | None:
    """A `year` query parameter (1900..2999), or None when absent."""
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise paging.PagingError(field, f"参数 {field} 应为四位年份，收到“{str(value)[:20]}”。") from None
    if not 1900 <= year <= 2999:
        raise paging.PagingError(field, f"参数 {field} 应为四位年份，收到“{year}”。")
    return year


def choice_filter(value: str | None, allowed: Sequence[str], field: str) -> str | None:
    """A query parameter that must be one of `allowed` (an enum's values), or None when absent."""
    if value in (None, ""):
        return None
    if value not in allowed:
        raise paging.PagingError(field, f"参数 {field} 只能取 {'、'.join(allowed)}，收到“{str(value)[:30]}”。")
    return value


def by_time(field: str, default: str = "new") -> paging.Sort:
    """`new` (newest first) and `old` (oldest first) by one timestamp, the primary key breaking ties."""
    return paging.Sort({"new": ("最新在前", [f"-{field}", "-pk"]), "old": ("最早在前", [field, "pk"])}, default)
