"""The 存量系统台账 import (`govit inventory import`, the lead office's upload page, the demo).

The first sheet has a header row; columns are matched by name, in any order (cli-contract.md).
Every row is checked first; any error → nothing is written and every error is listed with its
row and column. Rows are matched on (jurisdiction, 建设单位, 名称): the same file twice changes
nothing. Where each column lands:

| column | system (存量系统) | project (项目) |
|---|---|---|
| 名称, 建设单位 | ExistingSystem.name, .unit | Project.name, .unit (unit created if new, kind 项目建设单位) |
| 建设内容, 主要功能, 数据资源 | .content, .functions, .data_items | Project.content, .functions, .data_items |
| 年度 | .go_live_year | Project.plan_year |
| 总投资（万元） | .investment_wan | fact total_investment_wan (and the plan year's ProjectYearAmount) |
| 状态 | — | the project's stage, reached through the state machine (projects.services.imports) |
| 项目性质 | — | Project.nature (new / continuing / maintenance) |
| 上级要求 | — | fact mandated_by_higher_level |
| 紧急程度 | — | Project.urgency (urgent / fairly_urgent / normal) |
| 初审评分 | — | Project.preliminary_score |
| 重复采集数据 | — | fact duplicate_data_collection |
| 单位受限情形 | the unit's supervision.UnitSanction of the kind the pack names (with its article) |
| 建设类型 (optional) | — | fact category (新建 new, 改建 rebuild, 扩建 expansion, 升级改造 upgrade, 迁移 …) |
| 主管部门 (optional) | the unit's UnitSupervisor (a split may run across the units of one 主管部门) |
| 是否共享 (optional, default 是) | .shares_data | — |
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from govit.analysis.engine.lexicon import split_list
from govit.analysis.models import ExistingSystem, UnitSupervisor
from govit.analysis.sanction_words import SanctionMatchError, sanction_kind_for
from govit.core.models import Jurisdiction, Unit, UnitKind, User
from govit.core.services import audit_record
from govit.projects.errors import DomainError, InvalidInput
from govit.projects.models import Project, ProjectNature, ProjectState, Urgency

S = ProjectState
SYSTEM, PROJECT = "存量系统", "项目"
COLUMNS = ("名称", "类型", "建设单位", "建设内容", "主要功能", "数据资源", "年度", "总投资（万元）", "状态",
           "项目性质", "上级要求", "紧急程度", "初审评分", "重复采集数据", "单位受限情形", "建设类型", "主管部门",
           "是否共享")
REQUIRED = ("名称", "建设单位")
PROJECT_ONLY = ("状态", "项目性质", "上级要求", "紧急程度", "初审评分", "重复采集数据", "建设类型")
NATURE = {label: value for value, label in ProjectNature.choices}
URGENCY = {label: value for value, label in Urgency.choices}
CATEGORY = {"新建": "new", "改建": "rebuild", "扩建": "expansion", "升级改造": "upgrade", "升级": "upgrade",
            "迁移": "migration", "运维": "operation"}
YES, NO = ("是", "yes", "true", "1", "y"), ("否", "no", "false", "0", "n")
DEFAULT_STAGE_LABEL = "已申报"
MAX_ROWS = 20000
PROGRESS_EVERY = 50
_ALIASES = {"总投资": "总投资（万元）", "总投资(万元)": "总投资（万元）", "投资（万元）": "总投资（万元）",
            "项目名称": "名称", "系统名称": "名称", "单位": "建设单位", "建设单位名称": "建设单位", "功能": "主要功能",
            "数据项": "数据资源", "信息项": "数据资源", "上线年度": "年度", "计划年度": "年度"}


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (the header is row 1); 0 for the file itself
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return f"第 {self.row} 行" + (f"「{self.column}」" if self.column else "") + f"：{self.message}"


@dataclass
class Row:
    number: int
    kind: str
    name: str
    unit_name: str
    content: str
    functions: list[str]
    data_items: list[str]
    year: int | None
    amount: Decimal | None
    stage: str | None = None
    nature: str = ""
    mandated: bool | None = None
    urgency: str = ""
    score: Decimal | None = None
    duplicate_collection: bool | None = None
    category: str = ""
    sanction: str = ""
    sanction_kind: str = ""
    supervisor: str = ""
    shares_data: bool = True


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    dry_run: bool = False
    systems: list[int] = field(default_factory=list)
    projects: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [e.as_dict() for e in self.errors], "dry_run": self.dry_run, "rows": self.total_rows}


# --- reading ---------------------------------------------------------------------------------


def read_xlsx(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header and rows (Excel row number, {column: value}) of the first sheet; blank rows skipped."""
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InvalidInput("无法读取文件：请提供 .xlsx 格式的 Excel 文件（第一个工作表第 1 行为表头）。") from exc
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = [_header(c) for c in next(iterator, ())]
        rows = []
        for number, values in enumerate(iterator, start=2):
            if any(v is not None and str(v).strip() for v in values):
                rows.append((number, {h: values[i] for i, h in enumerate(header) if h and i < len(values)}))
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"文件超过 {MAX_ROWS} 行，请分批导入。")
    finally:
        workbook.close()
    return header, rows


