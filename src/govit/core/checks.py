"""System checks for the security settings (run by `govit check`, `check --deploy` and at start-up)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_AUDIT_RETENTION_DAYS = 180


@register(Tags.security)
def check_audit_retention(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    days = int(getattr(settings, "GOVIT_AUDIT_RETENTION_DAYS", 0))
    if days < MIN_AUDIT_RETENTION_DAYS:
        return [
            Error(
                f"GOVIT_AUDIT_RETENTION_DAYS={days}：审计日志保存期不得少于 {MIN_AUDIT_RETENTION_DAYS} 天"
                "（等保 2.0 三级 安全审计、《网络安全法》第二十一条）。",
                hint=f"Set GOVIT_AUDIT_RETENTION_DAYS to {MIN_AUDIT_RETENTION_DAYS} or more.",
                id="govit.E001",
            )
        ]
    return []


def enforce_at_startup() -> None:
    """Run by the WSGI/ASGI entry points (runserver runs the system checks itself): a server does not
    start with an audit retention below 180 days."""
    from django.core.exceptions import ImproperlyConfigured

    errors = check_audit_retention()
    if errors:
        raise ImproperlyConfigured(errors[0].msg)


@register(Tags.security)
def check_key_files(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Key files outside the data directory and readable by their owner only (0600)."""
    from pathlib import Path

    from govit.core import crypto

    problems: list[Warning] = []
    data_dirs = [Path(str(d)).resolve() for d in (getattr(settings, "VAR_DIR", None),
                                                  getattr(settings, "MEDIA_ROOT", None)) if d]
    for path in (crypto.key_file_path(), crypto.sm4_keyring_path()):
        if not path.exists():
            continue
        resolved = path.resolve()
        if any(resolved.is_relative_to(d) for d in data_dirs):
            problems.append(Warning(
                f"密钥文件 {path} 位于数据目录内：备份或拷走数据目录即同时带走密钥。",
                hint="Move the key files to GOVIT_KEY_DIR (default ~/.config/govit/keys) outside GOVIT_VAR_DIR.",
                id="govit.W010"))
        if path.stat().st_mode & 0o077:
            problems.append(Warning(
                f"密钥文件 {path} 的权限为 {oct(path.stat().st_mode & 0o777)}，应为 0600（仅属主可读写）。",
                hint=f"chmod 600 {path}", id="govit.W011"))
    return problems


@register(Tags.security)
def check_password_policy(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    policy = getattr(settings, "GOVIT_PASSWORD_POLICY", "dengbao")
    if policy not in ("dengbao", "length"):
        return [Error(f"GOVIT_PASSWORD_POLICY={policy!r} 无效，应为 'dengbao' 或 'length'。", id="govit.E002")]
    return []


@register(Tags.security, deploy=True)
def check_second_factor(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if not settings.DEBUG and getattr(settings, "GOVIT_DEMO_SKIP_OTP", False) and not getattr(
        settings, "GOVIT_ALLOW_DEMO", False
    ):
        problems.append(Error("GOVIT_DEMO_SKIP_OTP 只用于开发演示，生产环境必须关闭。", id="govit.E003"))
    required = set(getattr(settings, "GOVIT_OTP_REQUIRED_ROLES", ()))
    missing = {"system_admin", "security_admin", "audit_admin"} - required
    if missing:
        problems.append(
            Warning(
                f"GOVIT_OTP_REQUIRED_ROLES 未包含 {sorted(missing)}：三员必须使用双因素鉴别。",
                id="govit.W001",
            )
        )
    return problems
