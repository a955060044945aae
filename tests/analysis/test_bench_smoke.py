"""bench/analysis_similarity.py at a small size: it runs, the index finds what brute force finds.
No timed assertion here (speed is measured by the bench itself, at 20,000 documents)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analysis_similarity.py"


def test_bench_runs_small_and_recalls_brute_force() -> None:
    spec = importlib.util.spec_from_file_location("analysis_similarity_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(300, 0.25, 20, seed=3, minhash=True)
    assert result["docs"] == 300 and result["queries"] == 20
    assert result["recall"] >= 0.95
    assert {"check_p95_ms", "scan_s", "brute_scan_s_extrapolated", "speedup", "minhash_lsh"} <= set(result)
    assert result["by_code"], "the generated portfolio plants duplicates the scan must find"
