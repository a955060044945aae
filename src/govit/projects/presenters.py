"""Shaping project data for the web pages: citations as links, the stage stepper, checklists,
deadlines and the timeline in plain Chinese. Pure reads; every label comes from the models'
choices, `govit.policy.labels` or the pack itself."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from govit import policy
from govit.core.models import Role
from govit.policy import labels, vocabulary
from govit.projects import lifecycle
from govit.projects.models import MaterialCode, Project, ProjectEvent, ProjectState
from govit.projects.selectors import application_checklist, determination, uploaded_codes
from govit.regulations.evaluation import readable
from govit.regulations.selectors import article_url

S = ProjectState
# A deadline this close is shown as 即将到期.
DUE_SOON_DAYS = 30
# Deadlines the lead office meets, not the applicant (the packs' deadline codes).
LEAD_OFFICE_DEADLINES = frozenset({"annual_plan_due"})

EVENT_LABELS = {
    "create": "新建项目",
    "update": "修改项目信息",
    "material.upload": "上传材料",
    "import": "由存量台账导入",
    "import.update": "按存量台账更新",
    "analysis.confirm": "确认重复建设与拆分分析结论",
    "analysis.dismiss": "排除重复建设与拆分分析结论",
    "submit": "提交申报",
    "preliminary_review.start": "受理申报、开始初审",
    "preliminary_review.return": "初审退回修改",
    "preliminary_review.reject": "初审不予立项",
    "preliminary_review.accept": "初审通过、纳入储备库",
    "review.route": "组织审查、派发审查意见任务",
    "review.opinion": "出具审查意见",
    "plan.approve": "年度计划审定，列入计划",
    "plan.adjust": "年中调整，调入年度计划",
    "plan.emergency_insert": "紧急插入年度计划",
    "approval.approve": "批复立项",
    "approval.return": "审批退回修改",
    "approval.reject": "不予立项",
    "approval.exempt": "免于审批",
    "filing": "备案",
    "procurement.start": "启动招标采购",
    "construction.start": "开工建设",
    "completion": "报告建成",
    "pre_acceptance.request": "申请预验收",
    "pre_acceptance.pass": "预验收通过",
    "pre_acceptance.fail": "预验收未通过",
    "acceptance.request": "申请竣工验收",
    "acceptance.pass": "竣工验收通过",
    "acceptance.fail": "竣工验收未通过",
    "go_live": "投入运行",
    "operation.record": "记录运维情况",
    "self_evaluation": "提交自评价",
    "post_evaluation": "录入后评价",
    "report.quarterly": "报送季度进展报告",
    "report.yearly": "报送年度绩效报告",
    "change.request": "提出调整申请",
    "change.approve": "同意调整申请",
    "change.reject": "不同意调整申请",
    "change.filed": "调整报备",
    "change.reapproval.approve": "调整重新批复",
    "change.reapproval.return": "调整未获批准（退回）",
    "change.reapproval.reject": "调整未获批准",
    "review.reapproval": "调整重新报批，组织审查",
    "review.phase": "派发下一批审查意见任务",
    "withdraw": "撤回申报",
    "delete": "删除草稿",
    "supervision.unified_request": "申请统一监理服务",
    "acceptance_extension.request": "申请延期验收",
    "acceptance_extension.approve": "同意延期验收",
    "acceptance_extension.reject": "不同意延期验收",
    "suspend": "暂停项目",
    "resume": "恢复项目",
    "terminate": "终止项目",
}


# Things a step may be missing that are not documents.
OTHER_MISSING = {"supervision_unified_service": "统一监理服务申请"}


def doc_label(code: str, pack_id: str | None = None) -> str:
    """A document's name: the pack's own word first (通州 档案验收报告), then the platform's."""
    if pack_id and (own := vocabulary.pack_label(pack_id, code, "")):
        return own
    if code in MaterialCode.values:
        return MaterialCode(code).label
    return OTHER_MISSING.get(code) or labels.DOCUMENTS.get(code, code)


def cite_links(citations: list[dict[str, Any]] | None, pack_id: str) -> list[dict[str, str]]:
    """Distinct article links (第三十条（二） → /regulations/<pack>/#art-30) in the order given."""
    seen: set[str] = set()
    links = []
    for c in citations or []:
        if not c.get("article"):
            continue
        text = lifecycle.cite_text(c)
        pack = c.get("pack") or pack_id
        if text in seen:
            continue
        seen.add(text)
        links.append({"text": text, "url": article_url(pack, int(c["article"]))})
    return links


