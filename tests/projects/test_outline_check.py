"""项目建议书 / 可行性研究报告 against 通州 附件2 / 附件3 (第七条, 第九条, 第十条 信息资源共享分析篇（章）):
headings by style or by numbering (第七章 / 七、 / 7. / 7、), full-width spaces, small rewordings;
present / missing required / missing optional (*); the result on the material, blocking submission,
setting `sharing_analysis_chapter` from the document; `govit documents check`; unreadable files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from govit import policy
from govit.projects.outline_check import DocumentUnreadable, check_document, outline_docx, read_headings

PACK = policy.load_pack("tongzhou-2023").data
FS = PACK["outlines"]["feasibility_study"]
PROPOSAL = PACK["outlines"]["proposal"]


def _plain(lines: list[str], styles: dict[int, str] | None = None) -> bytes:
    """A DOCX of plain paragraphs (no heading styles unless given by line index)."""
    document = Document()
    for index, line in enumerate(lines):
        style = (styles or {}).get(index)
        document.add_paragraph(line, style=style) if style else document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _fs_lines(chapter: str, item: str, skip: set[str] = frozenset()) -> list[str]:
    """附件3 written with the given numbering styles ({n} arabic, {cn} Chinese) and body text between."""
    from govit.policy.numerals import int_to_cn

    lines = []
    for n, section in enumerate(FS["sections"], start=1):
        if section["title"] in skip:
            continue
        lines.append(chapter.format(n=n, cn=int_to_cn(n)) + section["title"])
        for m, it in enumerate(section.get("items") or [], start=1):
            if it["title"] not in skip:
                lines.append(item.format(n=m, cn=int_to_cn(m)) + it["title"])
                lines.append("本节说明项目的有关情况，内容较长，不是标题。" * 3)
    return lines


def test_full_feasibility_study_by_heading_styles_is_complete() -> None:
    data = outline_docx(FS, {"section": "第{cn}章", "item": "{n}."})
    result = check_document(data, PACK, "feasibility_study")
    assert result["outline"] == "附件3" and result["missing"] == [] and result["optional_missing"] == []
    assert "第七章 信息资源共享分析" in result["present"]
    assert result["sharing_chapter"] is True and result["blocks_submission"] is False
    assert result["citation"] == {"article": 10, "annex": 3}


@pytest.mark.parametrize(("chapter", "item"), [
    ("第{cn}章　", "{n}. "),     # 第七章 with a full-width space, 1. items
    ("{cn}、", "{n}、"),          # 七、 / 1、
    ("{n}. ", "{n}.{n} "),        # 7. / 7.1 (decimal numbering)
    ("{n}、", "（{cn}）"),        # 7、 / （一）
    ("第 {n} 章 ", "{n}）"),       # 第 7 章 / 1）
])
def test_headings_by_numbering_whatever_the_style_and_spacing(chapter: str, item: str) -> None:
    data = _plain(_fs_lines(chapter, item, skip={"信息资源共享分析", "项目招标方案", "机房及配套工程建设方案"}))
    result = check_document(data, PACK, "feasibility_study")
    missing = [m["title"] for m in result["missing"]]
    assert missing == ["第七章 信息资源共享分析", "第七章 信息资源共享分析 / 1. 政务信息资源共享目录"]
    assert all(m["required"] for m in result["missing"])
    # Items marked * in 附件3 are optional: 第九章 项目招标方案*, 13. 机房及配套工程建设方案*.
    assert "第九章 项目招标方案" in result["optional_missing"]
    assert "第六章 本期项目建设方案 / 13. 机房及配套工程建设方案" in result["optional_missing"]
    assert result["sharing_chapter"] is False and result["blocks_submission"] is True


def test_small_rewordings_still_match() -> None:
    lines = _fs_lines("第{cn}章 ", "{n}. ")
    reworded = [line.replace("第七章 信息资源共享分析", "第七章　政务信息资源共享分析")
                .replace("项目建设的必要性", "项目建设必要性").replace("需求分析", "需 求 分 析") for line in lines]
    result = check_document(_plain(reworded), PACK, "feasibility_study")
    assert result["missing"] == [] and result["sharing_chapter"] is True


def test_table_of_contents_is_not_the_chapters() -> None:
    document = Document()
    styles = document.styles
    toc = styles.add_style("toc 1", 1)
    for n, section in enumerate(FS["sections"], start=1):
        document.add_paragraph(f"第{n}章 {section['title']}……{n + 2}", style=toc)
    buffer = io.BytesIO()
    document.save(buffer)
    result = check_document(buffer.getvalue(), PACK, "feasibility_study")
    assert result["present"] == [] and len(result["missing"]) > 40


def test_proposal_against_annex_2() -> None:
    data = outline_docx(PROPOSAL, {"section": "{cn}、", "item": "（{cn}）"}, skip={"效益分析", "项目设计单位"})
    result = check_document(data, PACK, "proposal")
    assert result["outline"] == "附件2"
    assert [m["title"] for m in result["missing"]] == ["一、项目概述 / （三）项目设计单位", "十、效益分析"]


def test_packs_without_an_outline_check_nothing() -> None:
    data = outline_docx(FS)
    for pack_id in ("kundulun-2024", "bazhong-2022", "changji-2025"):
        assert check_document(data, policy.load_pack(pack_id).data, "feasibility_study") is None


@pytest.mark.parametrize(("data", "words"), [
    (b"%PDF-1.7 not a word file", "不是 Word（.docx）文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "已加密"),
    (b"PK\x03\x04 truncated zip", "已损坏"),
])
def test_unreadable_files_get_a_clear_chinese_message(data: bytes, words: str) -> None:
    with pytest.raises(DocumentUnreadable, match=words):
        read_headings(data, "报告.docx")


def test_a_zip_that_is_not_a_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DocumentUnreadable, match="缺少正文"):
        read_headings(buffer.getvalue(), "表格.docx")


def _cli(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("documents", "check", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_cli_documents_check(tmp_path: Path) -> None:
    path = tmp_path / "可研.docx"
    path.write_bytes(_plain(_fs_lines("{cn}、", "{n}、", skip={"信息资源共享分析"})))
    data = _cli(str(path), "--pack", "tongzhou-2023", "--kind", "feasibility_study")
    assert data["outline"] == "附件3" and data["sharing_chapter"] is False
    assert {"title": "第七章 信息资源共享分析", "required": True} in data["missing"]
    assert isinstance(data["present"], list) and isinstance(data["optional_missing"], list)
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"plain text")
    for args in ([str(bad), "--pack", "tongzhou-2023", "--kind", "proposal"],
                 [str(path), "--pack", "nowhere-2020", "--kind", "proposal"],
                 [str(path), "--pack", "tongzhou-2023", "--kind", "budget"]):
        with pytest.raises(CommandError) as err:
            call_command("documents", "check", *args, stdout=io.StringIO())
        assert err.value.returncode == 2


@pytest.mark.usefixtures("world")
def test_upload_shows_the_check_sets_the_sharing_fact_and_blocks_submission(api: Any) -> None:
    from tests.projects.conftest import new_project

    applicant = api("tz_applicant")
    project = new_project(applicant, name="提纲检查项目")
    pid = project["id"]
    incomplete = _plain(_fs_lines("第{cn}章 ", "{n}. ", skip={"信息资源共享分析"}))
    applicant.upload(pid, "feasibility_study", data=incomplete, name="可研.docx")
    from govit.projects.models import Material, Project

    material = Material.objects.get(project_id=pid, doc_code="feasibility_study")
    assert material.outline_check["blocks_submission"] and not material.outline_check["sharing_chapter"]
    assert Project.objects.get(pk=pid).facts["sharing_analysis_chapter"] is False  # 第十条, from the document
    from govit.projects.demo import sample_docx
    from govit.projects.selectors import application_checklist

    for code in application_checklist(Project.objects.get(pk=pid))[0]:
        applicant.upload(pid, code, data=sample_docx(f"x {code}"))
    refused = applicant.transition(pid, "submit", status=409)
    # The pack's own 第十条 rule reads the fact the document set.
    assert refused["code"] == "blocked_by_pack" and "第十条" in refused["detail"]
    page = applicant.client.get(f"/projects/{pid}/").content.decode()
    assert "提纲检查（附件3）" in page and "缺少必备" in page
    # With the sharing chapter but without 第四章 需求分析: the outline check itself refuses.
    no_needs = _plain(_fs_lines("第{cn}章 ", "{n}. ", skip={"需求分析"}))
    applicant.upload(pid, "feasibility_study", data=no_needs, name="可研（修改）.docx")
    assert Project.objects.get(pk=pid).facts["sharing_analysis_chapter"] is True
    refused = applicant.transition(pid, "submit", status=409)
    assert refused["code"] == "outline_incomplete" and "第四章 需求分析" in refused["detail"]
    assert {"article": 10, "annex": 3}.items() <= refused["citations"][0].items()
    applicant.upload(pid, "feasibility_study", data=outline_docx(FS, {"section": "第{cn}章", "item": "{n}."}))
    applicant.transition(pid, "submit")
