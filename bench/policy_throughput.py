"""Benchmark: evaluate N generated projects under one pack in one process; report projects per second.

    .venv/bin/python bench/policy_throughput.py [--pack ID] [-n 10000] [--seed 1]

Prints one line per stage (parse, evaluate, serialise) with its rate, and the ratio of the full
evaluation to the facts parsing alone, so a regression shows as a ratio, not a guess.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from govit.policy import evaluate_facts, load_pack, pack_ids, parse_input
from govit.policy.facts import Content

CONTAINS = list(Content.__args__)
CATEGORIES = ["new", "rebuild", "expansion", "upgrade", "migration", "operation"]
FUNDING = ["local_fiscal", "superior_special", "xinjiang_aid", "self_raised", "enterprise_free", "bond"]


def make_project(rng: random.Random) -> dict:
    """A plausible project: most facts given, some absent, a few negative-list hits."""
    project = {
        "category": rng.choice(CATEGORIES),
        "total_investment_wan": round(rng.uniform(5, 800), 2),
        "funding_sources": rng.sample(FUNDING, rng.randint(1, 2)),
        "on_gov_cloud": rng.random() > 0.1,
        "requirements_clear": rng.random() > 0.05,
        "performance_goals_clear": True,
        "internal_integration_done": True,
        "data_survey_done": True,
        "shares_data_as_required": rng.random() > 0.05,
        "industry_dept_approved": True,
        "procurement_kind": rng.choice(["software", "equipment", "integration", "service"]),
        "service_kind": rng.choice(["public_service", "office", "business"]),
        "connected_to_sharing_platform": True,
        "connected_to_office_platform": True,
        "resource_catalog": True,
        "sharing_analysis_chapter": True,
        "contains": rng.sample(CONTAINS, rng.choice([0, 0, 0, 1, 2])),
        "prior_project": {"accepted": rng.random() > 0.2, "matches_business": True, "vendor_supported": True,
                          "usage": "normal"},
        "dates": {"approved": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                  "completed": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"},
    }
    if rng.random() < 0.3:
        project["change"] = {"increase_wan": round(rng.uniform(0, 60), 2), "decrease_wan": round(rng.uniform(0, 60), 2),
                             "basis": "technical_optimization", "goal_unchanged": True}
    if rng.random() < 0.2:
        del project["on_gov_cloud"]
    return {"as_of": "2026-11-21", "project": project, "unit": {"kind": "department"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="tongzhou-2023", choices=pack_ids())
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    raw = [make_project(rng) for _ in range(args.n)]
    load_pack(args.pack)  # load and validate once, outside the timed loop

    start = time.perf_counter()
    parsed = [parse_input(data) for data in raw]
    parse_seconds = time.perf_counter() - start

    start = time.perf_counter()
    results = [evaluate_facts(facts, args.pack) for facts in parsed]
    evaluate_seconds = time.perf_counter() - start

    start = time.perf_counter()
    for result in results:
        json.dumps(result.to_json(), ensure_ascii=False, default=str)
    serialise_seconds = time.perf_counter() - start

    verdicts = {v: sum(r.verdict == v for r in results) for v in ("eligible", "blocked", "incomplete")}
    total = parse_seconds + evaluate_seconds + serialise_seconds
    print(f"pack {args.pack}, {args.n} projects, seed {args.seed}; verdicts {verdicts}")
    print(f"parse     {args.n / parse_seconds:10.0f} projects/s")
    print(f"evaluate  {args.n / evaluate_seconds:10.0f} projects/s")
    print(f"serialise {args.n / serialise_seconds:10.0f} projects/s")
    print(f"end to end {args.n / total:9.0f} projects/s ({total:.2f} s); evaluate/parse time ratio "
          f"{evaluate_seconds / parse_seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
