"""Benchmark: the duplicate and split analysis on a generated portfolio, against brute force.

    .venv/bin/python bench/analysis_similarity.py [--docs 20000] [--projects-share 0.25] [--queries 200]
                                                  [--seed 1] [--minhash] [--pg-trgm]

Generates N existing systems and projects of one jurisdiction from gov-IT domains (function modules
and data items paraphrased with the lexicon's synonyms, a share of planted duplicates), builds the
index and measures:

- one check (an application against everything): p50 / p95 over `--queries` applications;
- brute force: the same score against every document for the same applications, and the full
  scan extrapolated from it (every project against every document);
- the full scan with the index (duplicates, splits, duplicate data of every project);
- recall: the share of brute-force pairs (score ≥ duplicate_warn) the index also finds;
- optionally MinHash/LSH candidates (datasketch) and PostgreSQL trigram candidates (pg_trgm,
  DATABASE_URL) in place of the TF-IDF candidates, for the ADR's comparison.

Ends with one JSON line. Targets (issue #13): check p95 ≤ 50 ms, scan ≤ 60 s, ≥ 50× brute force,
recall ≥ 0.95.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from govit.analysis.engine.features import extract
from govit.analysis.engine.index import Doc, Index
from govit.analysis.engine.lexicon import load_lexicon
from govit.analysis.engine.rules import pack_rules
from govit.analysis.engine.scan import check_subject, scan_index

# A generated portfolio: each document is one domain (民政, 卫健 …), two or three of its objects
# (低保, 特困 …) and actions on them (申请审批, 发放 …). Documents of a domain share words, as real
# ones do, without being copies; planted duplicates are paraphrases (the lexicon's synonyms) of an
# existing system by another unit.
DOMAINS: dict[str, list[str]] = {
    "救助": ["低保", "特困人员", "临时救助", "救助资金", "救助对象", "困难家庭", "医疗救助", "教育救助"],
    "养老": ["老年人", "居家养老", "助餐", "养老机构", "高龄津贴", "养老补贴", "失能老人", "养老服务商"],
    "卫健": ["健康档案", "电子病历", "家庭医生", "预防接种", "健康体检", "妇幼保健", "慢病管理", "院前急救"],
    "教育": ["学籍", "课堂", "教学资源", "家校", "校园安全", "招生入学", "学生资助", "教师"],
    "交通": ["停车", "车位", "公交", "出租车", "违停", "道路", "运输企业", "驾驶员"],
    "治理": ["网格", "事件", "工单", "人口", "房屋", "矛盾纠纷", "重点人员", "志愿者"],
    "人社": ["招聘", "求职", "失业", "就业补贴", "职业培训", "劳动仲裁", "社保", "工资支付"],
    "市场": ["食品", "明厨亮灶", "抽检", "信用", "投诉举报", "许可证", "特种设备", "计量"],
    "资源": ["不动产", "权属", "耕地", "图斑", "测绘", "地质灾害", "矿产", "林地"],
    "应急": ["隐患", "执法", "风险", "应急预案", "应急物资", "灾情", "救援队伍", "避难场所"],
    "政务": ["事项", "企业开办", "证照", "好差评", "办件", "公文", "会议", "督查"],
    "环境": ["水质", "空气质量", "污染源", "排污许可", "环境执法", "噪声", "固体废物", "河道"],
    "住建": ["公租房", "租赁补贴", "房源", "建筑工地", "物业", "燃气", "老旧小区", "施工许可"],
    "农业": ["农产品", "农资", "农业补贴", "农机", "动物防疫", "种子", "高标准农田", "渔业"],
    "文旅": ["景区", "门票", "游客", "文物", "图书馆", "文化场馆", "演出", "非遗"],
    "残联": ["残疾人证", "两项补贴", "康复", "辅具", "残疾人就业", "无障碍", "托养", "盲人"],
}
QUALIFIERS = ["", "城乡", "农村", "社区", "企业", "重点", "流动", "青少年", "妇女", "退役军人", "少数民族", "边远",
              "新就业", "外来", "低收入", "高龄", "学龄", "进城"]
ACTIONS = ["申请审批", "登记", "信息管理", "查询", "统计分析", "监测预警", "巡查上报", "调度", "考核评价",
           "资金发放", "档案管理", "移动端服务", "数据共享", "预约"]
ATTRIBUTES = ["信息", "记录", "编号", "金额", "状态", "等级", "名单", "台账"]
SUFFIXES = ["管理系统", "服务平台", "信息系统", "综合平台", "应用系统", "监管平台"]
KEY_ITEMS = ["姓名", "身份证号码", "手机号码", "住址", "统一社会信用代码", "企业名称"]


# Syllables of made-up object names (澜枫救助, 岚溪养老 …): a real portfolio's systems are mostly about
# different things, so two generated documents share an object only when the generator says so.
SYLLABLES = "澜枫岚溪峰岩松柏梅竹兰菊荷桂栎桐楠杉槐榆柳棠蓉莲苇芷芸蔚霞霖霁雯晴旭昀晖曦朗皓泓涵淳澄浩瀚沛泽洛"


def _object(rng: random.Random, domain: str) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(DOMAINS[domain])


def _paraphrase(rng: random.Random, text: str, reverse: dict[str, list[str]]) -> str:
    """Swap words for others of their synonym group, as a different unit would write them."""
    out = text
    for canonical, variants in reverse.items():
        if canonical in out and rng.random() < 0.7:
            out = out.replace(canonical, rng.choice(variants), 1)
    return out


def generate(n: int, projects_share: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    lexicon = load_lexicon()
    reverse: dict[str, list[str]] = {}
    for word, canonical in lexicon.synonyms.items():
        if word != canonical and len(canonical) > 1 and not word.isascii():
            reverse.setdefault(canonical, []).append(word)
    units = [f"区{i:03d}局" for i in range(300)]
    rows: list[dict[str, Any]] = []
    n_projects = int(n * projects_share)
    for i in range(n):
        kind = "project" if i >= n - n_projects else "system"
        if kind == "project" and rows and rng.random() < 0.08:
            # a planted duplicate: another unit paraphrases an existing system
            source = rng.choice(rows[: n - n_projects])
            row = {**source, "kind": kind, "unit": rng.choice(units),
                   "name": _paraphrase(rng, source["name"], reverse),
                   "content": _paraphrase(rng, source["content"], reverse),
                   "functions": [_paraphrase(rng, f, reverse) for f in source["functions"]],
                   "data": [_paraphrase(rng, d, reverse) for d in source["data"]]}
        else:
            domain = rng.choice(list(DOMAINS))
            if rows and rng.random() < 0.15:
                # a neighbour: shares one object with an earlier document, does something else with it
                objects = [rng.choice(rows[rng.randrange(len(rows))]["objects"]), _object(rng, domain)]
            else:
                objects = [_object(rng, domain) for _ in range(rng.randint(2, 3))]
            functions = sorted({f"{rng.choice(objects)}{a}" for a in rng.sample(ACTIONS, rng.randint(3, 6))})
            data = sorted({f"{rng.choice(objects)}{a}" for a in rng.sample(ATTRIBUTES, rng.randint(2, 4))})
            row = {"kind": kind, "unit": rng.choice(units), "objects": objects,
                   "name": f"{''.join(objects[:2])}{rng.choice(SUFFIXES)}",
                   "content": f"建设{'、'.join(objects)}{rng.choice(SUFFIXES)}，实现{'、'.join(functions)}。",
                   "functions": functions, "data": rng.sample(KEY_ITEMS, rng.randint(0, 3)) + data}
        row["amount"] = round(rng.uniform(10, 400), 1)
        row["year"] = rng.choice([2026, 2027])
        row["shares"] = rng.random() < 0.8
        rows.append(row)
    return rows


def build_docs(rows: list[dict[str, Any]]) -> list[Doc]:
    lexicon = load_lexicon()
    unit_ids: dict[str, int] = {}
    docs = []
    for i, row in enumerate(rows):
        unit_id = unit_ids.setdefault(row["unit"], len(unit_ids) + 1)
        features = extract(lexicon, name=row["name"], content=row["content"], functions=row["functions"],
                           data_items=row["data"])
        docs.append(Doc(key=f"{row['kind']}:{i}", kind=row["kind"], ref=i, name=row["name"], unit_id=unit_id,
                        unit_name=row["unit"], features=features, plan_year=row["year"], amount_wan=row["amount"],
                        state="submitted" if row["kind"] == "project" else "", shares_data=row["shares"],
                        extra={"category": "new"}))
    return docs


def _pairs(hits: list[Any]) -> set[str]:
    return {h.doc.key for h in hits}


def minhash_candidates(index: Index, queries: list[Doc], floor: float) -> dict[str, Any]:
    """MinHash/LSH over each document's word set, then the same score on its candidates."""
    from datasketch import MinHash, MinHashLSH

    def sketch(doc: Doc) -> Any:
        m = MinHash(num_perm=64, seed=1)
        for word in doc.features.terms:
            m.update(word.encode())
        return m

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=0.2, num_perm=64)
    sketches = {}
    for doc in index.docs:
        sketches[doc.key] = sketch(doc)
        lsh.insert(doc.key, sketches[doc.key])
    build_s = time.perf_counter() - started
    times, found, truth = [], 0, 0
    for q in queries:
        t0 = time.perf_counter()
        keys = lsh.query(sketches[q.key])
        cos = index.cosines(q.features)
        _, _, qvec = index.vector(q.features)
        hits = [index.score(q.features, qvec, index.by_key[k], float(cos[index.by_key[k]])) for k in keys
                if k != q.key]
        mine = {h.doc.key for h in hits if h.score >= floor}
        times.append((time.perf_counter() - t0) * 1000)
        brute = _pairs(index.brute_force(q.features, keep=lambda d, q=q: d.key != q.key, minimum=floor))
        found += len(mine & brute)
        truth += len(brute)
    return {"build_s": round(build_s, 2), "check_p95_ms": round(_p95(times), 2),
            "recall": round(found / truth, 4) if truth else 1.0}


