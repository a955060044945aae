"""Uploads: content-sniffed type, size limit, digests, no path tricks; download; 申报表 DOCX."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from docx import Document

from govit.core import crypto
from govit.projects.demo import sample_docx
from govit.projects.models import Material
from tests.projects.conftest import new_project

pytestmark = pytest.mark.usefixtures("world")


def test_upload_stores_digests_and_downloads(api: Any, settings: Any) -> None:
    applicant = api("tz_applicant")
    project = new_project(applicant)
    data = sample_docx("建议书")
    body = applicant.upload(project["id"], "proposal", data=data, name="../../etc/建议书.docx")
    assert body["original_name"] == "建议书.docx" and body["kind"] == "docx"
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["sm3"] == crypto.sm3_hex(data)
    stored = Material.objects.get(pk=body["id"])
    assert ".." not in stored.file.name and stored.file.name.startswith(f"projects/{project['id']}/")
    download = applicant.get(f"/projects/{project['id']}/materials/{body['id']}/download")
    assert b"".join(download.streaming_content) == data
    assert "attachment" in download["Content-Disposition"]


def test_upload_refuses_bad_files(api: Any, settings: Any) -> None:
    applicant = api("tz_applicant")
    pid = new_project(applicant)["id"]
    applicant.upload(pid, "proposal", data=b"MZ\x90\x00 not a document", name="x.docx", status=400)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    refused = applicant.upload(pid, "proposal", data=png, name="x.pdf", status=400)
    assert "不符" in refused["detail"]
    applicant.upload(pid, "proposal", data=png, name="scan.png")
    applicant.upload(pid, "no_such_code", data=png, name="scan.png", status=422)
    settings.GOVIT_UPLOAD_MAX_BYTES = 10
    too_large = applicant.upload(pid, "proposal", data=png, name="scan.png", status=413)
    assert too_large["code"] == "file_too_large" and too_large["field"] == "file"


def test_application_form_docx_is_filled_from_the_project(api: Any) -> None:
    applicant = api("tz_applicant")
    pid = new_project(applicant, name="通州区智慧民政平台")["id"]
    response = applicant.get(f"/projects/{pid}/application-form.docx")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "南通市通州区政务信息化建设项目申报表" in text
    assert "通州区智慧民政平台" in cells and "区民政局" in cells and "300 万元" in cells
    assert any("☑新建" in c for c in cells)
    other = api("cj_applicant")
    cj = new_project(other)["id"]
    cj_doc = Document(io.BytesIO(other.get(f"/projects/{cj}/application-form.docx").content))
    assert "新疆昌吉回族自治州政务信息化建设项目申报表" in cj_doc.paragraphs[0].text