def refusal_context(exc: Any, pack_id: str) -> dict[str, Any]:
    """A DomainError as the refusal panel shows it: message, article links, missing items in Chinese."""
    missing = [doc_label(m, pack_id) if m in MaterialCode.values or m in OTHER_MISSING
               else labels.REVIEW_BODIES.get(m, m) for m in getattr(exc, "missing", [])]
    return {"message": vocabulary.in_pack_words(exc.message, pack_id),
            "links": cite_links(getattr(exc, "citations", []), pack_id), "missing": missing}


def stepper(project: Project) -> list[dict[str, Any]]:
    """The stages the pack uses, in order, each done / current / todo."""
    sequence = lifecycle.main_sequence(project.pack_id)
    current = project.state
    if current == S.RETURNED:
        current = S.DRAFT
    elif current == S.SUSPENDED:
        current = project.state_before_suspension
    elif current == S.FILED and current not in sequence:
        current = S.APPROVED
    position = sequence.index(current) if current in sequence else -1
    steps = []
    for index, stage in enumerate(sequence):
        status = "done" if index < position else "current" if index == position else "todo"
        steps.append({"stage": stage, "label": labels.STAGE.get(stage, S(stage).label),
                      "title": lifecycle.stage_label(project.pack_id, stage), "status": status})
    return steps


def deadline_rows(result: dict[str, Any], today: date | None = None) -> list[dict[str, Any]]:
    """The evaluation's deadlines; an upcoming one within DUE_SOON_DAYS reads 即将到期."""
    today = today or timezone.localdate()
    pack_id = result["pack"]["id"]
    deadlines, _ = determination(result, "deadlines")
    rows = []
    for entry in deadlines or []:
        status = entry.get("status", "")
        when = entry.get("due") or f"{entry.get('from', '')} 至 {entry.get('until', '')}"
        due = entry.get("due") or entry.get("until")
        if status in ("upcoming", "open", "due") and due and date.fromisoformat(due) <= today + timedelta(
            days=DUE_SOON_DAYS
        ):
            status = "due_soon"
        rows.append({
            "code": entry["code"],
            "label": entry.get("label") or labels.DEADLINE.get(entry["code"], entry["code"]),
            "when": when,
            "status": status,
            "status_label": labels.DEADLINE_STATUS.get(status, status),
            "links": cite_links([entry["citation"]], pack_id),
        })
    return rows


def _checklist(title: str, codes: list[str], citations: list[dict[str, Any]], have: set[str],
               pack_id: str) -> dict[str, Any]:
    rows = [{"code": c, "label": doc_label(c, pack_id), "have": c in have} for c in codes]
    return {"title": title, "rows": rows, "missing": [r for r in rows if not r["have"]],
            "links": cite_links(citations, pack_id)}


