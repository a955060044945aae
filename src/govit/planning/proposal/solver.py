"""Exact selection within a budget: a 0-1 integer programme solved by HiGHS, and greedy for comparison.

Pure Python (no Django): the bench and the service call the same code. Every mandatory item is
fixed in; the others are chosen to maximise the total score with their amounts within what the
budget leaves. Amounts are in 万元.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cache

import numpy as np

# Scores and amounts are rounded to these many decimals before solving, so the answer is the
# same whatever the float noise of the inputs.
_DECIMALS = 4


@dataclass(frozen=True)
class Item:
    key: str
    amount_wan: float
    score: float
    mandatory: bool = False


@dataclass
class Selection:
    selected: list[str]
    total_wan: float
    total_score: float
    optimal: bool
    solver: str
    seconds: float
    mandatory_over_budget: bool = False
    notes: list[str] = field(default_factory=list)


_BANNER_LOCK = threading.Lock()
_banner_done = False


def _highs() -> object:
    """A silent HiGHS instance. HiGHS prints its banner on the C stdout the first time one is
    built in a process; that first one is built with fd 1 pointed at /dev/null, so a JSON answer
    on stdout (`govit plan propose --format json`) stays JSON."""
    import highspy

    global _banner_done
    with _BANNER_LOCK:
        if not _banner_done:
            sys.stdout.flush()
            saved = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
            _banner_done = True
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _solve_highs(scores: np.ndarray, amounts: np.ndarray, capacity: float,
                 time_limit: float) -> tuple[np.ndarray, bool, str]:
    import highspy

    n = len(scores)
    h = _highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = scores.astype(float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.array([-highspy.kHighsInf])
    lp.row_upper_ = np.array([float(capacity)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
    lp.a_matrix_.value_ = amounts.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    # Start from greedy (score per 万元): an incumbent at once lets branch and bound prune early.
    start = np.zeros(n)
    left = float(capacity)
    for index in np.lexsort((np.arange(n), -(scores / np.maximum(amounts, 1e-9)))):
        if amounts[index] <= left + 1e-9:
            start[index] = 1.0
            left -= amounts[index]
    solution = highspy.HighsSolution()
    solution.col_value = start.tolist()
    solution.value_valid = True
    h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    values = np.array(h.getSolution().col_value) if n else np.zeros(0)
    optimal = status == highspy.HighsModelStatus.kOptimal
    return values > 0.5, optimal, solver_name()


def _solve_scipy(scores: np.ndarray, amounts: np.ndarray, capacity: float,
                 time_limit: float) -> tuple[np.ndarray, bool, str]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    result = milp(-scores, constraints=LinearConstraint(amounts.reshape(1, -1), -np.inf, capacity),
                  integrality=np.ones(len(scores)), bounds=Bounds(0, 1),
                  options={"mip_rel_gap": 0.0, "time_limit": time_limit})
    values = result.x if result.x is not None else np.zeros(len(scores))
    return values > 0.5, result.status == 0, "HiGHS (scipy.optimize.milp)"


@cache
def solver_name() -> str:
    try:
        return f"HiGHS {_highs().version()} (highspy, 0-1 整数规划)"
    except ImportError:  # pragma: no cover
        return "HiGHS (scipy.optimize.milp)"


def _best(items: list[Item], capacity: float, time_limit: float) -> tuple[list[str], bool, str]:
    """The keys of the best subset of `items` within `capacity` (an exact 0-1 programme)."""
    fitting = [i for i in items if i.amount_wan <= capacity]
    if capacity <= 0 or not fitting:
        return [], True, solver_name()
    scores = np.round(np.array([i.score for i in fitting], dtype=float), _DECIMALS)
    amounts = np.round(np.array([i.amount_wan for i in fitting], dtype=float), _DECIMALS)
    try:
        picked, optimal, name = _solve_highs(scores, amounts, capacity, time_limit)
    except ImportError:  # pragma: no cover - highspy is a dependency; scipy ships HiGHS too
        picked, optimal, name = _solve_scipy(scores, amounts, capacity, time_limit)
    return [item.key for item, take in zip(fitting, picked, strict=True) if take], optimal, name


def solve(items: list[Item], budget_wan: float, *, time_limit: float = 60.0) -> Selection:
    """The selection of greatest total score within `budget_wan`, every mandatory item included.

    The budget is never exceeded (量力而行): if the mandatory items alone cost more, the best of
    them within the budget are kept (`mandatory_over_budget`), and what money is left goes to the rest.
    """
    started = time.perf_counter()
    mandatory = [i for i in items if i.mandatory]
    free = [i for i in items if not i.mandatory]
    fixed_wan = round(sum(i.amount_wan for i in mandatory), _DECIMALS)
    over = fixed_wan > round(budget_wan, _DECIMALS)
    optimal, solver = True, solver_name()
    if over:
        chosen, optimal, solver = _best(mandatory, round(budget_wan, _DECIMALS), time_limit)
        fixed_wan = round(sum(i.amount_wan for i in mandatory if i.key in set(chosen)), _DECIMALS)
    else:
        chosen = [i.key for i in mandatory]
    rest, rest_optimal, name = _best(free, round(budget_wan - fixed_wan, _DECIMALS), time_limit)
    chosen += rest
    optimal = optimal and rest_optimal
    solver = name if rest or not over else solver
    by_key = {i.key: i for i in items}
    total_wan = round(sum(by_key[k].amount_wan for k in chosen), _DECIMALS)
    total_score = round(sum(by_key[k].score for k in chosen), _DECIMALS)
    return Selection(selected=chosen, total_wan=total_wan, total_score=total_score, optimal=optimal,
                     solver=solver, seconds=time.perf_counter() - started, mandatory_over_budget=over)


def greedy(items: list[Item], budget_wan: float) -> Selection:
    """What picking by hand does: mandatory first, then by score per 万元 while money remains."""
    started = time.perf_counter()
    chosen: list[Item] = []
    left = budget_wan
    for item in sorted((i for i in items if i.mandatory), key=lambda i: (-i.score, i.key)):
        if item.amount_wan <= left + 1e-9:
            chosen.append(item)
            left -= item.amount_wan
    rest = sorted((i for i in items if not i.mandatory),
                  key=lambda i: (-(i.score / i.amount_wan) if i.amount_wan > 0 else -float("inf"), i.key))
    for item in rest:
        if item.amount_wan <= left + 1e-9:
            chosen.append(item)
            left -= item.amount_wan
    return Selection(selected=[i.key for i in chosen], total_wan=round(sum(i.amount_wan for i in chosen), 4),
                     total_score=round(sum(i.score for i in chosen), 4), optimal=False, solver="greedy",
                     seconds=time.perf_counter() - started)
