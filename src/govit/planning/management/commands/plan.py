"""`govit plan propose --jurisdiction CODE --year YYYY --budget WAN [--weight KEY=N] [--pin ID] [--drop ID]`.

The annual plan proposal (cli-contract.md): every reserve-pool candidate of the year once, in
`selected` or `excluded`, with its score and reasons; no writes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from govit.analysis.management.commands._output import add_format, dump, fail, jurisdiction_or_fail


class Command(BaseCommand):
    help = "年度计划。propose：按政策包优先级与预算提出年度拟建计划建议（精确求解，不写入）。"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{propose}")
        propose = sub.add_parser("propose", help="年度拟建计划建议方案")
        propose.add_argument("--jurisdiction", required=True, help="行政区划代码，例如 320612")
        propose.add_argument("--year", required=True, help="计划年度，例如 2027")
        propose.add_argument("--budget", required=True, help="专项资金预算（万元）")
        propose.add_argument("--weight", action="append", default=[], metavar="KEY=N",
                             help="评分项权重，例如 urgent=2（可重复）")
        propose.add_argument("--pin", action="append", default=[], metavar="ID", help="确定列入的项目编号（可重复）")
        propose.add_argument("--drop", action="append", default=[], metavar="ID", help="不列入的项目编号（可重复）")
        add_format(propose)

    def handle(self, *args: Any, **options: Any) -> None:
        from govit.planning.proposal.service import propose
        from govit.projects.errors import DomainError

        jurisdiction = jurisdiction_or_fail(self, options, options["jurisdiction"])
        try:
            year = int(str(options["year"]).strip())
        except ValueError:
            fail(self, options, f"--year：“{options['year']}”不是年度（例如 2027）。")
        try:
            budget = float(str(options["budget"]).strip())
        except ValueError:
            fail(self, options, f"--budget：“{options['budget']}”不是金额（万元，例如 1200）。")
        weights: dict[str, str] = {}
        for pair in options["weight"]:
            key, sep, value = pair.partition("=")
            if not sep:
                fail(self, options, f"--weight：“{pair}”应写成 评分项=权重，例如 urgent=2。")
            weights[key.strip()] = value.strip()
        ids: dict[str, set[int]] = {}
        for name in ("pin", "drop"):
            try:
                ids[name] = {int(v) for v in options[name]}
            except ValueError:
                fail(self, options, f"--{name}：项目编号须为整数。")
        try:
            answer = propose(jurisdiction=jurisdiction, year=year, budget_wan=budget, weights=weights,
                             pinned=ids["pin"], dropped=ids["drop"])
        except DomainError as exc:
            fail(self, options, exc.message)
        if options["format"] == "json":
            self.stdout.write(dump(answer))
            return
        self.stdout.write(_text(answer))


def _text(answer: dict[str, Any]) -> str:
    proven = "最优解" if answer["optimal"] else "未证明最优"
    lines = [f"预算 {answer['budget_wan']:g} 万元，列入 {len(answer['selected'])} 项，"
             f"合计 {answer['total_wan']:g} 万元，总得分 {answer['total_score']:g}（{proven}，{answer['solver']}）。",
             "列入："]
    lines += [f"  {r['project']}（{r['unit_name']}）{r['amount_wan']:g} 万元，得分 {r['score']:g}："
              f"{'；'.join(r['reasons'])}" for r in answer["selected"]]
    lines.append("未列入：")
    lines += [f"  {r['project']}（{r['unit_name']}）{r['amount_wan']:g} 万元，得分 {r['score']:g}：{r['reason']}"
              for r in answer["excluded"]]
    for s in answer.get("sensitivity", []):
        lines.append(f"预算 {s['change']}（{s['budget_wan']:g} 万元）：总得分 {s['total_score']:g}；"
                     f"增加 {'、'.join(s['added']) or '无'}；减少 {'、'.join(s['removed']) or '无'}")
    return "\n".join(lines) + "\n"
