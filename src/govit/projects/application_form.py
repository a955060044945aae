"""The 申报表 (通州 附件1) as data: every field of the annex filled from the project, shared by the DOCX,
the print view and the API. Packs without their own form use 通州's layout."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from govit import policy
from govit.projects.models import Material, MaterialCode, Project, ProjectNature
from govit.projects.profile import FUNDING_ROWS, FUNDING_SOURCES

# 通州 附件1's fields: the layout every pack without its own outline uses.
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"title": "申报部门"}, {"title": "申报日期"}, {"title": "项目负责人"}, {"title": "联系电话"},
    {"title": "项目名称"}, {"title": "项目性质", "choices": ["新建", "续建", "维护"]},
    {"title": "信息系统网络安全等级保护测评拟定级"}, {"title": "项目建设目的和内容"}, {"title": "启动年月"},
    {"title": "计划完成年月"}, {"title": "前期准备", "choices": ["规划编制（是/否）", "规划通过专家论证（是/否）"]},
    {"title": "预计总投资"}, {"title": "年度需要资金"},
    {"title": "资金构成", "columns": ["合计", "其中申请财政拨款", "单位自筹", "国家下拨", "其它"],
     "rows": ["历年已安排资金（万元）", "本年度申请资金（万元）"]},
    {"title": "申报时所附材料"}, {"title": "填表人"}, {"title": "填表人联系电话"}, {"title": "电子信箱"},
]
_LEVELS = {1: "第一级", 2: "第二级", 3: "第三级", 4: "第四级", 5: "第五级"}
# Pack facts' category → 项目性质 when the applicant has not chosen it (运维 is 维护; the rest 新建).
_CATEGORY_NATURE = {"operation": "maintenance"}


def number(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}" if value is not None else ""


def _month(text: str) -> str:
    return f"{text[:4]}年{int(text[5:7])}月" if text else ""


def _yes_no(value: bool | None) -> str:
    return f"{'☑' if value is True else '☐'}是/{'☑' if value is False else '☐'}否"


def nature_value(project: Project) -> str:
    return project.nature or _CATEGORY_NATURE.get(project.facts.get("category") or "", "new" if
                                                   project.facts.get("category") else "")


def form_year(project: Project) -> int:
    if project.plan_year:
        return int(project.plan_year)
    row = project.year_amounts.filter(planned_wan__gt=0).order_by("year").first()
    return row.year if row else timezone.localdate().year + 1


def funding_grid(project: Project) -> list[dict[str, Any]]:
    """资金构成: 历年已安排 / 本年度申请 by source, with the row total (合计)."""
    rows = []
    for key, label in FUNDING_ROWS.items():
        values = (project.funding or {}).get(key) or {}
        cells = [values.get(source) for source in FUNDING_SOURCES]
        total = sum((Decimal(v) for v in values.values()), Decimal(0)) if values else None
        rows.append({"key": key, "title": f"{label}（万元）", "total": number(total) if total is not None else "",
                     "cells": [number(c) if c is not None else "" for c in cells]})
    return rows


def _fields(project: Project) -> list[dict[str, Any]]:
    outline = (policy.load_pack(project.pack_id).data.get("outlines") or {}).get("application_form")
    return list(outline["fields"]) if outline else DEFAULT_FIELDS


def application_form(project: Project) -> dict[str, Any]:
    """Title, year, the rows of the form (title, text) and the 资金构成 grid."""
    facts = project.facts
    submitted = project.events.filter(kind="submit").order_by("-at").first()
    year = form_year(project)
    this_year = project.year_amounts.filter(year=year).first()
    total = facts.get("total_investment_wan")
    nature = nature_value(project)
    values = {
        "申报部门": project.unit.name,
        "申报日期": (submitted.at if submitted else timezone.now()).date().isoformat() if submitted else "",
        "项目负责人": project.leader_name,
        "联系电话": project.leader_phone,
        "项目名称": project.name,
        "项目性质": "  ".join(("☑" if choice.value == nature else "☐") + choice.label for choice in ProjectNature),
        "信息系统网络安全等级保护测评拟定级": _LEVELS.get((facts.get("security") or {}).get("mlps_level"), ""),
        "项目建设目的和内容": project.content,
        "启动年月": _month(project.start_month),
        "计划完成年月": _month(project.completion_month),
        "前期准备": f"规划编制（{_yes_no(project.planning_prepared)}）  "
                    f"规划通过专家论证（{_yes_no(project.planning_reviewed)}）",
        "预计总投资": f"{number(total)} 万元" if total is not None else "",
        "年度需要资金": f"{number(this_year.planned_wan)} 万元（{year}年度）" if this_year else "",
        "申报时所附材料": "、".join(
            sorted({MaterialCode(m.doc_code).label for m in Material.objects.filter(project=project)})),
        "填表人": project.form_filler,
        "填表人联系电话": project.filler_phone,
        "电子信箱": project.filler_email,
    }
    rows, grid = [], None
    for field in _fields(project):
        if field.get("columns"):
            grid = {"title": field["title"], "columns": field["columns"], "rows": funding_grid(project)}
            rows.append({"title": field["title"], "grid": True})
            continue
        rows.append({"title": field["title"], "value": values.get(field["title"], "")})
    pack = policy.load_pack(project.pack_id)
    outline = (pack.data.get("outlines") or {}).get("application_form")
    return {"title": f"{project.jurisdiction.name}政务信息化建设项目申报表", "year": year, "rows": rows,
            "grid": grid, "unit": project.unit.name, "pack_title": pack.title,
            "annex": (outline or {}).get("citation", {}).get("annex"),
            "notes": ["项目建设内容应按信息网络系统、信息资源系统及信息业务系统作说明；",
                      "“项目性质”请选择“新建”、“续建”或“维护”，一张表格只能填写一个项目，如内容较多可另附说明。"]}
