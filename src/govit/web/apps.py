"""App config for govit.web."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "govit.web"
    label = "web"
    verbose_name = "网页界面"
