"""`govit serve`: print the demo logins, then run the development server on 127.0.0.1:8000."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from govit.core.demo import format_demo_logins


class Command(BaseCommand):
    help = "打印演示账号并在 http://127.0.0.1:8000 启动开发服务器。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true", help="不自动重新加载代码。")

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["addrport"]
        if os.environ.get("RUN_MAIN") != "true":  # the autoreloader's child process stays quiet
            self.stdout.write(f"\ngovit 已就绪：请在浏览器打开 http://{host}/\n")
            self.stdout.write("演示账号（所有账号密码相同）：\n")
            self.stdout.write(format_demo_logins() + "\n\n")
        call_command("runserver", host, use_reloader=not options["noreload"])