def pg_trgm_candidates(index: Index, queries: list[Doc], floor: float) -> dict[str, Any] | None:
    """PostgreSQL trigram similarity on name + content as the candidate generator."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    texts = {d.key: d.name + " " + " ".join(p.label for p in d.features.functions) for d in index.docs}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("CREATE TEMP TABLE bench_docs (key text primary key, body text)")
        with conn.cursor().copy("COPY bench_docs (key, body) FROM STDIN") as copy:
            for key, body in texts.items():
                copy.write_row((key, body))
        conn.execute("CREATE INDEX ON bench_docs USING gin (body gin_trgm_ops)")
        conn.execute("SET pg_trgm.similarity_threshold = 0.2")
        times, found, truth = [], 0, 0
        for q in queries:
            t0 = time.perf_counter()
            keys = [r[0] for r in conn.execute(
                "SELECT key FROM bench_docs WHERE body %% %s ORDER BY similarity(body, %s) DESC LIMIT 60",
                (texts[q.key], texts[q.key]))]
            cos = index.cosines(q.features)
            _, _, qvec = index.vector(q.features)
            hits = [index.score(q.features, qvec, index.by_key[k], float(cos[index.by_key[k]])) for k in keys
                    if k != q.key]
            mine = {h.doc.key for h in hits if h.score >= floor}
            times.append((time.perf_counter() - t0) * 1000)
            brute = _pairs(index.brute_force(q.features, keep=lambda d, q=q: d.key != q.key, minimum=floor))
            found += len(mine & brute)
            truth += len(brute)
    return {"check_p95_ms": round(_p95(times), 2), "recall": round(found / truth, 4) if truth else 1.0}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def run(docs_n: int, projects_share: float, queries_n: int, seed: int, *, minhash: bool = False,
        pg_trgm: bool = False, pack: str = "tongzhou-2023") -> dict[str, Any]:
    lexicon = load_lexicon()
    floor = lexicon.settings["duplicate_warn"]
    t0 = time.perf_counter()
    rows = generate(docs_n, projects_share, seed)
    docs = build_docs(rows)
    features_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = Index(docs, lexicon.settings, key_items=lexicon.key_items)
    build_s = time.perf_counter() - t0
    rules = pack_rules(pack)
    rng = random.Random(seed + 1)
    projects = [d for d in docs if d.kind == "project"]
    queries = rng.sample(projects, min(queries_n, len(projects)))
    check_ms, check_cpu_ms, brute_ms = [], [], []
    found = truth = 0
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        result = check_subject(index, q, rules, lexicon.key_items)
        check_ms.append((time.perf_counter() - t) * 1000)
        check_cpu_ms.append((time.process_time() - c) * 1000)
        mine = _pairs(index.search(q.features, keep=lambda d, q=q: d.key != q.key, minimum=floor))
        t = time.perf_counter()
        brute = _pairs(index.brute_force(q.features, keep=lambda d, q=q: d.key != q.key, minimum=floor))
        brute_ms.append((time.perf_counter() - t) * 1000)
        found += len(mine & brute)
        truth += len(brute)
        assert result is not None
    t0, c0 = time.perf_counter(), time.process_time()
    findings = scan_index(index, rules, lexicon.key_items)
    scan_s, scan_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    brute_scan_s = statistics.mean(brute_ms) / 1000 * len(projects)
    out: dict[str, Any] = {
        "docs": len(docs), "projects": len(projects), "queries": len(queries),
        "features_s": round(features_s, 2), "index_build_s": round(build_s, 2),
        "check_p50_ms": round(statistics.median(check_ms), 2), "check_p95_ms": round(_p95(check_ms), 2),
        "check_cpu_p95_ms": round(_p95(check_cpu_ms), 2),
        "brute_check_p50_ms": round(statistics.median(brute_ms), 2),
        "scan_s": round(scan_s, 2), "scan_cpu_s": round(scan_cpu_s, 2),
        "brute_scan_s_extrapolated": round(brute_scan_s, 1),
        "speedup": round(brute_scan_s / scan_s, 1) if scan_s else None,
        "recall": round(found / truth, 4) if truth else 1.0, "brute_pairs": truth,
        "findings": len(findings), "by_code": {c: sum(1 for f in findings if f["code"] == c)
                                             for c in sorted({f["code"] for f in findings})},
    }
    if minhash:
        out["minhash_lsh"] = minhash_candidates(index, queries, floor)
    if pg_trgm:
        out["pg_trgm"] = pg_trgm_candidates(index, queries, floor)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--projects-share", type=float, default=0.25)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minhash", action="store_true", help="also measure MinHash/LSH candidates (datasketch)")
    parser.add_argument("--pg-trgm", action="store_true", help="also measure pg_trgm candidates (DATABASE_URL)")
    args = parser.parse_args(argv)
    result = run(args.docs, args.projects_share, args.queries, args.seed, minhash=args.minhash,
                 pg_trgm=args.pg_trgm)
    for key, value in result.items():
        if not isinstance(value, dict):
            print(f"{key:28} {value}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
