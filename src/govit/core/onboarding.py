"""Onboarding a jurisdiction: its packs, units and accounts, from a YAML file or the system-admin page.

`govit jurisdiction import FILE.yaml` (shared/design/cli-contract.md) and the system administrator's
units page both go through these services: every change is checked first, then written with its
audit entry. Importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from govit.core.models import Jurisdiction, JurisdictionLevel, Role, RoleAssignment, Unit, User
from govit.core.services import RoleAssignmentRefused, audit_record
from govit.policy import PackError, load_pack, pack_ids
from govit.policy.declarations import nearest, unit_kinds

SYSTEM_NAME = "命令行"
CODE_PATTERN = r"^\d{6}(\d{6})?$"


class OnboardingError(ValueError):
    """Bad onboarding input: `errors` are Chinese messages, each naming the field."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("；".join(f"{e['field']}：{e['message']}" for e in errors))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "changes": self.changes, "errors": self.errors}

    def count(self, what: str, name: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != "unchanged":
            self.changes.append({"object": what, "name": name, "outcome": outcome})


def allowed_unit_kinds(packs: list[str]) -> dict[str, str]:
    """Unit kinds a jurisdiction under these packs may have: the platform's plus each pack's own."""
    kinds = unit_kinds({})
    for pack_id in packs:
        kinds.update(unit_kinds(load_pack(pack_id).data))
    return kinds


def unit_kind_label(unit: Unit) -> str:
    packs = list(unit.jurisdiction.pack_ids or [])
    try:
        return allowed_unit_kinds(packs).get(unit.kind, unit.kind)
    except PackError:
        return unit.kind


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def check_jurisdiction_file(data: Any) -> list[dict[str, str]]:
    """Every error in a jurisdiction file, each naming its field (nothing is written)."""
    import re

    errors: list[dict[str, str]] = []

    def err(where: str, message: str) -> None:
        errors.append({"field": where, "message": message})

    if not isinstance(data, dict):
        return [{"field": "(文件)", "message": "文件应为 YAML 映射，包含 code、name、level、packs、units、users"}]
    known_keys = ("code", "name", "level", "packs", "units", "users", "parent")
    for key in data:
        if key not in known_keys:
            err(str(key), f"未知的字段{nearest(str(key), known_keys)}")
    code = _text(data.get("code"))
    if not re.match(CODE_PATTERN, code):
        err("code", f"行政区划代码应为 6 位数字（收到 {data.get('code')!r}）；请在 YAML 中加引号，如 \"320612\"")
    if not _text(data.get("name")):
        err("name", "请填写行政区域名称")
    level = _text(data.get("level"))
    if level not in JurisdictionLevel.values:
        err("level", f"层级 {level!r} 未知{nearest(level, JurisdictionLevel.values)}，"
                     f"可选：{'、'.join(JurisdictionLevel.values)}")
    if data.get("parent") is not None and not Jurisdiction.objects.filter(code=_text(data["parent"])).exists():
        err("parent", f"上级行政区划代码 {data['parent']!r} 不存在")
    packs = data.get("packs") or []
    available = pack_ids()
    good_packs: list[str] = []
    if not isinstance(packs, list) or not packs:
        err("packs", f"请列出适用的政策包 ID，可用：{'、'.join(available)}")
        packs = []
    for index, pack_id in enumerate(packs):
        if pack_id not in available:
            err(f"packs[{index}]", f"未知的政策包 {pack_id!r}{nearest(str(pack_id), available)}，"
                                   f"可用：{'、'.join(available)}")
            continue
        try:
            load_pack(pack_id)
        except PackError as exc:
            err(f"packs[{index}]", f"政策包 {pack_id} 无法载入：{exc}")
            continue
        good_packs.append(pack_id)
    kinds = allowed_unit_kinds(good_packs)
    units = data.get("units") or []
    names: list[str] = []
    if not isinstance(units, list):
        err("units", "units 应为列表，每项 {name, kind}")
        units = []
    for index, unit in enumerate(units):
        where = f"units[{index}]"
        if not isinstance(unit, dict):
            err(where, "每个单位应为 {name: 单位名称, kind: 单位类型}")
            continue
        name = _text(unit.get("name"))
        if not name:
            err(f"{where}.name", "请填写单位名称")
        elif name in names:
            err(f"{where}.name", f"单位 {name} 重复")
        elif len(name) > 100:
            err(f"{where}.name", "单位名称不超过 100 个字")
        names.append(name)
        kind = _text(unit.get("kind"))
        if kind not in kinds:
            err(f"{where}.kind", f"未知的单位类型 {kind!r}（单位 {name}）{nearest(kind, kinds)}；"
                                 f"可选：{'、'.join(kinds)}")
    existing_units = set(Unit.objects.filter(jurisdiction__code=code).values_list("name", flat=True)) if code else set()
    users = data.get("users") or []
    usernames: list[str] = []
    if not isinstance(users, list):
        err("users", "users 应为列表，每项 {username, name, unit}")
        users = []
    for index, user in enumerate(users):
        where = f"users[{index}]"
        if not isinstance(user, dict):
            err(where, "每个账号应为 {username: 用户名, name: 姓名, unit: 单位名称}")
            continue
        username = _text(user.get("username"))
        if not re.match(r"^[A-Za-z0-9_.@+-]{3,150}$", username):
            err(f"{where}.username", f"用户名 {username!r} 只能包含字母、数字和 _ . @ + -，3 至 150 个字符")
        elif username.lower() in usernames:
            err(f"{where}.username", f"用户名 {username} 重复")
        usernames.append(username.lower())
        unit_name = _text(user.get("unit"))
        if unit_name and unit_name not in names and unit_name not in existing_units:
            err(f"{where}.unit", f"单位 {unit_name!r} 不在 units 中{nearest(unit_name, names)}")
        other = User.objects.filter(username__iexact=username).exclude(unit__jurisdiction__code=code).first()
        if other is not None and (other.unit_id is not None or RoleAssignment.objects.filter(user=other).exclude(
                jurisdiction__code=code).exists()):
            err(f"{where}.username", f"用户名 {username} 已被其他行政区域的账号使用")
    return errors


def jurisdiction_import(data: Any, *, actor: User | None = None, source_ip: str | None = None,
                        dry_run: bool = False) -> ImportReport:
    """Create or update a jurisdiction, its units and accounts from a jurisdiction file; idempotent.

    Any error: nothing is written and `OnboardingError` lists them all. New accounts have no usable
    password: the user sets it (and the second factor) at first sign-in from an initial password the
    system administrator issues; roles are granted by the security administrator.
    """
    if actor is not None and not RoleAssignment.objects.filter(user=actor, role=Role.SYSTEM_ADMIN).exists():
        raise RoleAssignmentRefused("只有系统管理员可以导入行政区域。")
    errors = check_jurisdiction_file(data)
    if errors:
        raise OnboardingError(errors)
    report = ImportReport()
    who = None if actor else SYSTEM_NAME
    with transaction.atomic():
        code = _text(data["code"])
        wanted = {"name": _text(data["name"]), "level": _text(data["level"]), "pack_ids": list(data["packs"])}
        if data.get("parent") is not None:
            wanted["parent"] = Jurisdiction.objects.get(code=_text(data["parent"]))
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            jurisdiction = Jurisdiction.objects.create(code=code, **wanted)
            audit_record(actor=actor, action="jurisdiction.create", obj=jurisdiction, source_ip=source_ip,
                         details={"code": code, **{k: str(v) if k == "parent" else v for k, v in wanted.items()}},
                         actor_name=who)
            report.count("jurisdiction", jurisdiction.name, "created")
        else:
            diff = {k: v for k, v in wanted.items() if getattr(jurisdiction, k) != v}
            if diff:
                for key, value in diff.items():
                    setattr(jurisdiction, key, value)
                jurisdiction.save(update_fields=list(diff))
                audit_record(actor=actor, action="jurisdiction.update", obj=jurisdiction, source_ip=source_ip,
                             details={k: str(v) if k == "parent" else v for k, v in diff.items()}, actor_name=who)
                report.count("jurisdiction", jurisdiction.name, "updated")
            else:
                report.count("jurisdiction", jurisdiction.name, "unchanged")
        for spec in data.get("units") or []:
            _, outcome = unit_save(jurisdiction=jurisdiction, name=_text(spec["name"]), kind=_text(spec["kind"]),
                                   actor=actor, source_ip=source_ip, check_actor=False)
            report.count("unit", _text(spec["name"]), outcome)
        for spec in data.get("users") or []:
            outcome = _user_save(jurisdiction, spec, actor=actor, source_ip=source_ip)
            report.count("user", _text(spec["username"]), outcome)
        if report.created or report.updated:
            audit_record(actor=actor, action="jurisdiction.import", obj=jurisdiction, source_ip=source_ip,
                         details={"created": report.created, "updated": report.updated,
                                  "unchanged": report.unchanged}, actor_name=who)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _user_save(jurisdiction: Jurisdiction, spec: dict[str, Any], *, actor: User | None,
               source_ip: str | None) -> str:
    username = _text(spec["username"])
    full_name = _text(spec.get("name"))[:50]
    unit_name = _text(spec.get("unit"))
    unit = Unit.objects.get(jurisdiction=jurisdiction, name=unit_name) if unit_name else None
    who = None if actor else SYSTEM_NAME
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, unit=unit)
        user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, source_ip=source_ip, actor_name=who,
                     details={"username": username, "unit": unit_name, "jurisdiction": jurisdiction.code,
                              "password": "unset (set at first sign-in)"})  # nosec B105 (a note, no password)
        return "created"
    diff = {}
    if full_name and user.full_name != full_name:
        diff["full_name"] = full_name
    if user.unit_id != (unit.pk if unit else None):
        diff["unit"] = unit
    if not diff:
        return "unchanged"
    for key, value in diff.items():
        setattr(user, key, value)
    user.save(update_fields=list(diff))
    audit_record(actor=actor, action="user.update", obj=user, source_ip=source_ip, actor_name=who,
                 details={k: (v.name if isinstance(v, Unit) else v) for k, v in diff.items()})
    return "updated"


