from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "govit.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from govit.core.audit_actions import register_audit_action
        from govit.core.models import Role
        from govit.notifications.selectors import unread_notice_count
        from govit.web.navigation import register_nav_item

        register_nav_item(label="通知公告", url_name="notifications:notices",
                          roles={Role.APPLICANT, Role.LEAD_OFFICE, Role.MEMBER_REVIEWER}, order=50,
                          count=unread_notice_count)
        for code, label in (("notice.publish", "发布通知公告"), ("notice.withdraw", "撤回通知公告"),
                            ("notice.restore", "恢复发布通知公告"), ("notification.read_all", "通知全部标为已读")):
            register_audit_action(code, label)

        from govit.core.demo import register_demo_loader
        from govit.notifications.demo import load_notices_demo

        register_demo_loader(load_notices_demo, order=900)
