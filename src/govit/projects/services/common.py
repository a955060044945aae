"""Shared pieces of the project services: role checks, locking, the pack's answers, the timeline event."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from govit import policy
from govit.core.models import Role, User
from govit.core.services import audit_record
from govit.integrations import events as outbound_events
from govit.notifications.services import notify
from govit.policy import vocabulary as policy_vocabulary
from govit.policy.numerals import article_label
from govit.projects import authority, lifecycle
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import (
    MaterialCode,
    Project,
    ProjectEvent,
    ProjectState,
    ProjectYearAmount,
)
from govit.projects.selectors import (
    assignment_for,
    determination,
    evaluation_summary,
    uploaded_codes,
    users_with_role,
)

S = ProjectState
# Facts the platform keeps itself; an applicant's edit cannot set them.
SERVICE_OWNED_FACTS = ("dates", "change", "in_project_library", "in_annual_plan")
DECISIONS_REVIEW = ("return", "reject", "accept")
DECISIONS_APPROVAL = ("approve", "return", "reject")


# --- helpers ---------------------------------------------------------------------------------


def require_role(actor: User, role: str, project: Project, *, own_unit: bool = False, message: str) -> None:
    unit_id = project.unit_id if own_unit else None
    if assignment_for(actor, role, jurisdiction_id=project.jurisdiction_id, unit_id=unit_id) is None:
        raise PermissionDenied(message)


def require_applicant(actor: User, project: Project) -> None:
    require_role(actor, Role.APPLICANT, project, own_unit=True, message="只有本项目的建设单位可以办理此事项。")


def require_lead_office(actor: User, project: Project) -> None:
    require_role(actor, Role.LEAD_OFFICE, project, message="只有本级领导小组办公室（牵头部门）可以办理此事项。")


def require_decider(actor: User, project: Project, stage: str, *, action: str, route: str | None = None,
                    default: Callable[[User, Project], None] | None = require_lead_office) -> list[dict[str, Any]]:
    """The body the pack names for the stage (by route) takes the step; see `govit.projects.authority`."""
    return authority.require_decider(actor, project, stage, action=action, route=route, default=default)


def lock_project(project: Project) -> None:
    """Lock the row for this transaction and reload it, so checks see the committed state."""
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    project.refresh_from_db()


def pack_title(project: Project) -> str:
    return policy.load_pack(project.pack_id).title


def pack_digest(project: Project) -> str:
    return policy.load_pack(project.pack_id).digest


def wrong_state(project: Project, action: str) -> TransitionRefused:
    return TransitionRefused(f"项目当前状态为“{S(project.state).label}”，不能{action}。", code="wrong_state")


def require_step(project: Project, target: str, action: str) -> None:
    """The pack lists `target` and the project stands at the stage right before it."""
    if not lifecycle.stage_listed(project.pack_id, target):
        raise TransitionRefused(
            f"《{pack_title(project)}》未设“{S(target).label}”环节，不能{action}。", code="stage_not_in_pack"
        )
    current = S.DRAFT if project.state == S.RETURNED else project.state
    if current != lifecycle.predecessor(project.pack_id, target):
        raise wrong_state(project, action)


def finding_citations(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for f in findings:
        for c in [f["citation"], *(f.get("citations") or [])]:
            if c not in found:
                found.append(c)
    return found


def is_unit_finding(finding: dict[str, Any]) -> bool:
    """A finding about the applicant unit (未验收项目、数据共享违规 …): it restricts new applications."""
    return any(k.startswith("unit.") for k in finding.get("facts", {}))


def refuse_if_blocked(result: dict[str, Any], action: str, *, unit_rules: bool = True) -> None:
    """Refuse when the pack blocks. `unit_rules=False` for the steps of an approved project: a restriction
    on the unit's new projects (e.g. 巴中 第三十条) does not stop the acceptance of one already approved."""
    blocks = [f for f in result["findings"] if f["severity"] == "block" and (unit_rules or not is_unit_finding(f))]
    if blocks:
        reasons = "；".join(f"{f['message'].rstrip('。')}（{lifecycle.cite_text(f['citation'])}）" for f in blocks)
        raise TransitionRefused(f"不能{action}：{reasons}。", citations=finding_citations(blocks),
                                code="blocked_by_pack")


