"""Navigation entries per role. Apps add theirs with `register_nav_item` in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from govit.core.models import Role
from govit.core.selectors import audit_cached, audit_generation  # noqa: F401  (audit_generation re-exported)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100
    # How many things wait on the user behind this link (shown as a badge); None when nothing is counted.
    count: Callable[[Any], int] | None = None
    # The count changes only through audited writes (every service writes one), so it is cached against
    # the audit chain's head: any write anywhere starts a new key, and a page costs no count query.
    audited: bool = False

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


ALL_ROLES = frozenset(Role.values)
_ITEMS: dict[tuple[str, str], NavItem] = {}


def register_nav_item(
    *, label: str, url_name: str, roles: frozenset[str] | set[str] = ALL_ROLES, order: int = 100,
    count: Callable[[Any], int] | None = None, audited: bool = False,
) -> None:
    """Show a link to `url_name` in the top navigation of the given roles; `count(user)` is its 待办 badge
    (`audited`: it changes only through audited writes and may be cached against the audit chain head)."""
    _ITEMS[(url_name, label)] = NavItem(label=label, url_name=url_name, roles=frozenset(roles), order=order,
                                        count=count, audited=audited)


def nav_counts(item: NavItem, user: Any, generation: str | None = None) -> int:
    """The badge of `item` for `user`; `generation` (audit_generation()) lets an audited count be cached."""
    if item.count is None:
        return 0
    if not (item.audited and generation):
        return int(item.count(user))
    count = item.count
    return int(audit_cached(f"nav:{item.url_name}:{item.label}:{user.pk}", lambda: int(count(user)),
                            generation=generation))


def nav_items_for(roles: set[str]) -> list[NavItem]:
    return sorted((i for i in _ITEMS.values() if i.roles & roles), key=lambda i: (i.order, i.label))


register_nav_item(label="工作台", url_name="web:home", order=0)
register_nav_item(label="我的账号", url_name="web:profile", order=900)
register_nav_item(
    label="接口文档",
    url_name="api-1:openapi-view",
    roles={Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN},
    order=800,
)
