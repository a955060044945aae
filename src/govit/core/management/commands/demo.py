"""`govit demo`: load idempotent demo data (every registered loader) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from govit.core.demo import demo_otp_notice, format_demo_logins, run_demo_loaders


class Command(BaseCommand):
    help = "载入演示数据（可重复执行），并打印演示账号。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号表。")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "GOVIT_ALLOW_DEMO", False):
            raise CommandError("演示数据只能在开发或测试环境载入（GOVIT_ALLOW_DEMO），生产环境不得存在演示账号。")
        run_demo_loaders(stdout=self.stdout)
        if not options["quiet_logins"]:
            self.stdout.write("\n演示账号（所有账号密码相同）：\n")
            self.stdout.write(format_demo_logins() + "\n")
        self.stdout.write(demo_otp_notice() + "\n")
