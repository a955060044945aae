"""Core API endpoints: who am I, and the units and users in my jurisdictions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from govit.core.models import User
from govit.core.selectors import (
    role_assignments_of,
    units_visible_to,
    user_jurisdiction_ids,
    users_visible_to,
)

router = Router(tags=["基础数据"])


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


@router.get("/units", response=list[UnitOut], summary="本辖区单位")
def units(request: HttpRequest) -> list[UnitOut]:
    return [
        UnitOut(
            id=u.pk,
            name=u.name,
            kind=u.kind,
            kind_label=u.get_kind_display(),
            jurisdiction_id=u.jurisdiction_id,
            jurisdiction_name=u.jurisdiction.name,
        )
        for u in units_visible_to(_current_user(request))
    ]


@router.get("/users", response=list[UserOut], summary="本辖区用户")
def users(request: HttpRequest) -> list[UserOut]:
    me = _current_user(request)
    shared = user_jurisdiction_ids(me)
    result = []
    for u in users_visible_to(me).prefetch_related("role_assignments"):
        # Only show a colleague's roles in jurisdictions the caller can see.
        assignments = [a for a in u.role_assignments.all() if a.jurisdiction_id in shared]
        result.append(
            UserOut(
                id=u.pk,
                username=u.username,
                display_name=u.display_name,
                roles=sorted({a.role for a in assignments}),
                jurisdiction_ids=sorted({a.jurisdiction_id for a in assignments}),
            )
        )
    return result
