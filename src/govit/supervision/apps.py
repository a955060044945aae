from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "govit.supervision"
    label = "supervision"
    verbose_name = "监督管理"

    def ready(self) -> None:
        from govit.core.audit_actions import register_audit_action
        from govit.core.demo import register_demo_loader
        from govit.core.models import Role
        from govit.supervision.demo import load_supervision_demo
        from govit.web.navigation import register_nav_item

        register_demo_loader(load_supervision_demo, order=900)
        register_nav_item(label="监督管理", url_name="supervision:dashboard",
                          roles={Role.LEAD_OFFICE, Role.LEADERSHIP}, order=60)
        for code, label in {
            "supervision.sweep": "督办扫描",
            "supervision.sanction": "认定单位限制",
            "supervision.sanction_lift": "解除单位限制",
            "project.rectification.issue": "下达整改通知",
            "project.rectification.escalate": "整改逾期升级处理",
            "project.rectification.close": "整改销号",
        }.items():
            register_audit_action(code, label)
