"""Generated documents: the 申报表 (通州 附件1 layout) filled from a project's facts, as DOCX."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from docx import Document
from docx.shared import Pt

from govit.core import exports as safe
from govit.projects.application_form import application_form
from govit.projects.exports import content_disposition
from govit.projects.models import Material, Project


def application_form_docx(project: Project) -> bytes:
    """The 申报表 as DOCX bytes: the annex's rows, the 资金构成 as its own grid, the annex's notes."""
    form = application_form(project)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(safe.text(form["title"]), level=1)
    document.add_paragraph(f"（{form['year']}年度）")
    document.add_paragraph(safe.text(f"申报部门（盖章）：{form['unit']}"))
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for row in form["rows"]:
        if row.get("grid"):
            continue
        cells = table.add_row().cells
        cells[0].text = safe.text(row["title"])
        cells[1].text = safe.text(row["value"] or "")
    grid = form["grid"]
    if grid:
        document.add_paragraph(grid["title"])
        sheet = document.add_table(rows=1, cols=len(grid["columns"]) + 1)
        sheet.style = "Table Grid"
        for index, column in enumerate(grid["columns"]):
            sheet.rows[0].cells[index + 1].text = column
        for line in grid["rows"]:
            cells = sheet.add_row().cells
            cells[0].text = safe.text(line["title"])
            for index, value in enumerate([line["total"], *line["cells"]]):
                cells[index + 1].text = safe.text(value)
    for index, note in enumerate(form["notes"], start=1):
        document.add_paragraph(safe.text(f"{'备注：' if index == 1 else '　　　'}{index}. {note}"))
    document.add_paragraph(f"（依据：《{form['pack_title']}》附件{form['annex'] or 1}；由 govit 根据项目信息生成）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _record_download(request: HttpRequest, action: str, obj: Any, details: dict[str, Any]) -> None:
    from govit.core.net import client_ip
    from govit.core.services import audit_record

    audit_record(actor=request.user, action=action, obj=obj, source_ip=client_ip(request), details=details)


def application_form_response(project: Project, request: HttpRequest) -> HttpResponse:
    """The 申报表 as a download, for the web page and the API alike (audited as a read)."""
    _record_download(request, "project.application_form_download", project, {"format": "docx"})
    response = HttpResponse(application_form_docx(project), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition(f"{project.name}-申报表.docx")
    return response


def material_response(material: Material, request: HttpRequest) -> FileResponse:
    """An uploaded material as a download: its sniffed type, never rendered inline, with its digest.
    Audited as a read (who, from where, which file)."""
    _record_download(request, "material.download", material.project,
                     {"material": material.pk, "doc_code": material.doc_code, "sha256": material.sha256})
    response = FileResponse(material.file.open("rb"), as_attachment=True, filename=material.original_name,
                            content_type=material.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Digest"] = f"sha-256={material.sha256}"
    return response
