from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "govit.notifications"
    label = "notifications"
    verbose_name = "通知"
