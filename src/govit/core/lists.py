"""One list component for every table of the web pages: search, filters, sorting, paging and 导出 Excel.

A page declares a `ListSpec` (its columns, the `Sort` orderings, the searched fields and the filters),
then `ListSpec.run(request, rows)` answers either the page's context (`lst`) or, for `?export=xlsx`,
the XLSX file of the *filtered and sorted* rows — the same query the page shows, without the paging.
The template includes `_list_controls.html` (search, filters, sort, export link) and `_pager.html`;
every link keeps the other parameters, so filters survive paging and export.

`rows` is a QuerySet (filtered and sorted in the database) or a plain list (filtered and sorted in
Python, for the few lists computed in memory such as the fee report).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from govit.core import paging
from govit.core.paging import Sort

EXPORT_LIMIT = 50_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A column of the export; `value(row)` is what the cell holds (text, number or date)."""

    label: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Filter:
    """A filter of the list: a select when `choices` is given (or a callable answering them), else a text box.

    `apply(rows, value)` narrows a QuerySet; `test(row, value)` tests one row of an in-memory list.
    """

    name: str
    label: str
    apply: Callable[[Any, str], Any] | None = None
    choices: Sequence[tuple[str, str]] | Callable[[HttpRequest], Sequence[tuple[str, str]]] | None = None
    test: Callable[[Any, str], bool] | None = None
    all_label: str = "全部"

    def options(self, request: HttpRequest) -> list[tuple[str, str]] | None:
        if self.choices is None:
            return None
        return list(self.choices(request) if callable(self.choices) else self.choices)


@dataclass(frozen=True)
class ListSpec:
    """What a list offers. `search` are QuerySet lookups joined by OR (`name__icontains`, ...), or for an
    in-memory list a function `row → text` searched as a substring."""

    title: str  # also the export's sheet and file name, e.g. “专家库”
    columns: Sequence[Column]
    sort: Sort | None = None
    search: Sequence[str] = ()
    search_text: Callable[[Any], str] | None = None
    search_placeholder: str = "关键词"
    filters: Sequence[Filter] = ()
    per_page: int = 20
    sort_key: Callable[[str], tuple[Callable[[Any], Any], bool]] | None = None  # in memory: key → (row key, descending)
    prepare: Callable[[list[Any]], list[Any]] | None = None  # rows of a page (or the export) → what is shown

    def run(self, request: HttpRequest, rows: Any, *, actor: Any = None,
            on_export: Callable[[int], None] | None = None) -> ListResult:
        state = self.state(request)
        rows = self.narrow(request, rows, state)
        if request.GET.get("export") == "xlsx":
            items = list(rows[:EXPORT_LIMIT])
            if self.prepare is not None:
                items = self.prepare(items)
            if on_export is not None:
                on_export(len(items))
            return ListResult(spec=self, state=state, response=xlsx_response(self.title, self.columns, items))
        if isinstance(rows, QuerySet):
            page = paging.web_page(request, rows, per_page=self.per_page)
        else:
            page = paging.web_page(request, _Sliceable(rows), per_page=self.per_page)
        if self.prepare is not None:
            page.items = self.prepare(page.items)
        return ListResult(spec=self, state=state, page=page, links=paging.page_links(request, page),
                          filters=[(f, f.options(request), state["filters"].get(f.name, "")) for f in self.filters],
                          export_url=export_url(request))

    def state(self, request: HttpRequest) -> dict[str, Any]:
        sort = self.sort.resolve(request.GET.get("sort")) if self.sort else ""
        values = {f.name: request.GET.get(f.name, "").strip()[:100] for f in self.filters}
        return {"q": request.GET.get("q", "").strip()[:50], "sort": sort,
                "filters": {k: v for k, v in values.items() if v}}

    def narrow(self, request: HttpRequest, rows: Any, state: dict[str, Any]) -> Any:
        query = state["q"]
        chosen = state["filters"]
        if isinstance(rows, QuerySet):
            if query and self.search:
                match = Q()
                for lookup in self.search:
                    match |= Q(**{lookup: query})
                rows = rows.filter(match)
            for f in self.filters:
                if f.name in chosen and f.apply is not None:
                    if (options := f.options(request)) is not None and chosen[f.name] not in dict(options):
                        continue  # an unknown choice is ignored, not trusted
                    rows = f.apply(rows, chosen[f.name])
            if self.sort and (terms := self.sort.order_by(state["sort"])):
                rows = rows.order_by(*terms)
            return rows
        items = list(rows)
        if query and self.search_text is not None:
            items = [r for r in items if query.lower() in self.search_text(r).lower()]
        for f in self.filters:
            if f.name in chosen and f.test is not None:
                items = [r for r in items if f.test(r, chosen[f.name])]
        if self.sort and self.sort_key is not None:
            keyfunc, descending = self.sort_key(state["sort"])
            items.sort(key=keyfunc, reverse=descending)
        return items


@dataclass
class ListResult:
    spec: ListSpec
    state: dict[str, Any]
    page: paging.Page | None = None
    links: dict[str, str | None] = field(default_factory=dict)
    filters: list[tuple[Filter, list[tuple[str, str]] | None, str]] = field(default_factory=list)
    export_url: str = ""
    response: HttpResponse | None = None

    @property
    def query(self) -> str:
        return self.state["q"]

    @property
    def sort(self) -> str:
        return self.state["sort"]

    @property
    def sorts(self) -> list[tuple[str, str]]:
        return self.spec.sort.choices() if self.spec.sort else []

    @property
    def rows(self) -> list[Any]:
        return self.page.items if self.page else []

    @property
    def has_search(self) -> bool:
        return bool(self.spec.search or self.spec.search_text)


class _Sliceable:
    """A list that `paging.web_page` can count and slice."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def count(self) -> int:
        return len(self.items)

    def __getitem__(self, key: slice) -> list[Any]:
        return self.items[key]


def export_url(request: HttpRequest) -> str:
    """This page's query with `export=xlsx`: the export link of any filtered list."""
    query = {k: v for k, v in request.GET.items() if k not in ("page", "export")}
    query["export"] = "xlsx"
    return "?" + urlencode(query)


def cell(value: Any) -> Any:
    """A spreadsheet-safe cell: numbers and dates as such, text with a leading = + - @ neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Decimal)):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else \
            value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xlsx_response(title: str, columns: Sequence[Column], rows: Sequence[Any]) -> HttpResponse:
    """An XLSX file of `rows`, named “<title>-<YYYYMMDD>.xlsx” (RFC 5987 for the Chinese name)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([c.label for c in columns])
    for row in rows:
        sheet.append([cell(c.value(row)) for c in columns])
    for i, c in enumerate(columns):
        sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = max(10, len(c.label) * 2 + 4)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    name = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def export_audit(request: HttpRequest, what: str) -> Callable[[int], None]:
    """`on_export` for `ListSpec.run`: every export of a list is audited (which list, rows, filters)."""

    def record(rows: int) -> None:
        from govit.core.net import client_ip
        from govit.core.services import audit_record

        audit_record(actor=request.user, action="list.export", source_ip=client_ip(request),
                     details={"list": what, "rows": rows, "filters": request.GET.dict()})

    return record
