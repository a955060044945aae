"""XLSX exports people hand to meetings: the annual plan list (计划表) and any project list, with the
columns a 常务会议 reads (单位、项目名称、性质、总投资、本年度安排、资金来源、依据条款); Chinese file names."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from govit.core import exports as safe
from govit.policy import labels
from govit.projects import lifecycle
from govit.projects.models import Project, ProjectNature, ProjectState

COLUMNS = ["序号", "单位", "项目名称", "性质", "总投资（万元）", "本年度安排（万元）", "资金来源", "依据条款"]
WIDTHS = [6, 24, 36, 8, 14, 16, 22, 34]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NATURE = dict(ProjectNature.choices)


def content_disposition(filename: str) -> str:
    """An attachment header with the Chinese file name (RFC 6266 / 5987) and an ASCII fallback."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _money(value: Any) -> float | None:
    return float(Decimal(str(value))) if value not in (None, "") else None


def _sources(project: Project) -> str:
    return "、".join(labels.FUNDING_SOURCES.get(s, s) for s in project.facts.get("funding_sources") or [])


def _nature(project: Project) -> str:
    from govit.projects.application_form import nature_value

    return _NATURE.get(nature_value(project), "")


def _pack_cites(project: Project, stage: str) -> str:
    title = lifecycle.load_pack(project.pack_id).title
    cites = lifecycle.cite_list(lifecycle.stage_citations(project.pack_id, stage))
    return f"《{title}》{cites}" if cites else f"《{title}》"


def _year_amount(project: Project, year: int) -> float | None:
    for row in project.year_amounts.all():
        if row.year == year:
            return float(row.planned_wan)
    return None


def workbook(title: str, subtitle: str, rows: Iterable[list[Any]], *, total_columns: tuple[int, ...] = (4, 5)) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([subtitle])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    sheet.append(COLUMNS)
    thin = Side(style="thin")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    count = 0
    sums = dict.fromkeys(total_columns, 0.0)
    for count, row in enumerate(rows, start=1):
        sheet.append([safe.cell(value) for value in [count, *row]])  # stored content never fails it
        for index in total_columns:
            if isinstance(row[index - 1], int | float):
                sums[index] += row[index - 1]
    sheet.append(["合计", "", f"{count} 个项目", "", *[round(sums[i], 2) for i in total_columns], "", ""])
    for line in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.row > 3:
                cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plan_xlsx(plan: Any) -> bytes:
    """计划表: every item of the annual plan with its amount and the article it stands on."""
    items = plan.items.select_related("project__unit").prefetch_related("project__year_amounts").order_by(
        "project__unit__name", "added_at", "pk")
    rows = []
    for item in items:
        project = item.project
        basis = _pack_cites(project, ProjectState.PLANNED)
        if item.kind != "regular":
            basis += f"；{item.get_kind_display()}：{item.reason}"
            if item.government_consent:
                basis += f"（{item.government_consent}）"
        rows.append([project.unit.name, project.name, _nature(project),
                     _money(project.facts.get("total_investment_wan")), _money(item.amount_wan), _sources(project),
                     basis])
    return workbook(f"{plan.jurisdiction.name}{plan.year}年度政务信息化项目建设计划表",
                    f"状态：{plan.get_status_display()}　导出日期：{timezone.localdate().isoformat()}", rows)


def plan_filename(plan: Any) -> str:
    return f"{plan.jurisdiction.name}{plan.year}年度政务信息化项目计划表.xlsx"


def projects_xlsx(projects: Iterable[Project], *, title: str, year: int) -> bytes:
    """Any project list: 本年度安排 is the year's planned amount; 依据条款 the stage's articles."""
    rows = []
    for project in projects:
        rows.append([project.unit.name, project.name, _nature(project),
                     _money(project.facts.get("total_investment_wan")), _year_amount(project, year),
                     _sources(project), f"{ProjectState(project.state).label}：{_pack_cites(project, project.state)}"])
    return workbook(title, f"本年度安排：{year} 年度资金需求　导出日期：{timezone.localdate().isoformat()}", rows)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response