def doc_labels(codes: Iterable[str], pack_id: str | None = None) -> str:
    """Documents' names, in the pack's own words where it has them (通州 档案验收报告)."""
    labels = dict(MaterialCode.choices)
    return "、".join(policy_vocabulary.pack_label(pack_id, code, labels.get(code, code)) for code in codes)


def require_documents(project: Project, required: Iterable[str], citations: list[dict[str, Any]],
                       what: str) -> None:
    have = uploaded_codes(project)
    missing = [code for code in required if code not in have]
    if missing:
        basis = f"（{lifecycle.cite_list(citations)}）" if lifecycle.cite_list(citations) else ""
        raise TransitionRefused(
            f"{what}不全，缺少：{doc_labels(missing, project.pack_id)}{basis}。请上传后再办理。", citations=citations,
            missing=missing, code="documents_missing",
        )


def validate_citation(project: Project, citation: dict[str, Any] | None, *, required: bool) -> list[dict[str, Any]]:
    if not citation or not citation.get("article"):
        if required:
            raise InvalidInput("请注明所依据的条款（第几条）。", field="citation.article")
        return []
    pack = policy.load_pack(project.pack_id)
    article = int(citation["article"])
    if article not in pack.articles:
        raise InvalidInput(f"《{pack.title}》没有{article_label(article)}，请核对所依据的条款。",
                           code="invalid_citation", field="citation.article")
    item = citation.get("item")
    if item and int(item) not in pack.items.get(article, []):
        raise InvalidInput(f"《{pack.title}》{lifecycle.cite_text({'article': article})}没有第{item}项。",
                           code="invalid_citation", field="citation.item")
    clean = {"pack": project.pack_id, "article": article}
    if item:
        clean["item"] = int(item)
    return [clean]


def set_date(project: Project, name: str, value: date) -> None:
    facts = dict(project.facts)
    dates = dict(facts.get("dates") or {})
    dates[name] = value.isoformat()
    facts["dates"] = dates
    project.facts = facts


def set_fact(project: Project, name: str, value: Any) -> None:
    project.facts = {**project.facts, name: value}


def applicant_users(project: Project) -> list[User]:
    return users_with_role(Role.APPLICANT, jurisdiction_id=project.jurisdiction_id, unit_id=project.unit_id)


def lead_office_users(project: Project) -> list[User]:
    return users_with_role(Role.LEAD_OFFICE, jurisdiction_id=project.jurisdiction_id)


def leadership_users(project: Project) -> list[User]:
    return users_with_role(Role.LEADERSHIP, jurisdiction_id=project.jurisdiction_id)


def record_event(
    *,
    project: Project,
    actor: User | None,
    kind: str,
    from_state: str,
    reason: str = "",
    citations: list[dict[str, Any]] | None = None,
    result: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    source_ip: str | None = None,
    recipients: Iterable[User] = (),
    text: str = "",
) -> ProjectEvent:
    """Save the project, append the timeline event, refresh the stored status, notify, audit, and append the
    outbound feed entry (its webhook deliveries are sent once the transaction commits).

    Call inside the service's transaction, after the FSM transition (if any). The audit entry comes
    last: it locks the chain head, which is then held only until the service's commit.
    """
    from govit.projects.status import status_refresh
    from govit.supervision.obligations import mark_met_by

    project.save()
    digest = result["pack"]["digest"] if result else pack_digest(project)
    citations = citations or []
    event = ProjectEvent.objects.create(
        project=project,
        kind=kind,
        from_state=from_state,
        to_state=project.state,
        actor=actor,
        reason=reason,
        citations=citations,
        pack_id=project.pack_id,
        pack_digest=digest,
        evaluation=evaluation_summary(result) if result else {},
        details=details or {},
    )
    mark_met_by(event)
    status_refresh(project, sweep_tonight=True)
    if text:
        notify(users=recipients, project=project, text=f"【{project.name}】{text}")
    audit_record(
        actor=actor,
        action=f"project.{kind}",
        obj=project,
        source_ip=source_ip,
        details={
            "pack": project.pack_id,
            "digest": digest,
            "citations": citations,
            "from": from_state,
            "to": project.state,
            "reason": reason,
            "verdict": result["verdict"] if result else None,
            **(details or {}),
        },
    )
    # After the audit entry: the feed's sequence lock is taken while the audit chain's is held, always
    # in this order, and kept to the commit, so feed order is commit order.
    outbound_events.append(event)
    return event


