"""Generated documents: the 申报表 (通州 附件1 layout) filled from a project's facts, as DOCX."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from docx import Document
from docx.shared import Pt

from govit import policy
from govit.projects.models import Material, MaterialCode, Project

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
_NATURE = {"new": "新建", "operation": "维护"}
_LEVELS = {1: "第一级", 2: "第二级", 3: "第三级", 4: "第四级"}
_SOURCE_COLUMN = {"local_fiscal": 1, "bond": 1, "self_raised": 2, "superior_special": 3}


def _number(value: Any) -> str:
    return f"{float(value):g}"


def _fields(project: Project) -> tuple[str, list[dict[str, Any]]]:
    outline = (policy.load_pack(project.pack_id).data.get("outlines") or {}).get("application_form")
    title = f"{project.jurisdiction.name}政务信息化建设项目申报表"
    return title, list(outline["fields"]) if outline else DEFAULT_FIELDS


def _value(project: Project, title: str) -> str:
    facts = project.facts
    form = facts.get("form") if isinstance(facts.get("form"), dict) else {}
    if form.get(title):
        return str(form[title])
    total = facts.get("total_investment_wan")
    submitted = project.events.filter(kind="submit").order_by("-at").first()
    year = timezone.localdate().year
    this_year = project.year_amounts.filter(year__gte=year).order_by("year").first()
    values = {
        "申报部门": project.unit.name,
        "申报日期": (submitted.at if submitted else timezone.now()).date().isoformat(),
        "项目名称": project.name,
        "信息系统网络安全等级保护测评拟定级": _LEVELS.get((facts.get("security") or {}).get("mlps_level"), ""),
        "预计总投资": f"{_number(total)} 万元" if total is not None else "",
        "年度需要资金": f"{_number(this_year.planned_wan)} 万元（{this_year.year}年）" if this_year else "",
        "申报时所附材料": "、".join(
            sorted({MaterialCode(m.doc_code).label for m in Material.objects.filter(project=project)})
        ),
    }
    return values.get(title, "")


def _choices(project: Project, field: dict[str, Any]) -> str:
    nature = _NATURE.get(project.facts.get("category") or "", "续建" if project.facts.get("category") else "")
    return "  ".join(("☑" if choice == nature else "☐") + choice for choice in field["choices"])


def application_form_docx(project: Project) -> bytes:
    """The 申报表 as DOCX bytes: one row per outline field, the 资金构成 as its own table."""
    title, fields = _fields(project)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    funding_fields = []
    for field in fields:
        if field.get("columns"):
            funding_fields.append(field)
            continue
        cells = table.add_row().cells
        cells[0].text = field["title"]
        if field.get("choices") and field["title"] == "项目性质":
            cells[1].text = _choices(project, field)
        elif field.get("choices"):
            cells[1].text = _value(project, field["title"]) or "  ".join("☐" + c for c in field["choices"])
        else:
            cells[1].text = _value(project, field["title"])
    for field in funding_fields:
        document.add_paragraph(field["title"])
        grid = document.add_table(rows=1, cols=len(field["columns"]) + 1)
        grid.style = "Table Grid"
        for index, column in enumerate(field["columns"]):
            grid.rows[0].cells[index + 1].text = column
        total = project.facts.get("total_investment_wan")
        sources = project.facts.get("funding_sources") or []
        for row_index, row_title in enumerate(field["rows"]):
            cells = grid.add_row().cells
            cells[0].text = row_title
            if row_index == 1 and total is not None:
                cells[1].text = _number(total)
                columns = {_SOURCE_COLUMN.get(s, 4) for s in sources}
                if len(columns) == 1:
                    cells[1 + columns.pop()].text = _number(total)
    document.add_paragraph(f"（依据：《{policy.load_pack(project.pack_id).title}》；由 govit 根据项目信息生成）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def application_form_response(project: Project) -> HttpResponse:
    """The 申报表 as a download, for the web page and the API alike."""
    response = HttpResponse(application_form_docx(project), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename=application-form-{project.pk}.docx"
    return response


def material_response(material: Material) -> FileResponse:
    """An uploaded material as a download: its sniffed type, never rendered inline, with its digest."""
    response = FileResponse(material.file.open("rb"), as_attachment=True, filename=material.original_name,
                            content_type=material.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Digest"] = f"sha-256={material.sha256}"
    return response
