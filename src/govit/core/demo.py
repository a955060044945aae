"""Demo data for `govit demo` / `make run`, and the registry other apps extend it through.

Other apps add their own demo data (projects, reviews …) by registering a loader in their
AppConfig.ready():

    from govit.core.demo import register_demo_loader
    register_demo_loader(load_projects_demo, order=100)

A loader is `loader(*, stdout: TextIO) -> None`, runs after the core loader (order=0), must be
idempotent (running `govit demo` twice changes nothing), and should write through services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction

from govit.core.models import Jurisdiction, JurisdictionLevel, Role, Unit, UnitKind, User
from govit.core.otp import ensure_demo_totp_device, otp_required_roles
from govit.core.services import audit_record, role_assign

DEMO_PASSWORD = "Govit@2026demo"  # noqa: S105 (public demo credential, printed on purpose)  # nosec B105


class DemoLoader(Protocol):
    def __call__(self, *, stdout: TextIO) -> None: ...


_LOADERS: dict[str, tuple[int, DemoLoader]] = {}


def register_demo_loader(loader: DemoLoader, *, order: int = 100) -> None:
    """Register `loader` to run in `govit demo`; lower `order` runs first. Re-registering is a no-op."""
    key = f"{loader.__module__}.{loader.__qualname__}"
    _LOADERS[key] = (order, loader)


def demo_loaders() -> list[DemoLoader]:
    return [loader for _, loader in sorted(_LOADERS.values(), key=lambda item: item[0])]


def run_demo_loaders(*, stdout: TextIO) -> None:
    for loader in demo_loaders():
        loader(stdout=stdout)


@dataclass(frozen=True)
class DemoJurisdiction:
    prefix: str
    code: str
    name: str
    short: str
    level: str
    pack_id: str
    units: tuple[tuple[str, str], ...]  # (name, UnitKind)
    role_units: dict[str, str | None]  # role -> unit name (None: no unit, e.g. experts)


K = UnitKind
DEMO_JURISDICTIONS: tuple[DemoJurisdiction, ...] = (
    DemoJurisdiction(
        prefix="kdl",
        code="150203",
        name="包头市昆都仑区",
        short="昆都仑区",
        level=JurisdictionLevel.DISTRICT,
        pack_id="kundulun-2024",
        units=(
            ("区行政审批政务服务与数据管理局", K.LEAD_OFFICE),
            ("区委网信办", K.NETSEC),
            ("区委国安办", K.NATIONAL_SECURITY),
            ("区委保密机要局", K.SECRECY_CRYPTO),
            ("区财政局", K.FINANCE),
            ("区公安分局", K.POLICE),
            ("区审计局", K.AUDIT),
            ("区人民政府办公室", K.GOVERNMENT),
            ("区教育局", K.CONSTRUCTION_DEPARTMENT),
            ("区卫生健康委员会", K.CONSTRUCTION_DEPARTMENT),
            ("区民政局", K.CONSTRUCTION_DEPARTMENT),
            ("少先路街道办事处", K.TOWNSHIP),
        ),
        role_units={
            Role.APPLICANT: "区教育局",
            Role.LEAD_OFFICE: "区行政审批政务服务与数据管理局",
            Role.MEMBER_REVIEWER: "区委网信办",
            Role.EXPERT: None,
            Role.LEADERSHIP: "区人民政府办公室",
            Role.SYSTEM_ADMIN: "区行政审批政务服务与数据管理局",
            Role.SECURITY_ADMIN: "区行政审批政务服务与数据管理局",
            Role.AUDIT_ADMIN: "区行政审批政务服务与数据管理局",
        },
    ),
    DemoJurisdiction(
        prefix="bz",
        code="511900",
        name="四川省巴中市",
        short="巴中市",
        level=JurisdictionLevel.CITY,
        pack_id="bazhong-2022",
        units=(
            ("市政务服务和大数据管理局", K.LEAD_OFFICE),
            ("市委网信办", K.NETSEC),
            ("市委保密机要局", K.SECRECY_CRYPTO),
            ("市经济和信息化局", K.ECONOMY_IT),
            ("市发展改革委", K.DEVELOPMENT_REFORM),
            ("市财政局", K.FINANCE),
            ("市公安局", K.POLICE),
            ("市审计局", K.AUDIT),
            ("市人民政府办公室", K.GOVERNMENT),
            ("市卫生健康委员会", K.CONSTRUCTION_DEPARTMENT),
            ("市教育局", K.CONSTRUCTION_DEPARTMENT),
            ("市自然资源和规划局", K.CONSTRUCTION_DEPARTMENT),
            ("巴州区江北街道办事处", K.TOWNSHIP),
        ),
        role_units={
            Role.APPLICANT: "市卫生健康委员会",
            Role.LEAD_OFFICE: "市政务服务和大数据管理局",
            Role.MEMBER_REVIEWER: "市发展改革委",
            Role.EXPERT: None,
            Role.LEADERSHIP: "市人民政府办公室",
            Role.SYSTEM_ADMIN: "市政务服务和大数据管理局",
            Role.SECURITY_ADMIN: "市政务服务和大数据管理局",
            Role.AUDIT_ADMIN: "市政务服务和大数据管理局",
        },
    ),
    DemoJurisdiction(
        prefix="tz",
        code="320612",
        name="南通市通州区",
        short="通州区",
        level=JurisdictionLevel.DISTRICT,
        pack_id="tongzhou-2023",
        units=(
            ("区区域社会治理现代化指挥中心", K.LEAD_OFFICE),
            ("区委网信办", K.NETSEC),
            ("区财政局", K.FINANCE),
            ("区审计局", K.AUDIT),
            ("区行政审批局", K.APPROVAL_BUREAU),
            ("区国家保密局", K.SECRECY_CRYPTO),
            ("区公安局", K.POLICE),
            ("区档案局", K.ARCHIVES),
            ("区政府办公室", K.GOVERNMENT),
            ("区教育体育局", K.CONSTRUCTION_DEPARTMENT),
            ("区民政局", K.CONSTRUCTION_DEPARTMENT),
            ("区卫生健康委员会", K.CONSTRUCTION_DEPARTMENT),
            ("金沙街道办事处", K.TOWNSHIP),
        ),
        role_units={
            Role.APPLICANT: "区民政局",
            Role.LEAD_OFFICE: "区区域社会治理现代化指挥中心",
            Role.MEMBER_REVIEWER: "区财政局",
            Role.EXPERT: None,
            Role.LEADERSHIP: "区政府办公室",
            Role.SYSTEM_ADMIN: "区区域社会治理现代化指挥中心",
            Role.SECURITY_ADMIN: "区区域社会治理现代化指挥中心",
            Role.AUDIT_ADMIN: "区区域社会治理现代化指挥中心",
        },
    ),
    DemoJurisdiction(
        prefix="cj",
        code="652300",
        name="新疆昌吉回族自治州",
        short="昌吉州",
        level=JurisdictionLevel.PREFECTURE,
        pack_id="changji-2025",
        units=(
            ("州数字化发展局", K.LEAD_OFFICE),
            ("州党委机要保密局", K.SECRECY_CRYPTO),
            ("州公安局", K.POLICE),
            ("州发改委", K.DEVELOPMENT_REFORM),
            ("州财政局", K.FINANCE),
            ("州人民政府办公室", K.GOVERNMENT),
            ("州自然资源局", K.CONSTRUCTION_DEPARTMENT),
            ("州教育局", K.CONSTRUCTION_DEPARTMENT),
            ("州卫生健康委员会", K.CONSTRUCTION_DEPARTMENT),
            ("昌吉市宁边路街道办事处", K.TOWNSHIP),
        ),
        role_units={
            Role.APPLICANT: "州自然资源局",
            Role.LEAD_OFFICE: "州数字化发展局",
            Role.MEMBER_REVIEWER: "州党委机要保密局",
            Role.EXPERT: None,
            Role.LEADERSHIP: "州人民政府办公室",
            Role.SYSTEM_ADMIN: "州数字化发展局",
            Role.SECURITY_ADMIN: "州数字化发展局",
            Role.AUDIT_ADMIN: "州数字化发展局",
        },
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    jurisdiction: str
    role: str
    role_label: str
    username: str
    password: str
    unit: str


def _demo_title(spec: DemoJurisdiction, role: str) -> str:
    """昆都仑区政数局, 昌吉州数字化发展局: the lead office named as its regulation names it."""
    from govit.policy.vocabulary import term

    if role != Role.LEAD_OFFICE:
        return f"{spec.short}{Role(role).label}"
    word = term(spec.pack_id, role, Role(role).label)
    return f"{spec.short[:-1]}{word}" if word[:1] == spec.short[-1:] else f"{spec.short}{word}"


def demo_username(prefix: str, role: str) -> str:
    return f"{prefix}_{role}"


def demo_logins() -> list[DemoLogin]:
    """Every demo account, in display order (jurisdiction, then role)."""
    return [
        DemoLogin(
            jurisdiction=j.name,
            role=role,
            role_label=Role(role).label,
            username=demo_username(j.prefix, role),
            password=DEMO_PASSWORD,
            unit=j.role_units[role] or "（无，外聘专家）",
        )
        for j in DEMO_JURISDICTIONS
        for role in Role.values
    ]


def demo_usernames() -> set[str]:
    """Usernames of the built-in demo accounts (refused at sign-in in production)."""
    return {d.username for d in demo_logins()}


def format_demo_logins() -> str:
    """The demo logins as a plain-text table for the terminal."""
    rows = [("行政区域", "角色", "用户名", "密码", "单位")]
    rows += [(d.jurisdiction, d.role_label, d.username, d.password, d.unit) for d in demo_logins()]

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def load_core_demo(*, stdout: TextIO) -> None:
    """Jurisdictions, units, one user per role per jurisdiction. Idempotent."""
    # One hash for all demo users: hashing 32 passwords at production cost would take ~15 s.
    password_hash: str | None = None
    created_users = 0
    with transaction.atomic():
        for spec in DEMO_JURISDICTIONS:
            jurisdiction, _ = Jurisdiction.objects.update_or_create(
                code=spec.code,
                defaults={"name": spec.name, "level": spec.level, "pack_ids": [spec.pack_id]},
            )
            units = {}
            for unit_name, kind in spec.units:
                units[unit_name], _ = Unit.objects.update_or_create(
                    jurisdiction=jurisdiction, name=unit_name, defaults={"kind": kind}
                )
            for role in Role.values:
                username = demo_username(spec.prefix, role)
                user = User.objects.filter(username=username).first()
                if user is None:
                    password_hash = password_hash or make_password(DEMO_PASSWORD)
                    user = User.objects.create(
                        username=username,
                        full_name=f"{_demo_title(spec, role)}（演示）",
                        password=password_hash,
                    )
                    created_users += 1
                unit_name = spec.role_units[role]
                if role in otp_required_roles():
                    ensure_demo_totp_device(user)
                # Through the service, so the grant lands in the role ledger (`govit roles verify`).
                # Demo administrators count as confirmed: they hold the public demo TOTP device.
                role_assign(
                    user=user,
                    role=role,
                    jurisdiction=jurisdiction,
                    unit=units[unit_name] if unit_name else None,
                    actor=None,
                    actor_name="govit demo",
                    holder_confirmed=True,
                )
        if created_users:
            audit_record(
                actor=None,
                actor_name="govit demo",
                action="demo.load",
                details={
                    "jurisdictions": [j.code for j in DEMO_JURISDICTIONS],
                    "users_created": created_users,
                },
            )
    stdout.write(f"演示数据：{len(DEMO_JURISDICTIONS)} 个行政区域，新建用户 {created_users} 个。\n")


def demo_otp_notice() -> str:
    """How to pass the TOTP step as a demo user of a mandatory role (printed by `govit demo`)."""
    from govit.core.otp import DEMO_TOTP_SECRET, otp_required_roles, otp_skipped

    roles = "、".join(Role(r).label for r in Role.values if r in otp_required_roles())
    if otp_skipped():
        return f"\n动态口令：当前已设置 GOVIT_DEMO_SKIP_OTP=1，{roles}登录时跳过动态口令。"
    return (
        f"\n动态口令：{roles}登录时还需输入 6 位动态口令。演示账号已绑定公开的演示密钥 {DEMO_TOTP_SECRET}，"
        "可将其添加到手机验证器（Google Authenticator、Microsoft Authenticator 等），"
        "或运行 `govit otp code <用户名>` 获取当前动态口令。"
    )
