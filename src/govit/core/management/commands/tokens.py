"""`govit tokens issue USERNAME --days N [--scope read|write] | revoke ID` (cli-contract.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from govit.core.models import ApiToken, User
from govit.core.services import TokenRefused, api_token_create, api_token_revoke


class Command(BaseCommand):
    help = (
        "接口令牌：issue 为用户签发 Bearer 令牌（只显示一次；须使用动态口令的账号要提供本人当前的动态口令）；"
        "revoke 吊销令牌。"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{issue,revoke}")
        issue = sub.add_parser("issue", help="签发令牌")
        issue.add_argument("username")
        issue.add_argument("--days", help="有效期天数（默认见 GOVIT_API_TOKEN_DAYS）")
        issue.add_argument("--scope", choices=["read", "write"], default="read", help="权限范围（默认 read 只读）")
        issue.add_argument("--name", default="系统对接", help="用途")
        issue.add_argument("--otp-code", help="账号本人当前的 6 位动态口令（须使用动态口令的账号必填）")
        issue.add_argument("--format", choices=["text", "json"], default="text")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id")
        revoke.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _issue(self, options: dict[str, Any]) -> None:
        from govit.core import otp
        from govit.core.services import api_token_max_days

        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在。", returncode=2)
        days = None
        if options.get("days") not in (None, ""):
            try:
                days = int(options["days"])
            except ValueError:
                raise CommandError(f"--days 应为整数，收到“{options['days']}”。", returncode=2) from None
            if not 1 <= days <= api_token_max_days():
                raise CommandError(f"--days 应为 1–{api_token_max_days()} 的整数，收到“{days}”。", returncode=2)
        verified = False
        code = (options.get("otp_code") or "").strip()
        if code:
            device = otp.confirmed_device(user)
            allowed = device is not None and device.verify_is_allowed()[0]
            verified = bool(allowed and device.verify_token(code))
            if not verified:
                raise CommandError("--otp-code：动态口令不正确、已使用或该账号未绑定动态口令。", returncode=2)
        try:
            token, raw = api_token_create(user=user, name=options.get("name") or "系统对接", actor=None, days=days,
                                          scope=options["scope"], second_factor_verified=verified)
        except TokenRefused as exc:
            raise CommandError(f"未签发：{exc}", returncode=2) from exc
        expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
        if options["format"] == "json":
            self.stdout.write(json.dumps({"id": token.pk, "token": raw, "user": user.username, "scope": token.scope,
                                          "expires_at": token.expires_at.isoformat()}, ensure_ascii=False))
            return
        self.stdout.write(f"令牌（只显示这一次，请立即保存）：{raw}\n编号 {token.pk}，用户 {user.username}，"
                          f"范围 {token.get_scope_display()}，有效期至 {expires}。")

    def _revoke(self, options: dict[str, Any]) -> None:
        try:
            token = ApiToken.objects.get(pk=int(options["id"]))
        except (ValueError, ApiToken.DoesNotExist):
            raise CommandError(f"令牌编号 {options['id']} 不存在。", returncode=2) from None
        api_token_revoke(token=token, actor=None)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"id": token.pk, "revoked": True}))
        else:
            self.stdout.write(f"已吊销令牌 {token.pk}（{token.prefix}…）。")
