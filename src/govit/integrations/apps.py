from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "govit.integrations"
    label = "integrations"
    verbose_name = "系统对接"

    def ready(self) -> None:
        from govit.core.audit_actions import register_audit_action
        from govit.core.keyrotation import register_key_rotator
        from govit.core.models import Role
        from govit.integrations.webhooks import rotate_webhook_keys
        from govit.web.navigation import register_nav_item

        register_nav_item(label="系统对接", url_name="integrations:webhooks", roles={Role.LEAD_OFFICE}, order=300)
        for code, label in {
            "webhook.create": "新增事件推送订阅",
            "webhook.disable": "停用事件推送订阅",
            "webhook.redeliver": "重新投递事件",
        }.items():
            register_audit_action(code, label)
        register_key_rotator("webhooks", rotate_webhook_keys)
