"""Analysis reads: who sees which findings and systems, finding rows for the pages, the project panel,
the lead office's inbox items."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from govit.analysis.models import ExistingSystem, Finding, FindingCode, FindingStatus, InventoryImportJob
from govit.core.models import Jurisdiction, Role
from govit.core.selectors import AnyUser, holds, jurisdiction_ids_where
from govit.projects.models import Project
from govit.projects.presenters import cite_links

SEVERITY_LABEL = {"block": "阻断", "warn": "提示", "info": "信息"}
VIEW_ROLES = (Role.LEAD_OFFICE, Role.LEADERSHIP)


def jurisdictions_of(user: AnyUser | None, roles: tuple[str, ...] = VIEW_ROLES) -> list[Jurisdiction]:
    ids = jurisdiction_ids_where(user, roles)
    return list(Jurisdiction.objects.filter(pk__in=ids).order_by("code"))


def lead_jurisdictions(user: AnyUser | None) -> list[Jurisdiction]:
    return jurisdictions_of(user, (Role.LEAD_OFFICE,))


def is_lead_of(user: AnyUser | None, jurisdiction_id: int) -> bool:
    return holds(user, Role.LEAD_OFFICE, jurisdiction_id=jurisdiction_id)


def findings_visible_to(user: AnyUser | None) -> QuerySet[Finding]:
    return Finding.objects.filter(jurisdiction__in=jurisdictions_of(user)).select_related(
        "project", "project__unit", "decided_by", "jurisdiction")


def systems_visible_to(user: AnyUser | None) -> QuerySet[ExistingSystem]:
    return ExistingSystem.objects.filter(jurisdiction__in=jurisdictions_of(user)).select_related("unit",
                                                                                                 "jurisdiction")


def import_jobs_visible_to(user: AnyUser | None) -> QuerySet[InventoryImportJob]:
    return InventoryImportJob.objects.filter(jurisdiction__in=lead_jurisdictions(user))


def filter_findings(qs: QuerySet[Finding], *, code: str = "", status: str = "", query: str = "",
                    show_inactive: bool = False) -> QuerySet[Finding]:
    if code in FindingCode.values:
        qs = qs.filter(code=code)
    if status in FindingStatus.values:
        qs = qs.filter(status=status)
    if not show_inactive:
        qs = qs.filter(Q(active=True) | ~Q(status=FindingStatus.OPEN))
    if query:
        qs = qs.filter(Q(project__name__icontains=query) | Q(project__unit__name__icontains=query)
                       | Q(message__icontains=query))
    pending_first = Case(When(status=FindingStatus.OPEN, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return qs.order_by(pending_first, "severity", "code", "-score", "pk")


def _pairs(evidence: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list(evidence.get(f"matched_{kind}") or [])


def finding_row(finding: Finding, user: AnyUser | None = None) -> dict[str, Any]:
    evidence = finding.evidence or {}
    return {
        "finding": finding,
        "code_label": FindingCode(finding.code).label,
        "severity_label": SEVERITY_LABEL.get(finding.severity, finding.severity),
        "links": cite_links([finding.citation, *finding.citations], finding.project.pack_id),
        "functions": _pairs(evidence, "functions"),
        "data_items": _pairs(evidence, "data_items"),
        "terms": evidence.get("shared_terms") or [],
        "components": evidence.get("components") or {},
        "parts": evidence.get("parts") or [],
        "split": finding.code == FindingCode.SPLIT_APPLICATION,
        "can_decide": finding.status == FindingStatus.OPEN and is_lead_of(user, finding.jurisdiction_id),
        "related": finding.related,
    }


def counts(qs: QuerySet[Finding]) -> dict[str, int]:
    rows = list(qs.values_list("code", "status"))
    found = {code: sum(1 for c, s in rows if c == code and s == FindingStatus.OPEN) for code in FindingCode.values}
    found["open"] = sum(1 for _, s in rows if s == FindingStatus.OPEN)
    found["confirmed"] = sum(1 for _, s in rows if s == FindingStatus.CONFIRMED)
    found["dismissed"] = sum(1 for _, s in rows if s == FindingStatus.DISMISSED)
    return found


def inbox_rows(jurisdiction_ids: list[int]) -> QuerySet[Finding]:
    """Open findings as (kind, ref, project_id, since) rows for the lead office's paged inbox UNION."""
    from django.db.models import CharField, F

    return (Finding.objects.filter(jurisdiction_id__in=jurisdiction_ids, status=FindingStatus.OPEN, active=True)
            .order_by().annotate(kind=Value("analysis", output_field=CharField()), ref=F("pk"), since=F("detected_at"))
            .values_list("kind", "ref", "project_id", "since"))


def inbox_texts(finding_ids: set[int]) -> dict[int, str]:
    """What the inbox says of each open finding (one query for a page)."""
    texts = {}
    for f in Finding.objects.filter(pk__in=finding_ids):
        others = "、".join(f"“{n}”" for n in f.related_names[:3])
        texts[f.pk] = f"{FindingCode(f.code).label}（{SEVERITY_LABEL.get(f.severity, f.severity)}）" + (
            f"：涉及{others}" if others else "") + "，待认定"
    return texts


def project_findings(project: Project) -> QuerySet[Finding]:
    return Finding.objects.filter(projects=project).select_related("project", "decided_by").order_by(
        "status", "code", "-score", "pk")


def project_panel(project: Project, user: AnyUser | None, roles: set[str]) -> dict[str, Any] | None:
    """What the project page shows of the analysis: findings with evidence (lead office, leadership,
    member reviewers); to the applicant, likely duplicates of other units by name and unit only."""
    from govit.analysis.checks import project_check

    reviewer = bool(roles & {Role.LEAD_OFFICE, Role.LEADERSHIP, Role.MEMBER_REVIEWER})
    applicant = Role.APPLICANT in roles
    if not (reviewer or applicant):
        return None
    findings = list(project_findings(project))
    live = project_check(project)
    if reviewer:
        return {"reviewer": True, "rows": [finding_row(f, user) for f in findings],
                "similar": [similar_row(h, project) for h in live.similar[:8]]}
    decided = [f for f in findings if f.status == FindingStatus.CONFIRMED]
    return {"reviewer": False, "confirmed": [finding_row(f) for f in decided],
            "likely": likely_duplicates(live.similar, project.unit_id)}


def similar_row(hit: Any, project: Project | None = None) -> dict[str, Any]:
    evidence = hit.evidence()
    return {"kind": "存量系统" if hit.doc.kind == "system" else "项目", "name": hit.doc.name,
            "unit": hit.doc.unit_name, "score": hit.score, "functions": evidence["shared_functions"],
            "data_items": evidence["shared_data_items"], "terms": evidence["shared_terms"][:6]}


def likely_duplicates(similar: list[Any], unit_id: int, *, minimum: float | None = None) -> list[dict[str, str]]:
    """For an applicant: what its draft resembles, other units' by name and unit only."""
    from govit.analysis.engine.lexicon import load_lexicon

    floor = load_lexicon().settings["duplicate_warn"] if minimum is None else minimum
    rows = []
    for hit in similar:
        if hit.score < floor:
            continue
        rows.append({"kind": "存量系统" if hit.doc.kind == "system" else "项目", "name": hit.doc.name,
                     "unit": hit.doc.unit_name, "own": hit.doc.unit_id == unit_id,
                     "level": "高度相似" if hit.score >= load_lexicon().settings["duplicate_strong"] else "相似"})
    return rows
