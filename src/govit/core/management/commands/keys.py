"""`govit keys`: the SM4 key ring. status | add | rotate (re-encrypt every encrypted field)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govit.core import crypto
from govit.core.keyrotation import key_rotators


def _audit(sub: str, outcome: str, details: dict[str, Any]) -> None:
    """Every `govit keys` action is an audit entry (who ran it: the OS user; key ids, never keys)."""
    import getpass

    from govit.core.services import audit_record

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    audit_record(actor=None, actor_name=f"govit keys {sub}（操作系统用户 {who}）", action=f"keys.{sub}",
                 outcome=outcome, details=details)


class Command(BaseCommand):
    help = "SM4 密钥管理。status：查看密钥环；add：在密钥环文件中新增一把密钥；rotate：用最新密钥重新加密全部敏感字段。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{status,add,rotate}")
        sub.add_parser("status", help="查看密钥环（只显示密钥编号）")
        sub.add_parser("add", help="在密钥环文件中追加一把新密钥（之后运行 rotate）")
        sub.add_parser("rotate", help="用最新密钥重新加密全部敏感字段（可重复执行）")

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["subcommand"]
        try:
            getattr(self, f"_{sub}")()
        except crypto.KeyConfigurationError as exc:
            _audit(sub, "failure", {"error": str(exc)[:300]})
            raise CommandError(f"密钥配置错误：{exc}", returncode=2) from exc
        if sub != "rotate":  # each rotator writes its own keys.rotate entry
            _audit(sub, "success", {"current_key": crypto.current_sm4_key_id()})

    def _status(self) -> None:
        ring = crypto.sm4_keyring()
        ids = "、".join(key_id for key_id, _ in ring)
        self.stdout.write(f"密钥环共 {len(ring)} 把密钥：{ids}；当前加密密钥：{ring[-1][0]}。")

    def _add(self) -> None:
        key_id = crypto.sm4_keyring_add()
        self.stdout.write(
            f"已新增密钥 {key_id}（{crypto.sm4_keyring_path()}）。请备份该文件，然后运行 govit keys rotate。"
        )

    def _rotate(self) -> None:
        current = crypto.current_sm4_key_id()
        for name, rotator in key_rotators().items():
            result = rotator(actor_name="govit keys rotate")
            self.stdout.write(f"{name}：检查 {result.checked} 条，重新加密 {result.reencrypted} 条。")
        self.stdout.write(f"完成：全部敏感字段已使用密钥 {current} 加密。")
