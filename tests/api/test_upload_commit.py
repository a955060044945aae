"""An upload's file exists exactly when its row committed: a rolled-back transaction or savepoint
leaves no orphan file behind (and the same transaction can read the file back before committing)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from govit.core.models import User
from govit.core.uploads import discard_uncommitted
from govit.projects.demo import sample_docx
from govit.projects.models import Material
from govit.projects.services import material_upload
from tests.projects.conftest import drive_to

pytestmark = [pytest.mark.usefixtures("world")]


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _upload(project: Any) -> Material:
    return material_upload(project=project, actor=User.objects.get(username="tz_applicant"), doc_code="proposal",
                           filename="建议书.docx", data=sample_docx("proposal"))


class Boom(Exception):
    pass


def test_committed_upload_keeps_its_file(transactional_db: None, settings: Any) -> None:
    project = drive_to("tongzhou-2023", "draft")
    material = _upload(project)
    assert Path(material.file.path).read_bytes() == sample_docx("proposal")
    assert _files(Path(settings.MEDIA_ROOT)) == [Path(material.file.path)]


def test_rolled_back_caller_leaves_no_file(transactional_db: None, settings: Any) -> None:
    project = drive_to("tongzhou-2023", "draft")
    with pytest.raises(Boom), transaction.atomic():
        material = _upload(project)
        assert Path(material.file.path).read_bytes()  # readable inside the transaction
        raise Boom
    # The caller's transaction is over: the end of the request (request_finished), of the service call
    # or of the process removes the file.
    assert discard_uncommitted() == 1
    assert not Material.objects.exists()
    assert _files(Path(settings.MEDIA_ROOT)) == []


def test_rolled_back_savepoint_inside_a_committed_transaction_leaves_no_file(transactional_db: None,
                                                                               settings: Any) -> None:
    project = drive_to("tongzhou-2023", "draft")
    with transaction.atomic():
        kept = _upload(project)
        try:
            with transaction.atomic():
                _upload(project)
                raise Boom
        except Boom:
            pass
    assert discard_uncommitted() == 1
    assert list(Material.objects.values_list("pk", flat=True)) == [kept.pk]
    assert _files(Path(settings.MEDIA_ROOT)) == [Path(kept.file.path)]


def test_api_upload_whose_caller_fails_leaves_neither_row_nor_file(transactional_db: None, settings: Any,
                                                                   monkeypatch: Any) -> None:
    """Rectification evidence stores a project material, then fails: the request answers 500 in the error
    shape and the file is gone with the row."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from govit.supervision import services as supervision

    project = drive_to("tongzhou-2023", "construction")
    lead = User.objects.get(username="tz_lead_office")
    order = supervision.rectification_issue(project=project, actor=lead, citation={"article": 21},
                                            problem="未按要求落实等级保护测评。",
                                            deadline=date.today() + timedelta(days=30))
    before = _files(Path(settings.MEDIA_ROOT))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("history write failed")

    monkeypatch.setattr(supervision, "_history", broken)
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="tz_applicant"))
    response = client.post(f"/api/v1/supervision/rectifications/{order.pk}/evidence",
                           {"file": SimpleUploadedFile("整改.docx", sample_docx("other"))})
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
    assert _files(Path(settings.MEDIA_ROOT)) == before
    assert not Material.objects.filter(project=project, doc_code="other").exists()
