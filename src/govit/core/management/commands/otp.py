"""`govit otp code|reset`: the demo TOTP code of a demo account; reset a user's TOTP devices."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govit.core import otp
from govit.core.models import User


class Command(BaseCommand):
    help = "动态口令工具：code 显示演示账号当前的动态口令（仅限使用公开演示密钥的设备）；reset 重置用户的动态口令设备。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{code,reset}")
        sub.add_parser("code", help="演示账号当前的动态口令").add_argument("username")
        sub.add_parser("reset", help="删除用户的动态口令设备（记入审计日志）").add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("用户不存在。")
        if options["subcommand"] == "code":
            device = otp.confirmed_device(user)
            if device is None or not otp.is_demo_device(device):
                raise CommandError("该账号没有使用公开演示密钥的动态口令设备：只有演示账号可以这样取得动态口令。")
            self.stdout.write(otp.current_code(device))
        else:
            count = otp.otp_reset(user=user, actor=None)
            self.stdout.write(f"已删除 {count} 个动态口令设备，{user.username} 下次登录时需重新绑定。")
