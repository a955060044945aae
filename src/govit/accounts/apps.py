"""App config for govit.accounts: navigation entries of the security pages."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "govit.accounts"
    label = "accounts"
    verbose_name = "账号与安全"

    def ready(self) -> None:
        from govit.core.models import Role
        from govit.web.navigation import register_nav_item

        register_nav_item(label="角色授权", url_name="accounts:roles", roles={Role.SECURITY_ADMIN}, order=600)
        register_nav_item(label="用户管理", url_name="accounts:users", roles={Role.SYSTEM_ADMIN}, order=600)
        register_nav_item(label="单位与账号", url_name="accounts:units", roles={Role.SYSTEM_ADMIN}, order=605)
        register_nav_item(label="审计日志", url_name="accounts:audit", roles={Role.AUDIT_ADMIN}, order=600)