def _header(cell: Any) -> str:
    text = re.sub(r"\s+", "", str(cell)) if cell is not None else ""
    text = text.rstrip("*＊").replace("(", "（").replace(")", "）")
    return _ALIASES.get(text, text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _bool(value: Any, column: str, errors: list[RowError], number: int) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append(RowError(number, column, f"应填“是”或“否”，而不是“{_text(value)}”。"))
    return None


def _number(value: Any, column: str, errors: list[RowError], number: int, *, low: float, high: float) -> Decimal | None:
    text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(RowError(number, column, f"应为数字，而不是“{_text(value)}”。"))
        return None
    if not amount.is_finite() or not low <= amount <= high:
        errors.append(RowError(number, column, f"应在 {low:g} 到 {high:g} 之间。"))
        return None
    return amount.quantize(Decimal("0.01"))


def _choice(value: Any, column: str, mapping: dict[str, str], errors: list[RowError], number: int) -> str:
    text = _text(value)
    if not text:
        return ""
    if text in mapping:
        return mapping[text]
    if text in mapping.values():
        return text
    errors.append(RowError(number, column, f"应为{'、'.join(f'“{k}”' for k in mapping)}之一，而不是“{text}”。"))
    return ""


def stage_labels(pack_id: str) -> dict[str, str]:
    """What the UI calls each stage an import may name: the state's label, and the pack's own label."""
    from govit.projects import lifecycle
    from govit.projects.services.imports import reachable_stages

    found: dict[str, str] = {}
    for stage in reachable_stages(pack_id):
        found[S(stage).label] = stage
        found[lifecycle.stage_label(pack_id, stage)] = stage
        found[stage] = stage
    found.setdefault("已入库", S.IN_LIBRARY)
    found.setdefault("储备库", S.IN_LIBRARY)
    return found


def _row(number: int, raw: dict[str, Any], pack_id: str, errors: list[RowError]) -> Row | None:
    before = len(errors)
    kind = _text(raw.get("类型")) or SYSTEM
    if kind not in (SYSTEM, PROJECT):
        errors.append(RowError(number, "类型", f"应为“{SYSTEM}”或“{PROJECT}”，而不是“{kind}”。"))
    name, unit_name = _text(raw.get("名称")), _text(raw.get("建设单位"))
    for column, value, limit in (("名称", name, 200), ("建设单位", unit_name, 100)):
        if not value:
            errors.append(RowError(number, column, "必填，请填写。"))
        elif len(value) > limit:
            errors.append(RowError(number, column, f"过长（不超过 {limit} 字）。"))
    functions, data_items = split_list(raw.get("主要功能")), split_list(raw.get("数据资源"))
    for column, values in (("主要功能", functions), ("数据资源", data_items)):
        long = [v for v in values if len(v) > 100]
        if long:
            errors.append(RowError(number, column, f"“{long[0][:20]}…”过长（每项不超过 100 字，多项用“、”分隔）。"))
    year = _number(raw.get("年度"), "年度", errors, number, low=1990, high=2100)
    if year is not None and year != year.to_integral_value():
        errors.append(RowError(number, "年度", "应为四位数的年份，例如 2026。"))
    amount = _number(raw.get("总投资（万元）"), "总投资（万元）", errors, number, low=0, high=10_000_000)
    row = Row(number=number, kind=kind, name=name, unit_name=unit_name, content=_text(raw.get("建设内容"))[:20000],
              functions=functions, data_items=data_items, year=int(year) if year is not None else None,
              amount=amount, supervisor=_text(raw.get("主管部门")), sanction=_text(raw.get("单位受限情形")))
    shares = _bool(raw.get("是否共享"), "是否共享", errors, number)
    row.shares_data = True if shares is None else shares
    if kind == PROJECT:
        label = _text(raw.get("状态")) or DEFAULT_STAGE_LABEL
        stages = stage_labels(pack_id)
        row.stage = stages.get(label)
        if row.stage is None:
            named = "、".join(dict.fromkeys(S(s).label for s in stages.values()))
            errors.append(RowError(number, "状态", f"“{label}”不是本地区办法设有的阶段，可填：{named}。"))
        row.nature = _choice(raw.get("项目性质"), "项目性质", NATURE, errors, number)
        row.urgency = _choice(raw.get("紧急程度"), "紧急程度", URGENCY, errors, number)
        row.category = _choice(raw.get("建设类型"), "建设类型", CATEGORY, errors, number)
        row.mandated = _bool(raw.get("上级要求"), "上级要求", errors, number)
        row.duplicate_collection = _bool(raw.get("重复采集数据"), "重复采集数据", errors, number)
        row.score = _number(raw.get("初审评分"), "初审评分", errors, number, low=0, high=100)
    if row.sanction:
        try:
            row.sanction_kind = sanction_kind_for(pack_id, row.sanction)
        except SanctionMatchError as exc:
            errors.append(RowError(number, "单位受限情形", str(exc)))
    return row if len(errors) == before else None


# --- applying --------------------------------------------------------------------------------


def _unit(jurisdiction: Jurisdiction, name: str, *, create: bool) -> Unit | None:
    unit = Unit.objects.filter(jurisdiction=jurisdiction, name=name).first()
    if unit is None and create:
        unit = Unit.objects.create(jurisdiction=jurisdiction, name=name, kind=UnitKind.CONSTRUCTION_DEPARTMENT)
    return unit


def _system_values(row: Row) -> dict[str, Any]:
    return {"content": row.content, "functions": row.functions, "data_items": row.data_items,
            "go_live_year": row.year, "investment_wan": row.amount, "shares_data": row.shares_data}


def _project_facts(row: Row) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if row.amount is not None:
        facts["total_investment_wan"] = float(row.amount)
    if row.category:
        facts["category"] = row.category
    if row.mandated is not None:
        facts["mandated_by_higher_level"] = row.mandated
    if row.duplicate_collection is not None:
        facts["duplicate_data_collection"] = row.duplicate_collection
    return facts


def _project_profile(row: Row) -> dict[str, Any]:
    profile: dict[str, Any] = {"content": row.content, "functions": row.functions, "data_items": row.data_items}
    for name, value in (("nature", row.nature), ("urgency", row.urgency), ("plan_year", row.year),
                        ("preliminary_score", row.score)):
        if value not in ("", None):
            profile[name] = value
    return profile


def _same(obj: Any, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(obj, name)
        if isinstance(current, Decimal) or isinstance(value, Decimal):
            if (current is None) != (value is None) or (current is not None and Decimal(current) != Decimal(value)):
                return False
        elif current != value:
            return False
    return True


def _project_unchanged(project: Project, row: Row) -> bool:
    facts = _project_facts(row)
    return (_same(project, _project_profile(row))
            and all(project.facts.get(k) == v for k, v in facts.items())
            and (row.stage is None or row.stage == project.state))


def _plan(jurisdiction: Jurisdiction, rows: list[Row]) -> list[tuple[Row, str, Any]]:
    """(row, "create" | "update" | "unchanged", existing object) for each row, without writing."""
    from govit.supervision.models import UnitSanction

    plan = []
    for row in rows:
        unit = _unit(jurisdiction, row.unit_name, create=False)
        obj: Any = None
        if unit is not None:
            model = ExistingSystem if row.kind == SYSTEM else Project
            obj = model.objects.filter(jurisdiction=jurisdiction, unit=unit, name=row.name).order_by("pk").first()
        if obj is None:
            plan.append((row, "create", None))
            continue
        same = _same(obj, _system_values(row)) if row.kind == SYSTEM else _project_unchanged(obj, row)
        if row.sanction_kind and not UnitSanction.objects.filter(unit=unit, kind=row.sanction_kind,
                                                                 lifted_at__isnull=True).exists():
            same = False
        if row.supervisor and not UnitSupervisor.objects.filter(unit=unit, supervisor__name=row.supervisor).exists():
            same = False
        plan.append((row, "unchanged" if same else "update", obj))
    return plan


def _check_stage_moves(plan: list[tuple[Row, str, Any]], errors: list[RowError]) -> None:
    from govit.projects.services.imports import reachable_stages

    for row, action, obj in plan:
        if row.kind != PROJECT or action != "update" or row.stage is None or row.stage == obj.state:
            continue
        sequence = reachable_stages(obj.pack_id)
        if obj.state not in sequence:
            errors.append(RowError(row.number, "状态", f"项目当前为“{S(obj.state).label}”，不能由导入改变阶段。"))
        elif sequence.index(row.stage) < sequence.index(obj.state):
            errors.append(RowError(row.number, "状态",
                                   f"项目当前已是“{S(obj.state).label}”，导入不能退回到“{S(row.stage).label}”。"))


def _apply(jurisdiction: Jurisdiction, plan: list[tuple[Row, str, Any]], actor: User, source: str,
           source_ip: str | None, outcome: ImportOutcome) -> None:
    for row, action, obj in plan:
        if action == "unchanged":
            outcome.unchanged += 1
            continue
        try:
            _apply_row(jurisdiction, row, action, obj, actor, source, source_ip, outcome)
        except DomainError as exc:
            raise _RowFailed(row, "单位受限情形" if "限制" in exc.message else "", exc.message) from exc
        if action == "create":
            outcome.created += 1
        else:
            outcome.updated += 1


class _RowFailed(Exception):
    def __init__(self, row: Row, column: str, message: str):
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def _apply_row(jurisdiction: Jurisdiction, row: Row, action: str, obj: Any, actor: User, source: str,
               source_ip: str | None, outcome: ImportOutcome) -> None:
    from govit.projects.services.imports import project_import, project_import_update
    from govit.supervision.models import UnitSanction
    from govit.supervision.services import sanction_record

    unit = _unit(jurisdiction, row.unit_name, create=True)
    assert unit is not None
    if row.supervisor and row.supervisor != unit.name:
        supervisor = _unit(jurisdiction, row.supervisor, create=True)
        UnitSupervisor.objects.update_or_create(unit=unit, defaults={"supervisor": supervisor})
    if row.kind == SYSTEM:
        values = _system_values(row)
        if obj is None:
            obj = ExistingSystem.objects.create(jurisdiction=jurisdiction, unit=unit, name=row.name,
                                                created_by=actor, **values)
        else:
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save()
        outcome.systems.append(obj.pk)
    elif obj is None:
        obj = project_import(unit=unit, name=row.name, stage=row.stage or S.SUBMITTED, facts=_project_facts(row),
                             profile=_project_profile(row), actor=actor, source=source, source_ip=source_ip)
        outcome.projects.append(obj.pk)
    else:
        project_import_update(project=obj, stage=row.stage, facts=_project_facts(row),
                              profile=_project_profile(row), actor=actor, source=source, source_ip=source_ip)
        outcome.projects.append(obj.pk)
    if row.sanction_kind and not UnitSanction.objects.filter(unit=unit, kind=row.sanction_kind,
                                                             lifted_at__isnull=True).exists():
        sanction_record(unit=unit, kind=row.sanction_kind, actor=actor, source_ip=source_ip,
                        reason=f"{source}第 {row.number} 行登记：{row.sanction}")


def inventory_import(*, jurisdiction: Jurisdiction, rows: list[tuple[int, dict[str, Any]]], actor: User,
                     dry_run: bool = False, source: str = "存量台账", source_ip: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> ImportOutcome:
    """Check every row, then (unless `dry_run` or any error) write them all in one transaction."""
    from govit.projects.selectors import assignment_for

    outcome = ImportOutcome(total_rows=len(rows), dry_run=dry_run)
    from govit.core.models import Role

    if assignment_for(actor, Role.LEAD_OFFICE, jurisdiction_id=jurisdiction.pk) is None:
        outcome.errors.append(RowError(0, "", "只有本级领导小组办公室（牵头部门）可以导入存量台账。"))
        return outcome
    pack_ids = list(jurisdiction.pack_ids or [])
    if not pack_ids:
        outcome.errors.append(RowError(0, "", f"{jurisdiction.name}未启用政策包，不能导入。"))
        return outcome
    if not rows:
        outcome.errors.append(RowError(0, "", "文件中没有数据（第 1 行为表头，第 2 行起每行一个系统或项目）。"))
        return outcome
    columns = set().union(*(raw.keys() for _, raw in rows))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        outcome.errors.append(RowError(1, missing[0], f"表头缺少「{'」「'.join(missing)}」列（表头应在第 1 行）。"))
        return outcome
    unknown = sorted(c for c in columns if c and c not in COLUMNS)
    if unknown:
        outcome.errors.append(RowError(1, unknown[0], f"表头有无法识别的列「{'」「'.join(unknown)}」，"
                                                      f"可用的列：{'、'.join(COLUMNS)}。"))
        return outcome
    cleaned: list[Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    for done, (number, raw) in enumerate(rows, start=1):
        row = _row(number, raw, pack_ids[0], outcome.errors)
        if row is not None:
            key = (row.kind, row.unit_name, row.name)
            if key in seen:
                outcome.errors.append(RowError(number, "名称",
                                               f"与第 {seen[key]} 行重复（同一建设单位的同名{row.kind}）。"))
            else:
                seen[key] = number
                cleaned.append(row)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress(done, len(rows))
    plan = _plan(jurisdiction, cleaned) if not outcome.errors else []
    _check_stage_moves(plan, outcome.errors)
    if outcome.errors:
        return outcome
    if dry_run:
        actions = [action for _, action, _ in plan]
        outcome.created, outcome.updated = actions.count("create"), actions.count("update")
        outcome.unchanged = actions.count("unchanged")
        return outcome
    try:
        with transaction.atomic():
            _apply(jurisdiction, plan, actor, source, source_ip, outcome)
            if outcome.created or outcome.updated:
                audit_record(actor=actor, action="analysis.inventory_import", source_ip=source_ip,
                             details={"jurisdiction": jurisdiction.code, "source": source, **outcome.as_dict(),
                                      "systems": outcome.systems, "projects": outcome.projects})
    except _RowFailed as failed:
        outcome.errors.append(RowError(failed.row.number, failed.column, f"{failed.message}（未导入任何数据）"))
        outcome.created = outcome.updated = outcome.unchanged = 0
        return outcome
    if outcome.created or outcome.updated:
        from govit.analysis.tasks import schedule_index_refresh

        schedule_index_refresh(jurisdiction.pk)
    return outcome
