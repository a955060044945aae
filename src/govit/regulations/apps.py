"""App config for govit.regulations: registers its navigation entries."""

from django.apps import AppConfig


class RegulationsConfig(AppConfig):
    name = "govit.regulations"
    label = "regulations"
    verbose_name = "政策包"

    def ready(self) -> None:
        from govit.core.models import Role
        from govit.web.navigation import ALL_ROLES, register_nav_item

        # 三员分立: the three administrators do not work on projects, so they get no policy pages.
        roles = ALL_ROLES - {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
        register_nav_item(label="政策包", url_name="regulations:pack-list", roles=roles, order=300)
        register_nav_item(label="办法对比", url_name="regulations:compare", roles=roles, order=310)
        register_nav_item(label="预检", url_name="regulations:precheck", roles=roles, order=320)
