"""Paging and sorting in the database, for every list of the web pages and the API.

API lists take `limit` and `offset` and answer `{"count": n, "next": url | null, "items": [...]}`
(the operator contract); web lists take `page` and `sort`. Either way one COUNT and one
LIMIT/OFFSET query reach the database, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PagingError(ValueError):
    """A paging or sorting parameter is malformed; the message is Chinese and names the field."""

    code = "invalid_paging"

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _integer(name: str, value: Any, *, default: int, minimum: int, maximum: int | None = None) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PagingError(name, f"参数 {name} 应为整数，收到“{str(value)[:20]}”。") from None
    if number < minimum:
        raise PagingError(name, f"参数 {name} 不能小于 {minimum}。")
    if maximum is not None and number > maximum:
        raise PagingError(name, f"参数 {name} 不能大于 {maximum}。")
    return number


def limit_offset(limit: Any, offset: Any, *, default_limit: int = DEFAULT_LIMIT,
                 max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """Validated `limit` (1..max_limit) and `offset` (≥ 0)."""
    return (_integer("limit", limit, default=default_limit, minimum=1, maximum=max_limit),
            _integer("offset", offset, default=0, minimum=0))


@dataclass(frozen=True)
class Sort:
    """Named orderings a list offers; every ordering ends with the primary key, so pages are stable."""

    options: dict[str, tuple[str, Sequence[Any]]]  # key → (Chinese label, order_by terms)
    default: str

    def resolve(self, value: str | None, *, strict: bool = False) -> str:
        key = (value or "").strip() or self.default
        if key not in self.options:
            if strict:
                allowed = "、".join(self.options)
                raise PagingError("sort", f"参数 sort 只能取 {allowed}，收到“{key[:20]}”。")
            key = self.default
        return key

    def order_by(self, key: str) -> Sequence[Any]:
        return self.options[key][1]

    def choices(self) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.options.items()]


@dataclass
class Page:
    items: list[Any]
    count: int
    limit: int
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.count

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return self.offset + len(self.items)

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.limit))


def page_of(queryset: QuerySet[Any] | Any, *, limit: int, offset: int,
            count: int | None = None) -> Page:
    """One COUNT (unless given) and one LIMIT/OFFSET query. `queryset` may be any sliceable with count()."""
    total = queryset.count() if count is None else count
    items = list(queryset[offset:offset + limit]) if offset < total else []
    return Page(items=items, count=total, limit=limit, offset=offset)


def next_url(request: Any, page: Page) -> str | None:
    """The absolute URL of the next page (same query, offset moved on), or None on the last page."""
    if not page.has_next:
        return None
    query = request.GET.copy()
    query["limit"] = str(page.limit)
    query["offset"] = str(page.offset + page.limit)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def envelope(request: Any, page: Page, shape: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The contract's list body: `{"count", "next", "items"}`."""
    items: Iterable[Any] = page.items if shape is None else (shape(item) for item in page.items)
    return {"count": page.count, "next": next_url(request, page), "items": list(items)}


def web_page(request: Any, queryset: QuerySet[Any] | Any, *, per_page: int = DEFAULT_LIMIT,
             count: int | None = None) -> Page:
    """A web list's page from `?page=N` (1-based); a page past the end shows the last one."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    total = queryset.count() if count is None else count
    last = max(1, -(-total // per_page))
    offset = (min(number, last) - 1) * per_page
    return page_of(queryset, limit=per_page, offset=offset, count=total)


def page_links(request: Any, page: Page) -> dict[str, str | None]:
    """Query strings of the previous and next pages, keeping the other parameters (filters, sort)."""

    def link(number: int) -> str:
        query = {k: v for k, v in request.GET.items() if k != "page"}
        query["page"] = str(number)
        return "?" + urlencode(query)

    return {"previous": link(page.number - 1) if page.has_previous else None,
            "next": link(page.number + 1) if page.has_next else None}