def transition(
    *,
    project: Project,
    actor: User,
    move: Callable[[], Any] | None,
    kind: str,
    result: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Project:
    from_state = project.state
    if move is not None:
        move()
    record_event(project=project, actor=actor, kind=kind, from_state=from_state, result=result, **kwargs)
    return project


# --- creation and facts ----------------------------------------------------------------------


def clean_facts(facts: dict[str, Any] | None, pack_id: str | None = None) -> dict[str, Any]:
    """The project facts, checked against the facts model and (with `pack_id`) the pack's own facts."""
    try:
        parsed = policy.parse_input({"project": facts or {}, **({"pack": pack_id} if pack_id else {})})
    except policy.FactsError as exc:
        field = next((name for name, _ in exc.fields if name), "")
        raise InvalidInput("项目信息有误：" + "；".join(exc.errors),
                           field=("facts." + field.removeprefix("project.")) if field else "facts") from None
    return parsed.project.model_dump(mode="json", exclude_unset=True, exclude_none=True)


MAX_LIST_ITEMS = 200
MAX_ITEM_CHARS = 100


def clean_list(values: Iterable[str] | None, label: str) -> list[str]:
    """主要功能 / 数据资源: trimmed, non-empty, unique strings in their order."""
    if values is None:
        return []
    if isinstance(values, str):
        raise InvalidInput(f"{label}应为列表，每项一个。")
    found: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidInput(f"{label}的每一项应为文字。")
        text = " ".join(value.split())
        if len(text) > MAX_ITEM_CHARS:
            raise InvalidInput(f"{label}“{text[:20]}…”过长（每项不超过 {MAX_ITEM_CHARS} 字）。")
        if text and text not in found:
            found.append(text)
    if len(found) > MAX_LIST_ITEMS:
        raise InvalidInput(f"{label}最多 {MAX_LIST_ITEMS} 项。")
    return found


def set_description(project: Project, *, content: str | None, functions: Iterable[str] | None,
                    data_items: Iterable[str] | None) -> list[str]:
    """Set 建设内容, 主要功能 and 数据资源 where given; the names of the fields that changed."""
    changed = []
    if content is not None:
        text = content.strip()
        if len(text) > 20000:
            raise InvalidInput("建设内容过长（不超过 20000 字）。")
        if text != project.content:
            project.content = text
            changed.append("content")
    for name, values, label in (("functions", functions, "主要功能"), ("data_items", data_items, "数据资源")):
        if values is not None:
            clean = clean_list(values, label)
            if clean != getattr(project, name):
                setattr(project, name, clean)
                changed.append(name)
    return changed


def set_year_amounts(project: Project, year_amounts: Iterable[dict[str, Any]]) -> None:
    for row in year_amounts:
        year = int(row["year"])
        if not 2000 <= year <= 2100:
            raise InvalidInput(f"年度 {year} 无效。", field="year_amounts.year")
        ProjectYearAmount.objects.update_or_create(
            project=project, year=year, defaults={"planned_wan": Decimal(str(row.get("planned_wan", 0)))}
        )


def return_or_reject(*, project: Project, actor: User, decision: str, reason: str,
                      citation: dict[str, Any] | None, kind: str, source_ip: str | None) -> Project:
    if not (reason or "").strip():
        raise InvalidInput("请填写退回或不予立项的理由。", field="reason")
    if decision == "return":
        cites = validate_citation(project, citation, required=False)
        return transition(
            project=project, actor=actor, move=project.to_returned, kind=f"{kind}.return", reason=reason,
            citations=cites, source_ip=source_ip, recipients=applicant_users(project),
            text=f"项目被退回修改：{reason}",
        )
    cites = validate_citation(project, citation, required=True)
    return transition(
        project=project, actor=actor, move=project.to_rejected, kind=f"{kind}.reject", reason=reason,
        citations=cites, source_ip=source_ip, recipients=applicant_users(project),
        text=f"项目不予立项（{lifecycle.cite_list(cites)}）：{reason}",
    )


def deadline_of(result: dict[str, Any], code: str) -> dict[str, Any] | None:
    deadlines, _ = determination(result, "deadlines")
    return next((d for d in deadlines or [] if d.get("code") == code), None)


def pack_deadline(project: Project, code: str) -> dict[str, Any] | None:
    return next((d for d in policy.load_pack(project.pack_id).data.get("deadlines", []) if d["code"] == code), None)


