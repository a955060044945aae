"""Smoke runs of the benches at a tiny size: they run end to end and print the contract's summary.

No timing is asserted here (speed is measured by the benches themselves, see docs/performance.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_policy_throughput_bench_runs() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "policy_throughput.py"), "-n", "20"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_scale_bench_runs_in_process_and_prints_the_summary(settings: Any, tmp_path: Any, capsys) -> None:
    import io

    from govit.core.audit import verify_chain
    from govit.core.demo import load_core_demo
    from govit.projects.status import status_refresh
    from tests.projects.conftest import drive_to, ensure_reviewer_accounts

    settings.MEDIA_ROOT = tmp_path
    load_core_demo(stdout=io.StringIO())
    ensure_reviewer_accounts()
    for pack, stage in (("tongzhou-2023", "construction"), ("tongzhou-2023", "submitted"),
                        ("changji-2025", "approved")):
        status_refresh(drive_to(pack, stage))
    sys.path.insert(0, str(ROOT / "bench"))
    import scale

    summary = scale.main(["--projects", "24", "--audit-entries", "400", "--in-process", "--c1", "2", "--c8", "8"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == json.loads(json.dumps(summary, ensure_ascii=False))
    assert summary["projects"] >= 24 and summary["audit_entries"] >= 400
    assert set(summary["endpoints"]) == {name for name, _, _ in scale.ENDPOINTS}
    for figures in summary["endpoints"].values():
        assert {"c1_p50_ms", "c8_p95_ms", "floor_ms"} <= set(figures)
    assert summary["sweep_s"] is not None and summary["verify_entries_per_s"] and summary["peak_rss_mb"] > 0
    assert summary["verify"]["ok"] and verify_chain().ok


def test_plan_proposal_bench_runs_and_compares_with_greedy() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "plan_proposal.py"), "-n", "60"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["candidates"] == 60 and summary["optimal"] is True
    assert summary["exact_score"] >= summary["greedy_score"] and summary["greedy_gap"] >= 0
    assert summary["exact_wan"] <= summary["budget_wan"] + 1e-6
