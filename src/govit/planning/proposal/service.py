"""The annual plan proposal from the reserve pool, and turning it into the plan.

Candidates are the jurisdiction's projects where the pack puts the plan (储备库; 巴中: after 审委会)
whose funding year is the plan year. Hard constraints first (each exclusion names its reason and
article), then the pack's priority score and the lead office's weights, then the exact selection
within the budget (`solver.solve`), with what ±10% money would change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from govit import policy
from govit.core.models import Jurisdiction, User
from govit.core.services import audit_record
from govit.planning.models import AnnualPlan, PlanItem, PlanStatus
from govit.planning.proposal import scoring, solver
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput
from govit.projects.models import Project, ProjectState
from govit.projects.selectors import project_evaluation

S = ProjectState
SENSITIVITY = 0.10


@dataclass
class Candidate:
    project: Project
    amount_wan: float
    score: float = 0.0
    terms: list[scoring.Term] = field(default_factory=list)
    mandatory: list[str] = field(default_factory=list)
    excluded: str = ""
    on_plan: bool = False

    @property
    def key(self) -> str:
        return str(self.project.pk)


def priority_spec(pack_id: str) -> dict[str, Any]:
    return policy.load_pack(pack_id).data.get("plan_priority") or {"citation": None, "base": 0, "terms": []}


def _cite(citation: dict[str, Any] | None) -> str:
    return lifecycle.cite_text(citation) if citation and citation.get("article") else ""


def _with_cite(text: str, citation: dict[str, Any] | None, title: str) -> str:
    cite = _cite(citation)
    return f"{text}（《{title}》{cite}）" if cite else text


def candidate_facts(project: Project) -> dict[str, Any]:
    facts = dict(project.facts)
    facts.update({"urgency": project.urgency or None, "nature": project.nature or None,
                  "preliminary_score": float(project.preliminary_score) if project.preliminary_score is not None
                  else None})
    return facts


def _amount(project: Project, year: int) -> float:
    for row in project.year_amounts.all():
        if row.year == year and row.planned_wan > 0:
            return float(row.planned_wan)
    total = project.facts.get("total_investment_wan")
    if total is not None:
        return float(total)
    return float(project.investment_wan or 0)


def candidates_for(jurisdiction: Jurisdiction, year: int) -> list[Project]:
    pack_id = jurisdiction.pack_ids[0] if jurisdiction.pack_ids else None
    if pack_id is None:
        return []
    state = lifecycle.predecessor(pack_id, S.PLANNED) or S.IN_LIBRARY
    in_year = Q(plan_year=year) | Q(plan_year__isnull=True, year_amounts__year=year, year_amounts__planned_wan__gt=0)
    return list(Project.objects.filter(jurisdiction=jurisdiction, state=state).filter(in_year).distinct()
                .select_related("unit", "jurisdiction").prefetch_related("year_amounts").order_by("pk"))


def _hard_constraint(project: Project, year: int, title: str) -> str:
    """Why the project cannot enter the plan, or ''."""
    from govit.planning.services import _plannable
    from govit.supervision.sanctions import active_sanctions

    result = project_evaluation(project)
    blocks = [f for f in result["findings"] if f["severity"] == "block"]
    if blocks:
        first = blocks[0]
        return "被政策包阻断：" + _with_cite(first["message"].rstrip("。"), first.get("citation"), title)
    sanction = active_sanctions(project.unit).first()
    if sanction is not None:
        return f"单位受限（{sanction.get_kind_display()}：{sanction.consequence}）" + (
            f"（《{title}》{_cite(sanction.citation)}）" if _cite(sanction.citation) else "")
    if not _plannable(project):
        return "评审尚未完成或有不同意意见，暂不能列入计划"
    return ""


def propose(*, jurisdiction: Jurisdiction, year: int, budget_wan: float, weights: dict[str, float] | None = None,
            pinned: set[int] | None = None, dropped: set[int] | None = None,
            sensitivity: bool = True) -> dict[str, Any]:
    """The proposal as the CLI contract shapes it, plus the terms, the ±10% comparison and greedy's."""
    if budget_wan is None or not budget_wan > 0:
        raise InvalidInput("字段 budget：预算（万元）须为正数。")
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput("字段 year：年度无效。")
    if not jurisdiction.pack_ids:
        raise InvalidInput(f"{jurisdiction.name}未启用政策包。")
    pack = policy.load_pack(jurisdiction.pack_ids[0])
    spec = priority_spec(pack.id)
    weights = _clean_weights(spec, weights or {})
    pinned, dropped = set(pinned or ()), set(dropped or ())
    items: list[solver.Item] = []
    cands: dict[str, Candidate] = {}
    planned_ids = set(PlanItem.objects.filter(plan__jurisdiction=jurisdiction, plan__year=year)
                      .values_list("project_id", flat=True))
    for project in candidates_for(jurisdiction, year):
        cand = Candidate(project=project, amount_wan=_amount(project, year))
        facts = candidate_facts(project)
        cand.score, cand.terms = scoring.score(spec, facts, weights)
        cand.mandatory = [_with_cite(r["reason"], r.get("citation"), pack.title)
                          for r in scoring.mandatory_reasons(spec, facts)]
        cand.on_plan = project.pk in planned_ids
        cand.excluded = "" if cand.on_plan else _hard_constraint(project, year, pack.title)
        if not cand.excluded and project.pk in dropped:
            cand.excluded = "领导小组办公室决定本年度不列入"
        if not cand.excluded and project.pk in pinned:
            cand.mandatory.append("领导小组办公室确定列入")
        if not cand.excluded and cand.amount_wan <= 0:
            cand.excluded = "未填写本年度需要资金，无法安排"
        if not cand.excluded and cand.amount_wan > budget_wan:
            cand.excluded = f"超出预算：本年度需要 {cand.amount_wan:g} 万元，超过全部预算 {budget_wan:g} 万元" + (
                f"（虽属{cand.mandatory[0]}，量力而行）" if cand.mandatory else "")
        cands[cand.key] = cand
        if not cand.excluded:
            # Items already on the year's draft plan are kept in: they use the budget like mandatory ones.
            items.append(solver.Item(cand.key, cand.amount_wan, cand.score, bool(cand.mandatory) or cand.on_plan))
    chosen = solver.solve(items, budget_wan)
    greedy = solver.greedy(items, budget_wan)
    answer = _answer(cands, chosen, budget_wan, pack.title, spec)
    answer["weights"] = weights
    answer["greedy"] = {"total_score": greedy.total_score, "total_wan": greedy.total_wan,
                        "gap": round(chosen.total_score - greedy.total_score, 4)}
    if sensitivity:
        answer["sensitivity"] = [_compare(cands, items, chosen, budget_wan * (1 + f), f)
                                 for f in (-SENSITIVITY, SENSITIVITY)]
    return answer