def admin_jurisdictions(actor: User) -> list[Jurisdiction]:
    ids = RoleAssignment.objects.filter(user=actor, role=Role.SYSTEM_ADMIN).values("jurisdiction_id")
    return list(Jurisdiction.objects.filter(pk__in=ids))


def unit_save(*, jurisdiction: Jurisdiction, name: str, kind: str, actor: User | None,
              source_ip: str | None = None, check_actor: bool = True) -> tuple[Unit, str]:
    """Create a unit, or change its kind; a system administrator only in their own jurisdiction."""
    name = (name or "").strip()
    if check_actor and actor is not None and jurisdiction not in admin_jurisdictions(actor):
        audit_record(actor=actor, action="unit.create", outcome="denied", source_ip=source_ip,
                     details={"jurisdiction": jurisdiction.code, "name": name, "reason": "不是本行政区域的系统管理员"})
        raise RoleAssignmentRefused("只有本行政区域的系统管理员可以管理单位。")
    if not name or len(name) > 100:
        raise OnboardingError([{"field": "name", "message": "请填写单位名称（不超过 100 个字）"}])
    kinds = allowed_unit_kinds(list(jurisdiction.pack_ids or []))
    if kind not in kinds:
        raise OnboardingError([{"field": "kind", "message": f"未知的单位类型 {kind!r}{nearest(kind, kinds)}"}])
    who = None if actor else SYSTEM_NAME
    with transaction.atomic():
        unit = Unit.objects.filter(jurisdiction=jurisdiction, name=name).first()
        if unit is None:
            unit = Unit.objects.create(jurisdiction=jurisdiction, name=name, kind=kind)
            audit_record(actor=actor, action="unit.create", obj=unit, source_ip=source_ip, actor_name=who,
                         details={"jurisdiction": jurisdiction.code, "name": name, "kind": kind})
            return unit, "created"
        if unit.kind == kind:
            return unit, "unchanged"
        before = unit.kind
        unit.kind = kind
        unit.save(update_fields=["kind"])
        audit_record(actor=actor, action="unit.update", obj=unit, source_ip=source_ip, actor_name=who,
                     details={"kind": [before, kind]})
        return unit, "updated"


