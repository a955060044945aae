"""Core API endpoints: who am I, and the units and users in my jurisdictions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from govit.core import paging
from govit.core.api_errors import ErrorOut
from govit.core.api_paging import api_page, page_schema, sort_description
from govit.core.models import User
from govit.core.schemas import Schema
from govit.core.selectors import (
    role_assignments_of,
    units_visible_to,
    user_jurisdiction_ids,
    users_visible_to,
)

router = Router(tags=["core"])


class JurisdictionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    pack_ids: list[str]


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    jurisdiction_id: int
    jurisdiction_name: str


class RoleOut(Schema):
    role: str
    role_label: str
    jurisdiction: JurisdictionOut
    unit: str | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    jurisdiction_ids: list[int]


def _current_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    user = _current_user(request)
    roles = [
        RoleOut(
            role=ra.role,
            role_label=ra.get_role_display(),
            jurisdiction=JurisdictionOut.model_validate(ra.jurisdiction),
            unit=ra.unit.name if ra.unit else None,
        )
        for ra in role_assignments_of(user)
    ]
    return MeOut(id=user.pk, username=user.username, display_name=user.display_name, roles=roles)


UNIT_SORT = paging.Sort({"jurisdiction": ("行政区域、类型、名称", ["jurisdiction__code", "kind", "name", "pk"]),
                         "name": ("名称", ["name", "pk"])}, "jurisdiction")
USER_SORT = paging.Sort({"username": ("用户名", ["username", "pk"]), "name": ("姓名", ["display_name", "pk"])},
                        "username")


@router.get("/units", response={200: page_schema(UnitOut, "UnitPageOut"), 400: ErrorOut}, summary="本辖区单位（分页）",
            description=sort_description(UNIT_SORT) + " jurisdiction_id、kind 筛选；q：名称包含。")
def units(request: HttpRequest, jurisdiction_id: int | None = None, kind: str | None = None, q: str = "",
          sort: str | None = None, limit: str | None = None, offset: str | None = None) -> Any:
    rows = units_visible_to(_current_user(request))
    if jurisdiction_id is not None:
        rows = rows.filter(jurisdiction_id=jurisdiction_id)
    if kind:
        rows = rows.filter(kind=kind[:30])
    if q:
        rows = rows.filter(name__contains=q[:50])
    return api_page(request, rows, limit=limit, offset=offset, sort=UNIT_SORT, sort_key=sort, shape=lambda u: {
        "id": u.pk, "name": u.name, "kind": u.kind, "kind_label": u.kind_label,
        "jurisdiction_id": u.jurisdiction_id, "jurisdiction_name": u.jurisdiction.name})


@router.get("/users", response={200: page_schema(UserOut, "UserPageOut"), 400: ErrorOut}, summary="本辖区用户（分页）",
            description=sort_description(USER_SORT) + " jurisdiction_id、unit_id、role 筛选。")
def users(request: HttpRequest, jurisdiction_id: int | None = None, unit_id: int | None = None,
          role: str | None = None, sort: str | None = None, limit: str | None = None,
          offset: str | None = None) -> Any:
    me = _current_user(request)
    shared = user_jurisdiction_ids(me)
    rows = users_visible_to(me).prefetch_related("role_assignments")
    # Filters look only at roles in jurisdictions the caller can see.
    if jurisdiction_id is not None:
        rows = rows.filter(role_assignments__jurisdiction_id=jurisdiction_id,
                           role_assignments__jurisdiction_id__in=shared).distinct()
    if unit_id is not None:
        rows = rows.filter(role_assignments__unit_id=unit_id,
                           role_assignments__jurisdiction_id__in=shared).distinct()
    if role:
        rows = rows.filter(role_assignments__role=role[:30], role_assignments__jurisdiction_id__in=shared).distinct()

    def shape(u: User) -> dict[str, Any]:
        # Only show a colleague's roles in jurisdictions the caller can see.
        assignments = [a for a in u.role_assignments.all() if a.jurisdiction_id in shared]
        return {"id": u.pk, "username": u.username, "display_name": u.display_name,
                "roles": sorted({a.role for a in assignments}),
                "jurisdiction_ids": sorted({a.jurisdiction_id for a in assignments})}

    return api_page(request, rows, limit=limit, offset=offset, sort=USER_SORT, sort_key=sort, shape=shape)
