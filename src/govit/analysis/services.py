"""Analysis writes: the scan's findings, the lead office's confirmation or dismissal, existing systems.

Each runs in one transaction with its audit entry; a decision on a finding is also written to the
timeline of every project it concerns and told to their applicants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit.analysis.checks import scan_findings
from govit.analysis.models import ExistingSystem, Finding, FindingCode, FindingStatus
from govit.core.models import Jurisdiction, Role, Unit, User
from govit.core.services import audit_record
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused, audit_refusals
from govit.projects.models import Project
from govit.projects.selectors import assignment_for
from govit.projects.services.common import clean_list

_AUDIT_KEYS = ("code", "severity", "citation", "citations", "related", "score", "fact")


def require_lead_office(actor: User | None, jurisdiction: Jurisdiction, what: str) -> None:
    if actor is None or assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=jurisdiction.pk) is None:
        raise PermissionDenied(f"只有本级领导小组办公室（牵头部门）可以{what}。")


# --- the scan --------------------------------------------------------------------------------


@dataclass
class ScanRun:
    findings: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    refreshed: int = 0
    inactive: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"findings": self.findings, "created": self.created, "refreshed": self.refreshed,
                "inactive": self.inactive}


def _projects_of(found: dict[str, Any]) -> list[int]:
    refs = [found["subject"], *found["parts"], *found["related_refs"]]
    return sorted({r["ref"] for r in refs if r["kind"] == "project" and r["ref"]})


def analysis_scan(*, jurisdiction: Jurisdiction, actor: User | None = None, actor_name: str | None = None,
                  source_ip: str | None = None) -> ScanRun:
    """Compare every project of the jurisdiction with its systems and projects; keep the findings.

    A finding seen again keeps its decision and gets fresh evidence; an open one not seen any more
    becomes inactive (a confirmed or dismissed one stays as decided).
    """
    if actor is not None:
        require_lead_office(actor, jurisdiction, "运行重复建设与拆分比对")
    run = ScanRun(findings=scan_findings(jurisdiction))
    now = timezone.now()
    with transaction.atomic():
        existing = {f.fingerprint: f for f in Finding.objects.filter(jurisdiction=jurisdiction)}
        for found in run.findings:
            values = {"code": found["code"], "severity": found["severity"], "project_id": found["subject"]["ref"],
                      "related": found["related_refs"], "score": found["score"], "evidence": found["evidence"],
                      "citation": found["citation"], "citations": found["citations"], "message": found["message"],
                      "fact": found["fact"], "active": True, "last_seen_at": now}
            finding = existing.pop(found["fingerprint"], None)
            if finding is None:
                finding = Finding.objects.create(jurisdiction=jurisdiction, fingerprint=found["fingerprint"], **values)
                run.created += 1
            else:
                for name, value in values.items():
                    setattr(finding, name, value)
                finding.save()
                run.refreshed += 1
            finding.projects.set(_projects_of(found))
            found["id"] = finding.pk
            found["status"] = finding.status
        stale = [f.pk for f in existing.values() if f.active and f.status == FindingStatus.OPEN]
        run.inactive = Finding.objects.filter(pk__in=stale).update(active=False)
        audit_record(actor=actor, actor_name=actor_name, action="analysis.scan", source_ip=source_ip,
                     details={"jurisdiction": jurisdiction.code, "findings": len(run.findings),
                              "created": run.created, "refreshed": run.refreshed, "inactive": run.inactive})
    return run


# --- decisions -------------------------------------------------------------------------------


def _decide(finding: Finding, actor: User, status: str, reason: str, source_ip: str | None) -> Finding:
    from govit.projects.services.common import applicant_users, record_event

    reason = (reason or "").strip()
    action = "确认" if status == FindingStatus.CONFIRMED else "排除"
    if not reason:
        raise InvalidInput(f"请填写{action}的理由（将记入项目时间线和审计日志）。")
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        require_lead_office(actor, finding.jurisdiction, f"{action}分析结论")
        if finding.status != FindingStatus.OPEN:
            raise TransitionRefused(
                f"该结论已于 {finding.decided_at:%Y-%m-%d} {finding.get_status_display()}，不能再次认定。")
        finding.status, finding.decided_by, finding.decided_at = status, actor, timezone.now()
        finding.decision_reason = reason
        finding.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        label = FindingCode(finding.code).label
        details = {"finding": finding.pk, **{k: getattr(finding, k) for k in _AUDIT_KEYS}}
        for project in Project.objects.filter(pk__in=finding.projects.values("pk")).select_related("unit"):
            text = (f"领导小组办公室{action}了“{label}”：{finding.message}" if status == FindingStatus.CONFIRMED
                    else f"领导小组办公室排除了“{label}”（{reason}）。")
            record_event(project=project, actor=actor, kind=f"analysis.{'confirm' if action == '确认' else 'dismiss'}",
                         from_state=project.state, reason=reason, citations=[finding.citation, *finding.citations],
                         details=details, source_ip=source_ip, recipients=applicant_users(project), text=text)
        audit_record(actor=actor, action=f"analysis.finding_{'confirm' if action == '确认' else 'dismiss'}",
                     obj=finding, source_ip=source_ip, details={**details, "reason": reason})
    return finding


@audit_refusals
def finding_confirm(*, finding: Finding, actor: User, reason: str, source_ip: str | None = None) -> Finding:
    """The lead office confirms a finding: the pack fact it names is set for its projects."""
    return _decide(finding, actor, FindingStatus.CONFIRMED, reason, source_ip)


@audit_refusals
def finding_dismiss(*, finding: Finding, actor: User, reason: str, source_ip: str | None = None) -> Finding:
    """The lead office dismisses a finding (e.g. same words, different function) with its reason."""
    return _decide(finding, actor, FindingStatus.DISMISSED, reason, source_ip)


# --- existing systems ------------------------------------------------------------------------


def _system_values(data: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise InvalidInput("请填写系统名称。")
    if len(name) > 200:
        raise InvalidInput("系统名称过长（不超过 200 字）。")
    year = data.get("go_live_year")
    if year not in (None, "") and not (isinstance(year, int) and 1990 <= year <= 2100):
        raise InvalidInput("上线年度应为 1990 到 2100 之间的年份。")
    amount = data.get("investment_wan")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidInput("总投资（万元）应为数字。") from None
        if not amount.is_finite() or amount < 0:
            raise InvalidInput("总投资（万元）不能为负数。")
    return {"name": name, "content": str(data.get("content") or "").strip()[:20000],
            "functions": clean_list(data.get("functions") or [], "主要功能"),
            "data_items": clean_list(data.get("data_items") or [], "数据资源"),
            "go_live_year": year or None, "investment_wan": amount if amount not in ("",) else None,
            "shares_data": bool(data.get("shares_data", True))}


@audit_refusals
def system_create(*, jurisdiction: Jurisdiction, unit: Unit, actor: User, data: dict[str, Any],
                  source_ip: str | None = None) -> ExistingSystem:
    require_lead_office(actor, jurisdiction, "登记存量系统")
    if unit.jurisdiction_id != jurisdiction.pk:
        raise InvalidInput("建设单位不属于本行政区域。")
    values = _system_values(data)
    with transaction.atomic():
        if ExistingSystem.objects.filter(jurisdiction=jurisdiction, unit=unit, name=values["name"]).exists():
            raise InvalidInput(f"{unit.name}已登记名为“{values['name']}”的存量系统。")
        system = ExistingSystem.objects.create(jurisdiction=jurisdiction, unit=unit, created_by=actor, **values)
        audit_record(actor=actor, action="analysis.system_create", obj=system, source_ip=source_ip,
                     details={k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()})
    _refresh(jurisdiction)
    return system


@audit_refusals
def system_update(*, system: ExistingSystem, actor: User, data: dict[str, Any], unit: Unit | None = None,
                  source_ip: str | None = None) -> ExistingSystem:
    require_lead_office(actor, system.jurisdiction, "修改存量系统")
    values = _system_values(data)
    with transaction.atomic():
        system = ExistingSystem.objects.select_for_update().get(pk=system.pk)
        target_unit = unit or system.unit
        if target_unit.jurisdiction_id != system.jurisdiction_id:
            raise InvalidInput("建设单位不属于本行政区域。")
        clash = ExistingSystem.objects.filter(jurisdiction=system.jurisdiction, unit=target_unit,
                                              name=values["name"]).exclude(pk=system.pk)
        if clash.exists():
            raise InvalidInput(f"{target_unit.name}已登记名为“{values['name']}”的存量系统。")
        before = {k: getattr(system, k) for k in values}
        for name, value in values.items():
            setattr(system, name, value)
        system.unit = target_unit
        system.save()
        changed = {k: {"from": str(before[k]), "to": str(v)} for k, v in values.items() if before[k] != v}
        audit_record(actor=actor, action="analysis.system_update", obj=system, source_ip=source_ip,
                     details={"changed": changed, "unit": target_unit.name})
    _refresh(system.jurisdiction)
    return system


def _refresh(jurisdiction: Jurisdiction) -> None:
    from govit.analysis.tasks import schedule_index_refresh

    schedule_index_refresh(jurisdiction.pk)