def user_assign_unit(*, user: User, unit: Unit | None, actor: User | None, source_ip: str | None = None) -> User:
    """A system administrator sets the unit an account of their jurisdiction works for."""
    if actor is not None:
        mine = admin_jurisdictions(actor)
        in_scope = (user.unit is None or user.unit.jurisdiction in mine) and (unit is None or unit.jurisdiction in mine)
        if not in_scope:
            raise RoleAssignmentRefused("该账号或单位不属于您管理的行政区域。")
    with transaction.atomic():
        user.unit = unit
        user.save(update_fields=["unit"])
        audit_record(actor=actor, action="user.update", obj=user, source_ip=source_ip,
                     details={"unit": unit.name if unit else None}, actor_name=None if actor else SYSTEM_NAME)
    return user


def user_issue_initial_password(*, user: User, actor: User | None, source_ip: str | None = None) -> str:
    """A one-time initial password for an account of the administrator's jurisdiction (shown once).

    It is marked as already expired, so the user must choose their own password (and bind the
    second factor where their role needs one) at first sign-in. The password itself is not audited.
    """
    import secrets
    from datetime import UTC, datetime

    if actor is not None:
        mine = admin_jurisdictions(actor)
        if user.pk == actor.pk or user.unit is None or user.unit.jurisdiction not in mine:
            audit_record(actor=actor, action="user.initial_password", obj=user, outcome="denied",
                         source_ip=source_ip, details={"reason": "不属于本行政区域或为本人账号"})
            raise RoleAssignmentRefused("只能为本行政区域单位的其他账号设置初始密码。")
    password = "Gv-" + secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # After the save: the password-history validator stamps "changed now" when a password is set.
        user.password_changed_at = datetime(2000, 1, 1, tzinfo=UTC)
        User.objects.filter(pk=user.pk).update(password_changed_at=user.password_changed_at)
        audit_record(actor=actor, action="user.initial_password", obj=user, source_ip=source_ip,
                     details={"username": user.get_username(), "must_change": True},
                     actor_name=None if actor else SYSTEM_NAME)
    return password
