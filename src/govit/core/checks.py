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