def checklists(project: Project, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The document checklists that matter at the project's stage, each code ticked or missing."""
    have = uploaded_codes(project)
    pack_id = project.pack_id
    state = project.state
    lists = []
    if state in (S.DRAFT, S.RETURNED):
        docs, cites = application_checklist(project)
        lists.append(_checklist("申报材料", docs, cites, have, pack_id))
    if state in (S.DRAFT, S.RETURNED, S.SUBMITTED, S.PRELIMINARY_REVIEW, S.IN_LIBRARY, S.PLANNED,
                 S.UNDER_REVIEW):
        docs, cites = determination(result, "approval_documents")
        if docs:
            lists.append(_checklist("报批材料", list(docs), cites, have, pack_id))
    if state in (S.CONSTRUCTION, S.TRIAL_RUN, S.PRE_ACCEPTANCE):
        entry = lifecycle.checklist(pack_id, "pre_acceptance")
        if entry and entry.get("documents") and project.awaiting not in ("pre_acceptance_passed", "acceptance"):
            lists.append(_checklist("预验收材料", list(entry["documents"]), lifecycle.checklist_citations(
                pack_id, entry), have, pack_id))
        docs, cites = determination(result, "acceptance_documents")
        if docs is None:
            entry = lifecycle.checklist(pack_id, "acceptance") or {}
            docs, cites = entry.get("documents", []), lifecycle.checklist_citations(pack_id, entry)
        if docs:
            lists.append(_checklist("竣工验收材料", list(docs), cites, have, pack_id))
    return lists


def timeline_rows(events: list[ProjectEvent]) -> list[dict[str, Any]]:
    """Every event, newest first, with who, when, from → to, reason, articles and the pack digest."""
    rows = []
    for e in events:
        details = e.details or {}
        extra = []
        if details.get("doc_code"):
            extra.append(f"{doc_label(details['doc_code'])}：{details.get('name', '')}")
        if details.get("document_no"):
            extra.append(f"批复文号：{details['document_no']}")
        if details.get("period"):
            extra.append(f"期间：{details['period']}")
        if details.get("route") and e.kind == "change.request":
            ratio = details.get("ratio")
            share = f"，调整比例 {ratio:.1%}" if isinstance(ratio, int | float) else ""
            extra.append(f"调整程序：{labels.CHANGE_ROUTE.get(details['route'], details['route'])}{share}")
        if details.get("opinion"):
            from govit.reviews.models import Opinion, ReviewBody

            extra.append(f"{ReviewBody(details['body']).label}：{Opinion(details['opinion']).label}")
        moved = bool(e.from_state) and e.from_state != e.to_state
        rows.append({
            "at": e.at,
            "label": EVENT_LABELS.get(e.kind, e.kind),
            "actor": e.actor.display_name if e.actor else "系统",
            "from_label": S(e.from_state).label if moved else "",
            "to_label": S(e.to_state).label if moved or not e.from_state else "",
            "reason": e.reason,
            "extra": "；".join(extra),
            "links": cite_links(e.citations, e.pack_id),
            "digest": (e.pack_digest or "").split(":")[-1][:12],
            "pack_id": e.pack_id,
        })
    return rows[::-1]


def _determination_value(pack_id: str, name: str, value: Any) -> str:
    """A determination's value in plain Chinese; a custom one in the pack's labels (never a raw code)."""
    if isinstance(value, list):
        return "、".join(_determination_value(pack_id, name, v) for v in value) or "无"
    known = labels.determination_value_label(name, value)
    if isinstance(value, str) and known == value:
        return vocabulary.pack_label(pack_id, value, doc_label(value, pack_id))
    return known


def evaluation_view(project: Project, result: dict[str, Any]) -> dict[str, Any]:
    """Findings by severity and determinations in plain Chinese, cited like the services' messages."""
    pack_id = result["pack"]["id"]
    view = readable(result)
    groups = []
    for severity in labels.SEVERITY_ORDER:
        found = [{"message": f["message"], "links": cite_links([f["citation"], *(f.get("citations") or [])], pack_id)}
                 for f in result["findings"] if f["severity"] == severity]
        if found:
            groups.append({"severity": severity, "label": labels.SEVERITY[severity], "findings": found})
    view["groups"] = groups
    view["determinations"] = [
        {"name": name, "label": vocabulary.determination_name(pack_id, name),
         "value": _determination_value(pack_id, name, det["value"]), "conflict": det.get("conflict", False),
         "links": cite_links(det.get("citations"), pack_id)}
        for name, det in result["determinations"].items() if name not in ("deadlines", "in_scope")
    ]
    view["deadlines"] = deadline_rows(result)
    return view


def next_step_rows(next_steps: dict[str, Any], pack_id: str) -> list[dict[str, Any]]:
    rows = []
    for step in next_steps["steps"]:
        who = step.get("unit") or vocabulary.term(pack_id, step["role"], Role(step["role"]).label)
        rows.append({
            "action": step["action"], "label": step["label"], "who": who, "role": step["role"],
            "due": step.get("due"),
            "missing": [doc_label(c, pack_id) for c in step.get("missing") or []],
            "links": cite_links(step.get("citations"), pack_id),
        })
    return rows


def article_choices(pack_id: str) -> list[tuple[str, str]]:
    """(number, 第N条 — the article's first words) for the article picker."""
    pack = policy.load_pack(pack_id)
    choices = [("", "请选择条款")]
    for number, article in sorted(pack.articles.items()):
        text = " ".join(article["text"].split())
        choices.append((str(number), f"{lifecycle.cite_text({'article': number})} {text[:36]}…"))
    return choices


def _fact_value(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(labels.enum_label(name, v) for v in value) or "无"
    if name.endswith("_wan") and isinstance(value, int | float):
        return f"{value:g} 万元"
    return labels.enum_label(name, value)


def project_summary(project: Project) -> list[tuple[str, str]]:
    """The facts a reader needs first, as (label, value) in Chinese; absent facts read 未填."""
    facts = project.facts or {}
    rows = [("建设单位", project.unit.name), ("适用办法", policy.load_pack(project.pack_id).title)]
    for name in ("category", "delivery", "procurement_kind", "total_investment_wan", "annual_om_wan",
                 "funding_sources", "contains"):
        value = facts.get(name)
        rows.append((labels.PROJECT_FACTS[name], "未填" if value in (None, "") else _fact_value(name, value)))
    level = (facts.get("security") or {}).get("mlps_level")
    rows.append((labels.SECURITY_FACTS["mlps_level"], labels.MLPS_LEVEL.get(level, "未填")))
    return rows
