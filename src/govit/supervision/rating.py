"""Project health rating, 1 (high risk) to 5 (low risk), in the manner of the ratings national IT
portfolio offices publish. This is the platform's own policy, not a regulation's: the weights live
here, in one place, and `GOVIT_HEALTH_WEIGHTS` (settings) may override any of them.

Every project starts at 5; each signal takes off points (each signal capped); the score is
5 minus the points, rounded, never below 1. The signals that took points off are kept with the score.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class HealthWeights:
    points_per_overdue_obligation: float = 1.0
    max_overdue_obligations: float = 2.0
    points_per_slip_month: float = 0.25        # completion later than the contract's build period
    max_schedule_slip: float = 1.5
    points_per_change_ratio: float = 5.0       # 0.10 adjustment of the approved total → 0.5
    max_change_ratio: float = 1.5
    points_per_open_rectification: float = 1.0
    max_open_rectifications: float = 2.0
    points_per_acceptance_delay_month: float = 0.5
    max_acceptance_delay: float = 2.0


def weights() -> HealthWeights:
    overrides = getattr(settings, "GOVIT_HEALTH_WEIGHTS", {}) or {}
    known = {f.name for f in fields(HealthWeights)}
    return replace(HealthWeights(), **{k: float(v) for k, v in overrides.items() if k in known})


@dataclass(frozen=True)
class Inputs:
    overdue_obligations: int
    slip_days: int
    change_ratio: float
    open_rectifications: int
    acceptance_delay_days: int


SIGNAL_LABELS = {
    "overdue_obligations": "逾期未完成的义务",
    "schedule_slip": "进度滞后于合同建设周期",
    "change_ratio": "投资调整比例",
    "open_rectifications": "未销号的整改通知",
    "acceptance_delay": "验收申请逾期",
}


def rate(inputs: Inputs, w: HealthWeights | None = None) -> tuple[int, list[dict[str, Any]]]:
    w = w or weights()
    signals: list[dict[str, Any]] = []

    def take(code: str, points: float, cap: float, value: Any, text: str) -> None:
        points = min(points, cap)
        if points > 0:
            signals.append({"code": code, "label": SIGNAL_LABELS[code], "value": value, "text": text,
                            "points": round(points, 2)})

    take("overdue_obligations", inputs.overdue_obligations * w.points_per_overdue_obligation,
         w.max_overdue_obligations, inputs.overdue_obligations, f"{inputs.overdue_obligations} 项逾期")
    take("schedule_slip", inputs.slip_days / 30 * w.points_per_slip_month, w.max_schedule_slip,
         inputs.slip_days, f"滞后 {inputs.slip_days} 天")
    take("change_ratio", inputs.change_ratio * w.points_per_change_ratio, w.max_change_ratio,
         round(inputs.change_ratio, 4), f"累计调整 {inputs.change_ratio:.1%}")
    take("open_rectifications", inputs.open_rectifications * w.points_per_open_rectification,
         w.max_open_rectifications, inputs.open_rectifications, f"{inputs.open_rectifications} 份未销号")
    take("acceptance_delay", inputs.acceptance_delay_days / 30 * w.points_per_acceptance_delay_month,
         w.max_acceptance_delay, inputs.acceptance_delay_days, f"逾期 {inputs.acceptance_delay_days} 天")
    total = sum(s["points"] for s in signals)
    score = max(1, min(5, round(5 - total + 1e-9)))
    return score, signals


def days_between(later: date, earlier: date) -> int:
    return max(0, (later - earlier).days)
