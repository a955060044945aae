"""`govit documents check FILE.docx --pack PACK --kind proposal|feasibility_study [--format json]`.

The outline check of a 项目建议书 / 可行性研究报告 against the pack's annex (通州 附件2 / 附件3), the
same answer the upload gives on the material. A file that is not a readable DOCX: exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from govit.analysis.management.commands._output import add_format, dump, fail


class Command(BaseCommand):
    help = "文档检查。check FILE.docx：项目建议书、可行性研究报告与政策包提纲（附件）比对。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check}")
        check = sub.add_parser("check", help="建议书、可研与提纲比对")
        check.add_argument("file", type=Path)
        check.add_argument("--pack", required=True, help="政策包，例如 tongzhou-2023")
        check.add_argument("--kind", required=True, help="proposal（项目建议书）或 feasibility_study（可行性研究报告）")
        add_format(check)

    def handle(self, *args: Any, **options: Any) -> None:
        from govit import policy
        from govit.projects.outline_check import DocumentUnreadable, check_document

        path: Path = options["file"]
        if options["kind"] not in ("proposal", "feasibility_study"):
            fail(self, options, f"--kind：“{options['kind']}”无效，应为 proposal（项目建议书）或 "
                                "feasibility_study（可行性研究报告）。")
        try:
            pack = policy.load_pack(options["pack"])
        except Exception:
            fail(self, options, f"--pack：没有政策包“{options['pack']}”。已有：{'、'.join(policy.pack_ids())}。")
        if not path.is_file():
            fail(self, options, f"文件 {path} 不存在。")
        try:
            result = check_document(path.read_bytes(), pack.data, options["kind"], filename=path.name)
        except DocumentUnreadable as exc:
            fail(self, options, str(exc))
        if result is None:
            result = {"outline": None, "present": [], "missing": [], "optional_missing": [], "sharing_chapter": None,
                      "note": f"《{pack.title}》未规定该类文档的提纲，不作检查。"}
        if options["format"] == "json":
            self.stdout.write(dump(result))
            return
        self.stdout.write(_text(result))


def _text(result: dict[str, Any]) -> str:
    if result.get("note"):
        return result["note"] + "\n"
    lines = [f"{result['outline']}《{result['title']}》：具备 {len(result['present'])} 项，缺少必备 "
             f"{len(result['missing'])} 项，缺少可选（*）{len(result['optional_missing'])} 项。"]
    lines += [f"  缺少（必备）：{m['title']}" for m in result["missing"]]
    lines += [f"  缺少（可选*）：{t}" for t in result["optional_missing"]]
    if result.get("sharing_chapter") is not None:
        lines.append(f"信息资源共享分析篇（章）：{'有' if result['sharing_chapter'] else '无'}")
    return "\n".join(lines) + "\n"