def _clean_weights(spec: dict[str, Any], weights: dict[str, Any]) -> dict[str, float]:
    known = {t["key"]: t["label"] for t in scoring.spec_terms(spec)}
    clean: dict[str, float] = {}
    for key, value in weights.items():
        if key not in known:
            raise InvalidInput(f"字段 weights：没有名为“{key}”的评分项。可用：{'、'.join(known)}。")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"字段 weights.{key}（{known[key]}）：权重须为数字。") from None
        if not 0 <= number <= 10:
            raise InvalidInput(f"字段 weights.{key}（{known[key]}）：权重须在 0 到 10 之间。")
        clean[key] = number
    return {key: clean.get(key, 1.0) for key in known}


def _answer(cands: dict[str, Candidate], chosen: solver.Selection, budget: float, title: str,
            spec: dict[str, Any]) -> dict[str, Any]:
    picked = set(chosen.selected)
    selected, excluded = [], []
    for cand in sorted(cands.values(), key=lambda c: (-c.score, c.project.pk)):
        row = {"project": cand.project.name, "project_id": cand.project.pk, "unit_name": cand.project.unit.name,
               "amount_wan": cand.amount_wan, "score": cand.score, "terms": [t.as_dict() for t in cand.terms]}
        if cand.key in picked:
            reasons = (["已列入本年度计划（编制中）"] if cand.on_plan else []) + list(cand.mandatory)
            reasons = reasons or [_with_cite(
                "按优先级得分在预算内择优列入（先急后缓、量力而行）", spec.get("citation"), title)]
            selected.append({**row, "mandatory": bool(cand.mandatory), "on_plan": cand.on_plan, "reasons": reasons})
        else:
            reason = cand.excluded or _with_cite(
                f"超出预算：必列项目合计超过 {budget:g} 万元，按得分保留其他必列项目（{cand.mandatory[0]}）"
                if cand.mandatory or cand.on_plan else
                f"超出预算：在 {budget:g} 万元内，列入其他项目的总得分更高", spec.get("citation"), title)
            excluded.append({**row, "reason": reason})
    return {"budget_wan": budget, "total_wan": chosen.total_wan, "total_score": chosen.total_score,
            "optimal": chosen.optimal, "solver": chosen.solver, "mandatory_over_budget": chosen.mandatory_over_budget,
            "selected": selected, "excluded": excluded}


def _compare(cands: dict[str, Candidate], items: list[solver.Item], base: solver.Selection, budget: float,
             factor: float) -> dict[str, Any]:
    other = solver.solve(items, budget)
    before, after = set(base.selected), set(other.selected)
    return {"budget_wan": round(budget, 4), "change": f"{factor:+.0%}", "total_score": other.total_score,
            "total_wan": other.total_wan,
            "added": [cands[k].project.name for k in sorted(after - before, key=int)],
            "removed": [cands[k].project.name for k in sorted(before - after, key=int)]}


@transaction.atomic
def adopt(*, jurisdiction: Jurisdiction, year: int, budget_wan: float, actor: User,
          weights: dict[str, float] | None = None, pinned: set[int] | None = None,
          dropped: set[int] | None = None, source_ip: str | None = None) -> tuple[AnnualPlan, dict[str, Any]]:
    """Put the proposal's selection on the year's draft plan through the plan services (created if none)."""
    from govit.planning.services import _lead, plan_create, plan_item_add

    _lead(actor, jurisdiction)
    answer = propose(jurisdiction=jurisdiction, year=year, budget_wan=budget_wan, weights=weights,
                     pinned=pinned, dropped=dropped, sensitivity=False)
    plan = AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if plan is None:
        plan = plan_create(jurisdiction=jurisdiction, year=year, actor=actor, source_ip=source_ip)
    if plan.status != PlanStatus.DRAFT:
        raise InvalidInput(f"{year} 年度计划已报审或已批准，不能再按建议方案列入；请使用年中调整。")
    on_plan = set(plan.items.values_list("project_id", flat=True))
    for row in answer["selected"]:
        if row["project_id"] in on_plan:
            continue
        project = Project.objects.get(pk=row["project_id"])
        plan_item_add(plan=plan, project=project, actor=actor, amount_wan=Decimal(str(row["amount_wan"])),
                      source_ip=source_ip)
    audit_record(actor=actor, action="plan.proposal_adopt", obj=plan, source_ip=source_ip,
                 details={"budget_wan": budget_wan, "weights": answer["weights"], "pinned": sorted(pinned or ()),
                          "dropped": sorted(dropped or ()), "total_score": answer["total_score"],
                          "selected": [r["project_id"] for r in answer["selected"]], "solver": answer["solver"]})
    return plan, answer
