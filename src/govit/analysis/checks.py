"""One application against everything stored (`govit analysis check`, the pre-check, the project
page) and every finding of a jurisdiction (`govit analysis scan`). Reads only: persisting the scan's
findings is `services.analysis_scan`.

Both answer in the contract's shape (cli-contract.md): `similar` sorted by score, `findings` with
code, severity, citation, message and related names; extra fields (evidence, related_refs,
fingerprint) ride along.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from govit.analysis.engine.index import Doc, Scored
from govit.analysis.engine.lexicon import load_lexicon
from govit.analysis.engine.rules import pack_rules
from govit.analysis.engine.scan import CheckResult, check_subject, scan_index
from govit.analysis.indexing import features_of, place_names, synced_index
from govit.analysis.models import UnitSupervisor
from govit.core.models import Jurisdiction, Unit
from govit.projects.errors import InvalidInput
from govit.projects.models import Project

APPLICATION_KEY = "application:0"
CATEGORIES = ("new", "rebuild", "expansion", "upgrade", "migration", "operation")


def similar_out(hit: Scored) -> dict[str, Any]:
    return {"kind": hit.doc.kind, "id": hit.doc.ref, "name": hit.doc.name, "unit_name": hit.doc.unit_name,
            "score": round(hit.score, 4), "evidence": hit.evidence()}


def pack_of(jurisdiction: Jurisdiction) -> str:
    packs = list(jurisdiction.pack_ids or [])
    if not packs:
        raise InvalidInput(f"{jurisdiction.name}未启用政策包，无法比对。")
    return packs[0]


# --- the application of a check file ---------------------------------------------------------


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        from govit.analysis.engine.lexicon import split_list

        return split_list(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"字段 project.{field}：应为文字列表，例如 [\"低保审批\", \"救助资金发放\"]。")
    return [v.strip() for v in value if v.strip()]


def _number(value: Any, field: str, *, integer: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"字段 project.{field}：应为数字。")
    if value < 0:
        raise InvalidInput(f"字段 project.{field}：不能为负数。")
    if integer and int(value) != value:
        raise InvalidInput(f"字段 project.{field}：应为整数年份，例如 2027。")
    return int(value) if integer else float(value)


def application_doc(jurisdiction: Jurisdiction, project: Any) -> Doc:
    """The check file's `project` as a document of the index (not stored)."""
    if not isinstance(project, dict):
        raise InvalidInput("字段 project：应为对象，包含 name、unit_name、content、functions、data_items 等。")
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("字段 project.name：请填写项目名称。")
    unit_name = project.get("unit_name") or ""
    if not isinstance(unit_name, str):
        raise InvalidInput("字段 project.unit_name：应为建设单位名称。")
    content = project.get("content") or ""
    if not isinstance(content, str):
        raise InvalidInput("字段 project.content：应为文字（建设内容）。")
    category = project.get("category")
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"字段 project.category：应为 {'、'.join(CATEGORIES)} 之一。")
    amount = _number(project.get("total_investment_wan"), "total_investment_wan")
    year = _number(project.get("plan_year"), "plan_year", integer=True)
    functions, data_items = _strings(project.get("functions"), "functions"), _strings(project.get("data_items"),
                                                                                         "data_items")
    unit = Unit.objects.filter(jurisdiction=jurisdiction, name=unit_name.strip()).first() if unit_name else None
    link = UnitSupervisor.objects.filter(unit=unit).first() if unit else None
    features = features_of(load_lexicon(), place_names(jurisdiction), name=name.strip(), content=content,
                           functions=functions, data_items=data_items)
    return Doc(key=APPLICATION_KEY, kind="project", ref=0, name=name.strip(), unit_id=unit.pk if unit else -1,
               unit_name=unit_name.strip() or "（未填写建设单位）", features=features,
               group_id=link.supervisor_id if link else None, plan_year=year, amount_wan=amount, state="submitted",
               extra={"category": category or "", "stored_unit": unit is not None})


def _as_dict(result: CheckResult) -> dict[str, Any]:
    return {"similar": [similar_out(h) for h in result.similar], "findings": result.findings}


def analysis_check(*, jurisdiction: Jurisdiction, project: Any) -> dict[str, Any]:
    """The contract's answer for one application (the `project` of a check file)."""
    subject = application_doc(jurisdiction, project)
    index = synced_index(jurisdiction)
    stored = Project.objects.filter(jurisdiction=jurisdiction, unit__name=subject.unit_name, name=subject.name)
    exclude = {f"project:{pk}" for pk in stored.values_list("pk", flat=True)}
    return _as_dict(check_subject(index, subject, pack_rules(pack_of(jurisdiction)), load_lexicon().key_items,
                                  exclude=exclude))


_CHECKS: OrderedDict[int, tuple[Any, CheckResult]] = OrderedDict()
_CHECKS_MAX = 4096
_checks_lock = threading.Lock()


def project_check(project: Project) -> CheckResult:
    """The live answer for a stored project (its project page; the applicant's pre-check).

    Kept per process for as long as the jurisdiction's index is the same object: any change to a
    project or system of the jurisdiction gives a new index, and so a fresh answer."""
    index = synced_index(project.jurisdiction)
    with _checks_lock:
        cached = _CHECKS.get(project.pk)
        if cached is not None and cached[0] is index:
            _CHECKS.move_to_end(project.pk)
            return cached[1]
    key = f"project:{project.pk}"
    subject = index.docs[index.by_key[key]] if key in index.by_key else None
    if subject is None:
        return CheckResult(similar=[], findings=[])
    result = check_subject(index, subject, pack_rules(project.pack_id), load_lexicon().key_items)
    with _checks_lock:
        _CHECKS[project.pk] = (index, result)
        while len(_CHECKS) > _CHECKS_MAX:
            _CHECKS.popitem(last=False)
    return result


def draft_check(*, jurisdiction: Jurisdiction, unit: Unit, name: str, content: str, functions: list[str],
                data_items: list[str], exclude_project: int | None = None) -> CheckResult:
    """A draft in the applicant's form, before it is saved."""
    doc = application_doc(jurisdiction, {"name": name or "（未命名）", "unit_name": unit.name, "content": content,
                                         "functions": functions, "data_items": data_items})
    index = synced_index(jurisdiction)
    exclude = {f"project:{exclude_project}"} if exclude_project else set()
    return check_subject(index, doc, pack_rules(pack_of(jurisdiction)), load_lexicon().key_items, exclude=exclude,
                         with_splits=False)


# --- the whole jurisdiction ------------------------------------------------------------------


def scan_findings(jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    """Every finding among the jurisdiction's stored projects and systems, in a stable order."""
    return scan_index(synced_index(jurisdiction), pack_rules(pack_of(jurisdiction)), load_lexicon().key_items)
