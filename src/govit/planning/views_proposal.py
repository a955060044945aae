"""The lead office's plan proposal page: weights, pins and drops, the exact selection within the
budget term by term, and turning it into the year's draft plan through the plan services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from govit import policy
from govit.core.models import Role
from govit.core.selectors import role_assignments_of
from govit.planning.proposal import scoring
from govit.planning.proposal.service import adopt, priority_spec, propose
from govit.projects import lifecycle, presenters
from govit.projects.errors import DomainError


def _lead_jurisdictions(request: HttpRequest) -> list[Any]:
    rows = role_assignments_of(request.user).filter(role=Role.LEAD_OFFICE).select_related("jurisdiction")
    return sorted({ra.jurisdiction for ra in rows}, key=lambda j: j.code)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if str(v).strip().isdigit()}


def _params(request: HttpRequest, spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    data = request.POST if request.method == "POST" else request.GET
    errors: list[str] = []
    year_text = data.get("year") or str(timezone.localdate().year + 1)
    budget_text = data.get("budget") or ""
    try:
        year = int(year_text)
    except ValueError:
        errors.append(f"字段“计划年度”：“{year_text}”不是年度。")
        year = timezone.localdate().year + 1
    budget = None
    if budget_text:
        try:
            budget = float(budget_text)
        except ValueError:
            errors.append(f"字段“专项资金预算（万元）”：“{budget_text}”不是数字。")
    weights = {t["key"]: data.get(f"w_{t['key']}") for t in scoring.spec_terms(spec) if data.get(f"w_{t['key']}")}
    return {"year": year, "budget": budget, "weights": weights, "pinned": _ids(data.getlist("pin")),
            "dropped": _ids(data.getlist("drop"))}, errors


@login_required
def proposal(request: HttpRequest) -> HttpResponse:
    lead = _lead_jurisdictions(request)
    if not lead:
        raise Forbidden("只有领导小组办公室可以编制年度拟建计划建议。")
    code = (request.POST if request.method == "POST" else request.GET).get("jurisdiction")
    jurisdiction = next((j for j in lead if j.code == code), lead[0])
    pack_id = (jurisdiction.pack_ids or [""])[0]
    spec = priority_spec(pack_id)
    params, errors = _params(request, spec)
    answer, refusal, status = None, None, 200
    if errors:
        status = 400
    elif params["budget"] is not None:
        try:
            if request.method == "POST":
                plan, answer = adopt(jurisdiction=jurisdiction, year=params["year"], budget_wan=params["budget"],
                                     actor=request.user, weights=params["weights"], pinned=params["pinned"],
                                     dropped=params["dropped"], source_ip=request.META.get("REMOTE_ADDR"))
                messages.success(request, f"已按建议方案将 {len(answer['selected'])} 个项目列入 {plan.year} 年度计划"
                                          f"（编制中），合计 {answer['total_wan']:g} 万元。")
                return redirect("planning:detail", plan.pk)
            answer = propose(jurisdiction=jurisdiction, year=params["year"], budget_wan=params["budget"],
                             weights=params["weights"], pinned=params["pinned"], dropped=params["dropped"])
        except DomainError as exc:
            refusal, status = presenters.refusal_context(exc, pack_id), exc.status
    pack = policy.load_pack(pack_id)
    terms = [{**t, "cite": lifecycle.cite_text(t["citation"]), "weight": (answer or {}).get("weights", {}).get(
        t["key"], params["weights"].get(t["key"], 1))} for t in scoring.spec_terms(spec)]
    return render(request, "planning/proposal.html", {
        "jurisdiction": jurisdiction, "jurisdictions": lead, "pack": pack, "spec": spec, "terms": terms,
        "params": params, "answer": answer, "errors": errors, "refusal": refusal,
        "spec_cite": lifecycle.cite_text(spec["citation"]) if spec.get("citation") else "",
        "mandatory_rules": [{**r, "cite": lifecycle.cite_text(r["citation"])} for r in spec.get("mandatory") or []],
    }, status=status)
