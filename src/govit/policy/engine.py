"""Evaluate a project's facts under a pack: verdict, findings, determinations and a full trace.

Nothing here is about one jurisdiction: every threshold, route and deadline comes from the pack.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from govit.policy import derived
from govit.policy.conditions import UNKNOWN, Context, Outcome, evaluate, shifted_date
from govit.policy.declarations import check_declared_input
from govit.policy.facts import EvaluationInput, FactsError, given_facts
from govit.policy.labels import fact_label
from govit.policy.legal import next_annual, quarter_end, year_end
from govit.policy.loader import Pack, citations_of, load_pack
from govit.policy.result import Citation, Determination, EvaluationResult, Finding, PackInfo, TraceEntry

# Strictness, least strict first: a conflict between articles takes the stricter value.
STRICTNESS: dict[str, list[Any]] = {
    "review_route": ["not_applicable", "exempt", "filing", "department_opinions", "approval", "joint_review"],
    "supervision": ["not_required", "expected", "unified_service", "required"],
    "change_route": ["self_adjust_and_file", "apply_then_file", "full_reapproval"],
    "om_funding": ["allowed", "denied"],
    "contract_terms": ["ok", "violates"],
    "unit_may_apply": [True, False],
    "documents_may_merge": [True, False],
    "in_scope": [False, True],
}

# Canonical order of list values (the contract's order), so union results read the same everywhere.
LIST_ORDER = {
    "review_bodies": ["data_bureau", "netsec", "secrecy_crypto", "finance", "police", "development_reform",
                      "approval_bureau", "economy_it", "audit", "archives", "industry", "experts", "government"],
    "approval_documents": ["proposal", "feasibility_study", "preliminary_design", "budget_estimate",
                           "implementation_plan", "service_requirements_plan", "technical_plan", "om_plan"],
    "acceptance_documents": ["construction_summary", "financial_report", "audit_report", "resource_sharing_report",
                             "third_party_test_report", "security_risk_assessment", "mlps_assessment",
                             "data_security_assessment", "crypto_assessment", "mlps_filing_certificate",
                             "archives_acceptance", "pre_acceptance_report"],
}
LIST_ORDER["merged_documents"] = LIST_ORDER["approval_documents"]

UNKNOWN_DOC_NUMBER = "文号未知"

_SEVERITY_ORDER = {"block": 0, "conflict": 1, "missing": 2, "warn": 3, "info": 4}


class Evaluation:
    """One evaluation in progress; `run()` returns the contract's result."""

    def __init__(self, pack: Pack, facts: EvaluationInput, as_of: date):
        self.pack = pack
        self.as_of = as_of
        self.facts = facts
        python_facts = {
            "project": facts.project.model_dump(exclude_unset=True, exclude_none=True),
            "unit": facts.unit.model_dump(exclude_unset=True, exclude_none=True),
        }
        self.ctx = Context(python_facts, pack.parameters, as_of, derived.DERIVED)
        self.findings: list[Finding] = []
        self.determinations: dict[str, Determination] = {}
        self.trace: list[TraceEntry] = []

    # -- helpers -----------------------------------------------------------------------------
    def cite(self, node: dict[str, Any]) -> list[Citation]:
        cache = self.pack.citation_cache
        key = id(node)
        if key not in cache:
            cache[key] = [Citation(pack=self.pack.id, **c) for c in citations_of(node)]
        return list(cache[key])

    def _trace(self, kind: str, name: str, outcome: Outcome, result: Any = None) -> None:
        self.trace.append(TraceEntry.model_construct(
            kind=kind, name=name,
            result="unknown" if outcome.value is UNKNOWN else outcome.value if result is None else result,
            facts=dict(outcome.read), parameters=dict(outcome.params), missing=sorted(outcome.missing)))

    def _finding(self, rule: str, severity: str, citations: list[Citation], message: str,
                 facts: dict[str, Any], missing: list[str] | None = None) -> None:
        self.findings.append(Finding.model_construct(
            rule=f"{self.pack.id}/{rule}", severity=severity, citation=citations[0],
            citations=citations[1:], message=message, facts=facts, missing_facts=missing or []))

    def _missing(self, rule: str, citations: list[Citation], outcome: Outcome, what: str) -> None:
        needed = "、".join(f"“{fact_label(name)}”" for name in sorted(outcome.missing))
        self._finding(rule, "missing", citations, f"缺少信息{needed}，无法判断{what}。请补充后重新预检。",
                      {name: None for name in sorted(outcome.missing)}, sorted(outcome.missing))

    # -- the steps ---------------------------------------------------------------------------
    def run(self) -> EvaluationResult:
        status = self.pack.status(self.as_of)
        self._validity(status)
        mode = self._scope()
        if mode != "none":
            self._rules()
            self._determinations()
            self._deadlines()
        else:
            self.determinations["review_route"] = Determination(
                value="not_applicable", citations=self.determinations["in_scope"].citations)
        self.findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
        severities = {f.severity for f in self.findings}
        verdict = "blocked" if "block" in severities else "incomplete" if "missing" in severities else "eligible"
        valid_until = self.pack.valid_until
        return EvaluationResult(
            pack=PackInfo(
                id=self.pack.id, title=self.pack.title, doc_number=self.pack.doc_number or UNKNOWN_DOC_NUMBER,
                status=status, valid_from=self.pack.valid_from, valid_until=valid_until, digest=self.pack.digest,
                days_left=(valid_until - self.as_of).days if valid_until and status == "in_force" else None,
                doc_number_known=self.pack.doc_number is not None,
                valid_from_known=self.pack.valid_from is not None,
                text_complete=self.pack.text_complete, missing_articles=self.pack.missing_articles),
            as_of=self.as_of, verdict=verdict, findings=self.findings, determinations=self.determinations,
            trace=self.trace, facts=given_facts(self.facts),
        )

    def _validity(self, status: str) -> None:
        citation = [Citation(pack=self.pack.id, **self.pack.data["validity_citation"])]
        if not self.pack.text_complete:
            missing = self.pack.missing_articles
            which = f"缺少{'、'.join(f'第{n}条' for n in missing)}" if missing else "缺少部分条款"
            self._finding("text/incomplete", "warn", citation,
                          f"本政策包依据的办法文本不完整（{which}），缺失条款的规定未编入，评估结果可能不全，"
                          "请以正式文本为准。", {"missing_articles": missing})
        if self.pack.valid_from is None:
            self._finding("validity/start-unknown", "info", citation,
                          "本办法的施行日期未知（政策包如实标注为未知），无法判断评估日是否已施行。", {})
        if status == "expired":
            self._finding("validity/expired", "warn", citation,
                          f"本办法已于 {self.pack.valid_until.isoformat()} 到期（有效期届满），评估结果仅供参考，"
                          "请确认是否有新修订的办法。", {"as_of": self.as_of.isoformat()})
        elif status == "not_yet_in_force":
            self._finding("validity/not-yet-in-force", "warn", citation,
                          f"本办法自 {self.pack.valid_from.isoformat() if self.pack.valid_from else '（日期未知）'} "
                          "起施行，评估日尚未生效，评估结果仅供参考。",
                          {"as_of": self.as_of.isoformat()})

    def _scope(self) -> str:
        scope = self.pack.data["scope"]
        unknown: Outcome | None = None
        for index, case in enumerate(scope.get("cases", [])):
            outcome = evaluate(case["when"], self.ctx)
            self._trace("scope", f"scope[{index}]", outcome)
            if outcome.value is UNKNOWN and unknown is None:
                unknown = outcome
            if outcome.value is True and unknown is None:
                return self._set_scope(case, outcome)
        if unknown is not None:
            self._missing("scope", self.cite(scope["otherwise"]), unknown, "本办法是否适用（适用范围）")
            return "unknown"
        return self._set_scope(scope["otherwise"], Outcome(True))

    def _set_scope(self, case: dict[str, Any], outcome: Outcome) -> str:
        mode = case["mode"]
        citations = self.cite(case)
        self.determinations["in_scope"] = Determination(value=mode == "full", citations=citations)
        if mode != "full" and case.get("message"):
            self._finding("scope", "info", citations, case["message"], dict(outcome.read))
        return mode

    def _rules(self) -> None:
        for rule in self.pack.data.get("rules", []):
            if "python" in rule:
                outcome = getattr(self.pack.module, rule["python"])(self.ctx)
            else:
                outcome = evaluate(rule["when"], self.ctx)
            self._trace("rule", rule["id"], outcome)
            citations = self.cite(rule)
            if outcome.value is UNKNOWN:
                self._missing(rule["id"], citations, outcome, f"是否存在以下情形：{_situation(rule['message'])}")
            elif outcome.value:
                severity, message = rule["severity"], rule["message"]
                exception = rule.get("exception")
                if exception:
                    relief = evaluate(exception["when"], self.ctx)
                    self._trace("exception", rule["id"], relief)
                    if relief.value is True:
                        severity, message = exception["severity"], exception["message"]
                        citations = self.cite(exception) + citations
                        outcome.read.update(relief.read)
                self._finding(rule["id"], severity, citations, message, dict(outcome.read))

    def _determinations(self) -> None:
        for name, spec in self.pack.data.get("determinations", {}).items():
            if name == "in_scope":
                continue
            if "skip_unless" in spec:
                gate = evaluate(spec["skip_unless"], self.ctx)
                self._trace("determination-gate", name, gate)
                if gate.value is not True:
                    continue
            mode = spec.get("mode", "scalar")
            matches: list[dict[str, Any]] = []
            unknown: list[tuple[dict[str, Any], Outcome]] = []
            for case in spec["cases"]:
                outcome = evaluate(case["when"], self.ctx)
                self._trace("determination", f"{name}/{case['id']}", outcome)
                if outcome.value is True:
                    matches.append(case)
                    if mode == "first":
                        break
                elif outcome.value is UNKNOWN:
                    unknown.append((case, outcome))
                    if mode == "first":
                        break
            if matches:
                self._decide(name, spec, mode, matches)
                self._raise(name, spec)
            if unknown and (not matches or mode == "union"):
                # A union with an undecidable case may be short: say so rather than pass silently.
                self._determination_missing(name, spec, unknown)
            elif not matches and "otherwise" in spec:
                other = spec["otherwise"]
                self.determinations[name] = Determination(
                    value=self._value(other["value"], name), citations=self.cite(other))
                self._raise(name, spec)

    def _raise(self, name: str, spec: dict[str, Any]) -> None:
        """Findings a determination's value brings with it (e.g. O&M funding denied to an O&M project)."""
        determination = self.determinations[name]
        for entry in spec.get("raise", []):
            if entry["value"] != determination.value:
                continue
            outcome = evaluate(entry["when"], self.ctx) if "when" in entry else Outcome(True)
            self._trace("determination-raise", f"{name}/{entry['value']}", outcome)
            if outcome.value is True:
                self._finding(f"{name}/{entry['value']}", entry["severity"], list(determination.citations),
                              entry["message"], dict(outcome.read))

    def _determination_missing(self, name: str, spec: dict[str, Any],
                               unknown: list[tuple[dict[str, Any], Outcome]]) -> None:
        merged = Outcome(UNKNOWN)
        citations: list[Citation] = []
        for case, outcome in unknown:
            merged.missing |= outcome.missing
            citations.extend(c for c in self.cite(case) if c not in citations)
        self._missing(f"determination/{name}", citations, merged, f"“{spec.get('label', name)}”")

    def _decide(self, name: str, spec: dict[str, Any], mode: str, matches: list[dict[str, Any]]) -> None:
        if mode == "union":
            values: list[Any] = []
            citations: list[Citation] = []
            for case in matches:
                values.extend(v for v in case["value"] if v not in values)
                citations.extend(c for c in self.cite(case) if c not in citations)
            order = LIST_ORDER.get(name) or spec.get("order") or []
            values.sort(key=lambda v: order.index(v) if v in order else len(order))
            self.determinations[name] = Determination(value=values, citations=citations)
            return
        overridden = {target for case in matches for target in case.get("overrides", [])}
        standing = [case for case in matches if case["id"] not in overridden]
        values = []
        for case in standing:
            value = self._value(case["value"], name)
            if value not in values:
                values.append(value)
        citations = [c for case in standing for c in self.cite(case)]
        if len(values) > 1:
            order = spec.get("order") or STRICTNESS.get(name, [])
            chosen = max(values, key=lambda v: order.index(v) if v in order else -1)
            cited = "与".join(f"第{c.article}条" for c in citations)
            self._finding(
                f"conflict/{name}", "conflict", citations,
                f"{cited}对同一项目给出不同结论（{' / '.join(map(str, values))}），本办法未规定何者优先，"
                f"按较严格的“{chosen}”处理，请牵头部门确认。", {})
            chosen_cases = [c for c in standing if self._value(c["value"], name) == chosen]
            self.determinations[name] = Determination(value=chosen, citations=citations,
                                                      conflict=True, basis=[c["id"] for c in chosen_cases])
        else:
            self.determinations[name] = Determination(value=values[0], citations=citations)

    def _value(self, value: Any, name: str) -> Any:
        if isinstance(value, dict) and "compute" in value:
            return derived.compute(value["compute"], self.ctx)
        return value

    def _deadlines(self) -> None:
        found = []
        for spec in self.pack.data.get("deadlines", []):
            if "when" in spec:
                gate = evaluate(spec["when"], self.ctx)
                self._trace("deadline-gate", spec["code"], gate)
                if gate.value is not True:
                    continue
            outcome = Outcome(True)
            entry: dict[str, Any] = {"code": spec["code"]}
            citations = self.cite(spec)
            if "window" in spec:
                window = spec["window"]
                start = shifted_date({"date": window["date"], "add_months": window["from_months"]}, self.ctx, outcome)
                end = shifted_date({"date": window["date"], "add_months": window["until_months"]}, self.ctx, outcome)
                if start is None or end is None:
                    continue
                entry.update({"from": start, "until": end,
                              "status": "not_yet_open" if self.as_of < start
                              else "closed" if self.as_of > end else "open"})
            else:
                due = self._due(spec["due"], outcome)
                if due is None:
                    continue
                entry.update({"due": due,
                              "status": "due" if due == self.as_of else "overdue" if self.as_of > due else "upcoming"})
            if "met_if" in spec:
                met = evaluate(spec["met_if"], self.ctx)
                if met.value is True:
                    entry["status"] = "met"
            entry["citation"] = citations[0].model_dump(exclude_none=True)
            if spec.get("label"):
                entry["label"] = spec["label"]
            self.trace.append(TraceEntry.model_construct(kind="deadline", name=spec["code"], result=entry["status"],
                                         facts=dict(outcome.read), parameters=dict(outcome.params), missing=[]))
            found.append((entry, citations))
        if found:
            citations: list[Citation] = []
            for _, cites in found:
                citations.extend(c for c in cites if c not in citations)
            self.determinations["deadlines"] = Determination(value=[e for e, _ in found], citations=citations)

    def _due(self, due: dict[str, Any], outcome: Outcome) -> date | None:
        if "period_end" in due:
            return quarter_end(self.as_of) if due["period_end"] == "quarter" else year_end(self.as_of)
        if "annual" in due:
            return next_annual(self.as_of, due["annual"]["month"], due["annual"]["day"])
        return shifted_date(due, self.ctx, outcome)


def _situation(message: str) -> str:
    """The situation a rule describes: its message's first sentence, without the remedy that follows."""
    return message.split("。")[0].rstrip("；;，,")


def evaluate_facts(facts: EvaluationInput, pack_id: str | None = None, as_of: date | None = None) -> EvaluationResult:
    """Evaluate under one pack: `pack_id` (else facts.pack), on `as_of` (else facts.as_of, else today)."""
    pack = load_pack(pack_id or facts.pack or "")
    check_declared(pack, facts)
    return Evaluation(pack, facts, as_of or facts.as_of or date.today()).run()


def check_declared(pack: Pack, facts: EvaluationInput) -> None:
    """The pack's own facts and unit kinds in the input, checked against its declarations."""
    given = {"project": facts.project.model_dump(exclude_none=True), "unit": facts.unit.model_dump(exclude_none=True)}
    problems = check_declared_input(pack.data, given)
    if problems:
        raise FactsError([f"字段 {field}：{text}" for field, text in problems], problems)
