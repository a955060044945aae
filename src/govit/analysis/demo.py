"""Demo 存量系统台账 for each demo jurisdiction (src/govit/analysis/demo/<code>.yaml), imported through
the same importer as `govit inventory import`, then one scan. Each file plants duplicates, a split
and a duplicate data collection; in 通州 the lead office has already confirmed the cross-unit
duplicate, so its project shows the block with the evidence.

Idempotent: the import finds every row unchanged the second time, and a jurisdiction that already
has findings is not scanned again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import yaml

from govit.core.demo import DEMO_JURISDICTIONS, demo_username
from govit.core.models import Jurisdiction, Role, User

DEMO_DIR = Path(__file__).parent / "demo"
# (jurisdiction, project name, related name): the duplicate the demo lead office has confirmed.
CONFIRMED = (("320612", "困难群众帮扶救助一体化平台", "社会救助综合管理系统"),)


def demo_rows(code: str) -> list[tuple[int, dict[str, Any]]]:
    path = DEMO_DIR / f"{code}.yaml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(number, {k: v for k, v in row.items()}) for number, row in enumerate(data["rows"], start=2)]


def load_analysis_demo(*, stdout: TextIO) -> None:
    from govit.analysis.inventory import inventory_import
    from govit.analysis.models import Finding, FindingCode, FindingStatus
    from govit.analysis.services import analysis_scan, finding_confirm

    totals = {"created": 0, "findings": 0}
    for spec in DEMO_JURISDICTIONS:
        jurisdiction = Jurisdiction.objects.filter(code=spec.code).first()
        lead = User.objects.filter(username=demo_username(spec.prefix, Role.LEAD_OFFICE)).first()
        rows = demo_rows(spec.code)
        if jurisdiction is None or lead is None or not rows:
            continue
        outcome = inventory_import(jurisdiction=jurisdiction, rows=rows, actor=lead, source="演示存量台账")
        if not outcome.ok:
            raise RuntimeError("demo inventory does not import: " + "; ".join(str(e) for e in outcome.errors))
        totals["created"] += outcome.created
        if outcome.created or outcome.updated or not Finding.objects.filter(jurisdiction=jurisdiction).exists():
            run = analysis_scan(jurisdiction=jurisdiction, actor=lead)
            totals["findings"] += len(run.findings)
        for code, project, related in CONFIRMED:
            if code != spec.code:
                continue
            finding = next((f for f in Finding.objects.filter(
                jurisdiction=jurisdiction, code=FindingCode.DUPLICATE_CONSTRUCTION, project__name=project,
                status=FindingStatus.OPEN) if related in f.related_names), None)
            if finding is not None:
                finding_confirm(finding=finding, actor=lead,
                                reason="经核实，帮扶救助平台的低保、特困、临时救助功能和数据与区民政局社会救助综合管理系统重复，"
                                       "应依托该系统建设。")
    stdout.write(f"存量系统台账演示数据：新增 {totals['created']} 条；比对结论 {totals['findings']} 条。\n")
