"""govit.core.uploads: size, type by content, safe names, generated storage names."""

from __future__ import annotations

import io
import zipfile

import pytest

from govit.core.uploads import UploadRejected, clean_filename, sniff_kind, storage_name, validate_upload

PDF = b"%PDF-1.7\n..."
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_type_comes_from_content() -> None:
    assert sniff_kind(PDF) == "pdf" and sniff_kind(PNG) == "png" and sniff_kind(b"\xff\xd8\xff\xe0") == "jpg"
    assert sniff_kind(_zip({"word/document.xml": b"<w/>"})) == "docx"
    assert sniff_kind(_zip({"xl/workbook.xml": b"<x/>"})) == "xlsx"
    assert sniff_kind(_zip({"a.txt": b"a"})) == "zip"
    assert sniff_kind(b"MZ\x90\x00 executable") is None
    with pytest.raises(UploadRejected, match="按文件内容识别"):
        validate_upload(data=b"<script>alert(1)</script>", filename="report.pdf")
    with pytest.raises(UploadRejected, match="与文件扩展名"):
        validate_upload(data=PDF, filename="report.docx")
    with pytest.raises(UploadRejected, match="只接受 XLSX"):
        validate_upload(data=PDF, filename="a.pdf", allowed={"xlsx"})


def test_size_limits(settings) -> None:
    settings.GOVIT_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadRejected, match="文件为空"):
        validate_upload(data=b"", filename="a.pdf")
    with pytest.raises(UploadRejected, match="大小上限"):
        validate_upload(data=PDF + b"0" * 2000, filename="a.pdf")
    assert validate_upload(data=PDF, filename="a.pdf").size == len(PDF)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\a.pdf", "a.pdf"),
        ("/abs/path/报告.pdf", "报告.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("a..b.pdf", "a.b.pdf"),
    ],
)
def test_filenames_are_cleaned(name: str, expected: str) -> None:
    assert clean_filename(name) == expected
    assert validate_upload(data=PDF, filename=name).display_name == expected


def test_zip_bombs_and_zip_slip_are_refused() -> None:
    bomb = _zip({"word/document.xml": b"0" * 5_000_000})
    assert sniff_kind(bomb) is None
    assert sniff_kind(_zip({"../evil.txt": b"x", "word/document.xml": b"<w/>"})) is None


def test_storage_names_are_generated() -> None:
    name = storage_name(prefix="12", kind="pdf")
    assert name.startswith("12/") and name.endswith(".pdf") and len(name) == len("12/") + 32 + 4
    assert storage_name(prefix="../../x", kind="pdf").startswith("x/")
    with pytest.raises(ValueError):
        storage_name(prefix="a", kind="exe")


@pytest.mark.parametrize("member", ["C:\\Windows\\evil.dll", "C:/Windows/evil.dll", "c:evil.txt",
                                    "\\\\server\\share\\x", "/etc/passwd", "a/../../x"])
def test_zip_members_with_drive_letters_or_absolute_paths_are_refused(member: str) -> None:
    """Extracted on Windows, `C:/…` (or `C:\\…`) is written outside the target folder (zip slip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("word/document.xml"), b"<w/>")
        info = zipfile.ZipInfo("placeholder")
        info.filename = member  # as an attacker's tool writes it, unnormalised
        archive.writestr(info, b"x")
    assert sniff_kind(buffer.getvalue()) is None
