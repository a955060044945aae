from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "govit.planning"
    label = "planning"
    verbose_name = "年度计划"

    def ready(self) -> None:
        from govit.core.models import Role
        from govit.web.navigation import register_nav_item

        register_nav_item(label="年度计划", url_name="planning:list", roles={Role.LEAD_OFFICE, Role.LEADERSHIP},
                          order=20)
