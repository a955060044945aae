"""App config for govit.core: wires login auditing and the built-in demo loader."""

from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govit.core"
    label = "core"
    verbose_name = "基础数据与安全"

    def ready(self) -> None:
        import govit.celery  # noqa: F401  (binds @shared_task to the govit Celery app)
        from govit.core import auth_audit, checks, credentials, demo  # noqa: F401  (checks register themselves)

        auth_audit.connect()
        credentials.connect()
        demo.register_demo_loader(demo.load_core_demo, order=0)
