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
        _forget_roles_on_change()
        credentials.connect()
        demo.register_demo_loader(demo.load_core_demo, order=0)


def _forget_roles_on_change() -> None:
    """A granted or revoked role is seen by the rest of the request that changed it."""
    from django.db.models.signals import post_delete, post_save

    from govit.core.models import RoleAssignment
    from govit.core.selectors import forget_roles

    def forget(**_: object) -> None:
        forget_roles()

    post_save.connect(forget, sender=RoleAssignment, weak=False, dispatch_uid="govit_forget_roles_save")
    post_delete.connect(forget, sender=RoleAssignment, weak=False, dispatch_uid="govit_forget_roles_delete")
