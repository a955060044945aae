"""Uploaded 建议书 / 可研 checked against the pack's outlines (govit.projects.outline_check): the result
is kept on the material, sets `sharing_analysis_chapter` from the 可研 itself (通州 第十条), and a
missing required chapter blocks submission where the pack's `document_checks` says so."""

from __future__ import annotations

from typing import Any

from govit import policy
from govit.projects import lifecycle
from govit.projects.errors import TransitionRefused
from govit.projects.models import Material, Project
from govit.projects.outline_check import DocumentUnreadable, check_document, check_spec
from govit.projects.services.common import set_fact


def material_outline_check(project: Project, material: Material, data: bytes) -> dict[str, Any]:
    """Check the file where the pack checks its kind; store the result on the material (saved by the caller)."""
    pack = policy.load_pack(project.pack_id).data
    spec = check_spec(pack, material.doc_code)
    if spec is None:
        return {}
    if material.kind != "docx":
        result: dict[str, Any] = {"error": f"{material.original_name} 不是 Word（.docx）文件，未能按"
                                           f"附件{spec.get('annex', '')}检查提纲；请另行上传 .docx 版本。",
                                  "outline": f"附件{spec.get('annex', '')}", "blocks_submission": False}
    else:
        try:
            result = check_document(data, pack, material.doc_code, filename=material.original_name) or {}
        except DocumentUnreadable as exc:
            result = {"error": str(exc), "outline": f"附件{spec.get('annex', '')}", "blocks_submission": False}
    material.outline_check = result
    if spec.get("sets_sharing_fact") and result.get("sharing_chapter") is not None:
        set_fact(project, "sharing_analysis_chapter", bool(result["sharing_chapter"]))
    return result


def latest_checked(project: Project) -> list[Material]:
    """The newest material of each checked kind."""
    pack = policy.load_pack(project.pack_id).data
    kinds = list(pack.get("document_checks") or {})
    latest: dict[str, Material] = {}
    for material in Material.objects.filter(project=project, doc_code__in=kinds).order_by("doc_code", "-uploaded_at",
                                                                                          "-pk"):
        latest.setdefault(material.doc_code, material)
    return list(latest.values())


def require_outlines(project: Project, action: str) -> None:
    """Refuse when the newest 建议书 / 可研 lacks a chapter the pack's outline requires."""
    for material in latest_checked(project):
        result = material.outline_check or {}
        if not result.get("blocks_submission"):
            continue
        citation = {"pack": project.pack_id, **result["citation"]}
        titles = "、".join(m["title"] for m in result["missing"][:8])
        more = f"等 {len(result['missing'])} 项" if len(result["missing"]) > 8 else ""
        raise TransitionRefused(
            f"不能{action}：{material.get_doc_code_display()}“{material.original_name}”缺少"
            f"{result['outline']}规定的必备章节：{titles}{more}（{lifecycle.cite_text(citation)}、"
            f"附件{citation.get('annex', '')}）。请补充后重新上传。",
            citations=[citation], code="outline_incomplete")
