"""`govit evaluate` and `govit packs`: the policy engine from the command line (no Django needed)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Chinese with exit code 2 (no traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"参数错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _print(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field} 应为日期，格式 YYYY-MM-DD（收到 {text!r}）") from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from govit.policy import FactsError, PackError, evaluate_facts, pack_ids, parse_input

    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        return _fail(f"找不到文件 {args.file}")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"无法读取文件 {args.file}：{exc}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _fail(f"文件 {args.file} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）")
    try:
        if isinstance(data, dict) and "as_of" in data and isinstance(data["as_of"], str):
            _parse_date(data["as_of"], "字段 as_of")
        facts = parse_input(data)
        as_of = _parse_date(args.as_of, "参数 --as-of") if args.as_of else None
    except (FactsError, ValueError) as exc:
        return _fail(str(exc))
    if args.all_packs:
        try:
            ids = pack_ids()
        except PackError as exc:
            return _fail(str(exc))
        results = []
        for pack_id in ids:
            try:
                results.append(evaluate_facts(facts, pack_id, as_of).to_json())
            except (PackError, FactsError) as exc:
                # One broken pack or one bad pack-declared fact does not hide the other packs' answers.
                results.append({"pack": {"id": pack_id}, "error": str(exc)})
        _print(results)
        return 0
    pack_id = args.pack or facts.pack
    if not pack_id:
        return _fail(f"缺少字段 pack：请在输入中写明 pack，或使用 --pack（可用：{', '.join(pack_ids())}）")
    try:
        result = evaluate_facts(facts, pack_id, as_of)
    except PackError as exc:
        return _fail(f"字段 pack：{exc}" if "未知的政策包" in str(exc) else str(exc))
    except FactsError as exc:
        return _fail(str(exc))
    _print(result.to_json())
    return 0


def _pack_summary(pack: Any, today: date) -> dict[str, Any]:
    status = pack.status(today)
    until = pack.valid_until
    return {
        "id": pack.id, "title": pack.title, "doc_number": pack.doc_number or "文号未知",
        "jurisdiction": pack.data["jurisdiction"]["name"], "status": status,
        "valid_from": pack.valid_from.isoformat() if pack.valid_from else None,
        "valid_until": until.isoformat() if until else None,
        "days_left": (until - today).days if until and status == "in_force" else None,
        "articles": len(pack.articles), "rules": len(pack.data.get("rules", [])), "digest": pack.digest,
        "text_complete": pack.text_complete, "missing_articles": pack.missing_articles,
    }


STATUS_CN = {"in_force": "有效", "expired": "已失效", "not_yet_in_force": "尚未施行"}


def cmd_packs(args: argparse.Namespace) -> int:
    from govit.policy import PackError, load_pack, pack_ids
    from govit.policy.coverage import coverage

    today = _parse_date(args.as_of, "参数 --as-of") if getattr(args, "as_of", None) else date.today()
    try:
        if args.packs_cmd == "list":
            rows = [_pack_summary(load_pack(pid), today) for pid in pack_ids()]
            if args.json:
                _print(rows)
            else:
                for row in rows:
                    left = f"，剩余 {row['days_left']} 天" if row["days_left"] is not None else ""
                    until = row["valid_until"] or "长期"
                    since = row["valid_from"] or "施行日期未知"
                    print(f"{row['id']:<16} {STATUS_CN[row['status']]}{left}  {since} 至 {until}  "
                          f"{row['title']}（{row['doc_number']}）  {row['articles']} 条")
            return 0
        if args.packs_cmd == "show":
            pack = load_pack(args.id)
            data = dict(pack.data)
            data["digest"] = pack.digest
            data["status"] = pack.status(today)
            _print(data)
            return 0
        if args.packs_cmd == "coverage":
            pack = load_pack(args.id)
            rows = coverage(pack)
            unclassified = [r.number for r in rows if not r.classified]
            for row in rows:
                what = ", ".join(row.encoded_by)
                if row.todo:
                    what = "TODO (principle: 待编写)"
                elif row.principle:
                    what = (what + "; " if what else "") + f"principle: {row.principle}"
                print(f"第{row.number}条\t{what or 'UNCLASSIFIED'}")
            total = len(rows)
            print(f"{pack.id}: {total - len(unclassified)}/{total} articles classified "
                  f"({100 * (total - len(unclassified)) // total}%)")
            if not pack.text_complete:
                missing = ", ".join(map(str, pack.missing_articles)) or "unspecified"
                print(f"{pack.id}: text incomplete (文本不完整), missing articles: {missing}")
            if unclassified:
                print(f"unclassified: {', '.join(map(str, unclassified))}", file=sys.stderr)
                return 1
            return 0
        if args.packs_cmd == "diff":
            _print(diff_packs(load_pack(args.a), load_pack(args.b)))
            return 0
        if args.packs_cmd == "new":
            return _new_pack(args)
        if args.packs_cmd == "extract-articles":
            from govit.policy.articles import articles_yaml

            sys.stdout.write(articles_yaml(Path(args.file).read_text(encoding="utf-8")))
            return 0
    except PackError as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(f"找不到文件 {exc.filename}")
    return _fail("未知的子命令")


def _new_pack(args: argparse.Namespace) -> int:
    import os

    from govit.policy.loader import EXTRA_PACKS_ENV, load_pack_folder, pack_ids
    from govit.policy.scaffold import write_pack

    extra = [p for p in os.environ.get(EXTRA_PACKS_ENV, "").split(os.pathsep) if p]
    if not args.into and not extra:
        return _fail(f"请用 --into 指定放新政策包的文件夹，或设置 {EXTRA_PACKS_ENV}")
    if args.id in pack_ids():
        return _fail(f"政策包 {args.id} 已存在，请另取 ID")
    folder = write_pack(args.id, Path(args.source), Path(args.into or extra[0]))
    pack = load_pack_folder(folder)
    print(f"已生成 {folder}：{len(pack.articles)} 条，均为“待编写”。用 govit packs coverage {args.id} 查看进度。")
    if args.into and str(Path(args.into)) not in {str(Path(p)) for p in extra}:
        print(f"提示：将 {args.into} 加入环境变量 {EXTRA_PACKS_ENV} 后平台才能使用此政策包。", file=sys.stderr)
    return 0


def diff_packs(a: Any, b: Any) -> dict[str, Any]:
    """Parameters, rules and determinations that differ between two packs."""
    from govit.policy.matrix import comparable

    params_a, params_b = a.parameters, b.parameters
    return {
        "packs": [a.id, b.id],
        "parameters": {
            key: {a.id: _param(params_a.get(key)), b.id: _param(params_b.get(key))}
            for key in sorted(set(params_a) | set(params_b))
            if _param(params_a.get(key)) != _param(params_b.get(key))
        },
        "key_parameters": comparable([a, b]),
        "rules_only_in": {
            a.id: sorted({r["id"] for r in a.data.get("rules", [])} - {r["id"] for r in b.data.get("rules", [])}),
            b.id: sorted({r["id"] for r in b.data.get("rules", [])} - {r["id"] for r in a.data.get("rules", [])}),
        },
        "determinations_only_in": {
            a.id: sorted(set(a.data.get("determinations", {})) - set(b.data.get("determinations", {}))),
            b.id: sorted(set(b.data.get("determinations", {})) - set(a.data.get("determinations", {}))),
        },
        "stages": {a.id: [s["stage"] for s in a.data.get("stages", [])],
                   b.id: [s["stage"] for s in b.data.get("stages", [])]},
    }


def _param(param: dict[str, Any] | None) -> Any:
    if param is None:
        return None
    return {"value": param["value"], "term": param.get("term"), "citation": param.get("citation")}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="govit", description="govit 政策包与预检命令")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ev = sub.add_parser("evaluate", help="按政策包评估项目事实，输出 JSON")
    ev.add_argument("file", help="项目事实 JSON 文件（- 表示标准输入）")
    ev.add_argument("--pack", help="政策包 ID，覆盖输入中的 pack")
    ev.add_argument("--as-of", dest="as_of", help="评估日期 YYYY-MM-DD，默认今天")
    ev.add_argument("--all-packs", action="store_true", help="在所有政策包下评估（对比视图）")
    ev.set_defaults(func=cmd_evaluate)
    packs = sub.add_parser("packs", help="查看政策包")
    packs_sub = packs.add_subparsers(dest="packs_cmd", required=True, parser_class=_Parser)
    ls = packs_sub.add_parser("list", help="列出政策包及其有效期")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--as-of", dest="as_of")
    show = packs_sub.add_parser("show", help="显示一个政策包")
    show.add_argument("id")
    show.add_argument("--as-of", dest="as_of")
    cov = packs_sub.add_parser("coverage", help="列出每一条款由什么编码")
    cov.add_argument("id")
    diff = packs_sub.add_parser("diff", help="比较两个政策包")
    diff.add_argument("a")
    diff.add_argument("b")
    new = packs_sub.add_parser("new", help="从办法原文生成新政策包（每条均为“待编写”）")
    new.add_argument("id", help="新政策包 ID，如 haimen-2025")
    new.add_argument("--from", dest="source", required=True, help="办法原文（UTF-8 文本）")
    new.add_argument("--into", help="放在哪个文件夹下（默认：GOVIT_EXTRA_PACKS 的第一个文件夹）")
    ext = packs_sub.add_parser("extract-articles", help="从办法原文生成 articles 段（YAML）")
    ext.add_argument("file")
    packs.set_defaults(func=cmd_packs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
