"""`flush`, guarded: the audit log and role ledger are append-only at the database level.

Where `GOVIT_ALLOW_FLUSH` is on (test and dev settings: test databases are flushed between
transactional tests) the guards are lifted for the flush and re-installed afterwards. Elsewhere the
database refuses, and this says so in Chinese instead of a traceback.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from govit.core import dbguard


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if getattr(settings, "GOVIT_ALLOW_FLUSH", False):
            with dbguard.suspended(connection):
                super().handle(**options)
            return
        try:
            super().handle(**options)
        except (DatabaseError, CommandError) as exc:
            raise CommandError(
                "数据库拒绝清空：审计日志和角色授权台账只能追加，不能删除或截断（等保 安全审计）。"
                f"（{exc}）"
            ) from exc
