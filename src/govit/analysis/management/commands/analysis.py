"""`govit analysis check FILE.json | scan --jurisdiction CODE | index [--jurisdiction CODE] [--rebuild]`.

check: one application against everything stored (no writes); scan: every finding of a
jurisdiction, kept for the lead office to confirm or dismiss (audited); index: bring the
similarity index up to date (incremental; `--rebuild` segments everything again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from govit.analysis.management.commands._output import add_format, dump, fail, jurisdiction_or_fail


class Command(BaseCommand):
    help = ("重复建设与拆分分析。check FILE.json：比对一个申报项目；scan：比对本行政区域全部项目；"
            "index：更新相似度索引。")

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check,scan,index}")
        check = sub.add_parser("check", help="一个申报项目与已有系统、项目比对（不写入）")
        check.add_argument("file", type=Path)
        add_format(check)
        scan = sub.add_parser("scan", help="比对行政区域内全部项目，保存结论供牵头部门认定")
        scan.add_argument("--jurisdiction", required=True, help="行政区划代码，例如 320612")
        add_format(scan)
        index = sub.add_parser("index", help="增量更新相似度索引")
        index.add_argument("--jurisdiction", help="只更新该行政区域（默认全部）")
        index.add_argument("--rebuild", action="store_true", help="全部重新分词建索引（词典修改后）")
        add_format(index)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _check(self, options: dict[str, Any]) -> None:
        from govit.analysis.checks import analysis_check
        from govit.projects.errors import InvalidInput

        path: Path = options["file"]
        if not path.is_file():
            fail(self, options, f"文件 {path} 不存在。")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(self, options, f"{path.name} 不是有效的 JSON（{exc}）。")
        if not isinstance(data, dict):
            fail(self, options, f"{path.name}：应为对象 {{\"jurisdiction\": \"320612\", \"project\": {{…}}}}。")
        if "jurisdiction" not in data:
            fail(self, options, f"{path.name}：缺少字段 jurisdiction（行政区划代码，例如 320612）。")
        jurisdiction = jurisdiction_or_fail(self, options, str(data.get("jurisdiction") or ""))
        if "project" not in data:
            fail(self, options, f"{path.name}：缺少字段 project。")
        try:
            result = analysis_check(jurisdiction=jurisdiction, project=data["project"])
        except InvalidInput as exc:
            fail(self, options, f"{path.name}：{exc.message}")
        if options["format"] == "json":
            self.stdout.write(dump(result))
            return
        self.stdout.write(_text(result))

    def _scan(self, options: dict[str, Any]) -> None:
        from govit.analysis.services import analysis_scan
        from govit.projects.errors import DomainError

        jurisdiction = jurisdiction_or_fail(self, options, options["jurisdiction"])
        try:
            run = analysis_scan(jurisdiction=jurisdiction, actor_name="govit analysis scan")
        except DomainError as exc:
            fail(self, options, exc.message)
        if options["format"] == "json":
            self.stdout.write(dump({"findings": run.findings, "created": run.created, "refreshed": run.refreshed,
                                    "inactive": run.inactive}))
            return
        self.stdout.write(f"{jurisdiction.name}：{len(run.findings)} 条结论（新增 {run.created}，"
                          f"更新 {run.refreshed}，不再检出 {run.inactive}）。\n" + _text({"findings": run.findings}))

    def _index(self, options: dict[str, Any]) -> None:
        from govit.analysis.indexing import index_sync
        from govit.core.models import Jurisdiction

        if options.get("jurisdiction"):
            jurisdictions = [jurisdiction_or_fail(self, options, options["jurisdiction"])]
        else:
            jurisdictions = list(Jurisdiction.objects.order_by("code"))
        counts = {j.code: index_sync(jurisdiction=j, rebuild=options["rebuild"]).as_dict() for j in jurisdictions}
        if options["format"] == "json":
            self.stdout.write(dump(counts))
            return
        for j in jurisdictions:
            c = counts[j.code]
            self.stdout.write(f"{j.name}：索引 {c['total']} 个系统和项目，"
                              f"本次更新 {c['indexed']}，移除 {c['removed']}。")


def _text(result: dict[str, Any]) -> str:
    lines = []
    for item in result.get("similar", []):
        lines.append(f"  相似 {item['score']:.2f} {item['unit_name']}「{item['name']}」")
    labels = {"block": "阻断", "warn": "提示", "info": "信息"}
    for f in result.get("findings", []):
        lines.append(f"  [{labels.get(f['severity'], f['severity'])}] {f['message']}")
    return "\n".join(lines) or "  未发现相似的系统或项目。"
