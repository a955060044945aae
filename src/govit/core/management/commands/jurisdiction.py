"""`govit jurisdiction import FILE.yaml [--dry-run] [--format json]`: onboard a jurisdiction (cli-contract.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError

from govit.core.onboarding import OnboardingError, jurisdiction_import
from govit.policy import PackError

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "导入行政区域：适用政策包、单位和账号（可重复导入，结果相同）。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import}")
        imp = sub.add_parser("import", help="从 YAML 文件导入行政区域、单位和账号")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        imp.add_argument("--format", choices=("text", "json"), default="text")

    def _fail(self, options: dict[str, Any], message: str, errors: list[dict[str, str]]) -> None:
        if options["format"] == "json":
            self.stdout.write(json.dumps({"created": 0, "updated": 0, "unchanged": 0, "errors": errors,
                                         "error": message}, ensure_ascii=False, indent=2))
        raise CommandError(message, returncode=EXIT_BAD_INPUT)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._fail(options, f"找不到文件 {path}", [{"field": "(文件)", "message": f"找不到文件 {path}"}])
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            message = f"文件 {path} 不是有效的 YAML：{str(exc)[:300]}"
            self._fail(options, message, [{"field": "(文件)", "message": message}])
        try:
            report = jurisdiction_import(data, actor=None, dry_run=options["dry_run"])
        except OnboardingError as exc:
            lines = "\n".join(f"  {e['field']}：{e['message']}" for e in exc.errors)
            self._fail(options, f"文件 {path} 有 {len(exc.errors)} 处错误，未导入任何内容：\n{lines}", exc.errors)
        except PackError as exc:
            self._fail(options, f"政策包错误：{exc}", [{"field": "packs", "message": str(exc)}])
        result = report.to_json()
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        prefix = "（试运行，未写入）" if options["dry_run"] else ""
        self.stdout.write(f"{prefix}新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}。")
        for change in report.changes:
            self.stdout.write(f"  {change['object']} {change['name']}：{change['outcome']}")
