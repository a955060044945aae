"""Excel import: all rows or none, Chinese row-level errors naming row and column, progress job."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govit.experts.demo import fake_id_number
from govit.experts.models import Expert, ImportJob, ImportStatus
from govit.experts.services import experts_import_xlsx
from tests.experts.conftest import jurisdiction, lead, xlsx

pytestmark = pytest.mark.django_db


def row(n: int, **changes: object) -> list[object]:
    values = ["王测试", "测试大学", "网络安全、软件工程", "教授", f"1000000{n:04d}", fake_id_number(n),
              f"0000000000{n:02d}", "是", "某公司"]
    names = ["name", "employer", "categories", "title", "phone", "id_number", "bank", "available", "conflicts"]
    for key, value in changes.items():
        values[names.index(key)] = value
    return values


def test_import_with_one_bad_row_imports_nothing_and_names_row_and_column(world: None) -> None:
    bad_id = fake_id_number(13)[:-1] + ("0" if fake_id_number(13)[-1] != "0" else "1")
    data = xlsx([row(11), row(12), row(13, id_number=bad_id), row(14)])
    result = experts_import_xlsx(data=data, jurisdiction=jurisdiction("tz"), actor=lead("tz"))
    assert not result.ok
    assert [str(e) for e in result.errors] == ["第 4 行「身份证号」：校验码不正确，请核对号码。"]
    assert Expert.objects.count() == 0


def test_every_bad_field_is_reported(world: None) -> None:
    data = xlsx([row(11, categories="天文学", phone="12345"), row(12, name=""), row(13, id_number=fake_id_number(11))])
    result = experts_import_xlsx(data=data, jurisdiction=jurisdiction("tz"), actor=lead("tz"))
    messages = [str(e) for e in result.errors]
    assert "第 2 行「专业类别」：“天文学”不是专业类别" in messages[0]
    assert messages[1] == "第 2 行「手机号码」：应为 11 位手机号码（以 1 开头）。"
    assert messages[2] == "第 3 行「姓名」：不能为空。"
    assert messages[3] == "第 4 行「身份证号」：与第 2 行重复。"
    assert Expert.objects.count() == 0


def test_good_file_imports_all_rows_encrypted(world: None) -> None:
    result = experts_import_xlsx(data=xlsx([row(11), row(12, available="否")]), jurisdiction=jurisdiction("tz"),
                                 actor=lead("tz"))
    assert result.ok and len(result.created) == 2
    expert = Expert.objects.get(pk=result.created[1].pk)
    assert expert.categories == ["network_security", "software_engineering"]
    assert expert.available is False
    assert expert.decrypted("id_number") == fake_id_number(12)
    again = experts_import_xlsx(data=xlsx([row(12)]), jurisdiction=jurisdiction("tz"), actor=lead("tz"))
    assert [str(e) for e in again.errors] == ["第 2 行「身份证号」：与专家库中已有专家（王测试）重复。"]


def test_file_level_problems(world: None) -> None:
    j, actor = jurisdiction("tz"), lead("tz")
    assert "无法读取文件" in str(experts_import_xlsx(data=b"not a zip", jurisdiction=j, actor=actor).errors[0])
    missing = experts_import_xlsx(data=xlsx([["a"]], header=["名字"]), jurisdiction=j, actor=actor)
    assert "表头缺少「姓名」「工作单位」「专业类别」列" in str(missing.errors[0])
    assert "没有专家数据" in str(experts_import_xlsx(data=xlsx([]), jurisdiction=j, actor=actor).errors[0])


def test_large_import_reports_progress(world: None) -> None:
    seen: list[tuple[int, int]] = []
    rows = [row(n, name=f"专家{n}") for n in range(1, 121)]
    result = experts_import_xlsx(data=xlsx(rows), jurisdiction=jurisdiction("tz"), actor=lead("tz"),
                                 progress=lambda done, total: seen.append((done, total)))
    assert result.ok and len(result.created) == 120
    assert seen == [(50, 120), (100, 120), (120, 120)]


def test_upload_page_runs_the_job_and_polls_progress(world: None) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(lead("tz"))
    bad = xlsx([row(11), row(12, phone="abc")])
    response = client.post(reverse("experts:import"), {"file": SimpleUploadedFile("专家.xlsx", bad)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("experts:import-job", args=[job.pk])
    assert job.status == ImportStatus.FAILED and job.file_sealed == ""
    page = client.get(reverse("experts:import-job", args=[job.pk]), headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "第 3 行「手机号码」" in text and "未导入任何专家" in text
    assert 'hx-trigger="every 1s"' not in text  # finished: polling stops
    assert Expert.objects.count() == 0
    client.post(reverse("experts:import"), {"file": SimpleUploadedFile("专家.xlsx", xlsx([row(11)]))})
    assert ImportJob.objects.filter(status=ImportStatus.SUCCEEDED, created_count=1).exists()
    assert Expert.objects.count() == 1


def test_pending_job_page_polls(world: None) -> None:
    job = ImportJob.objects.create(jurisdiction=jurisdiction("tz"), file_name="x.xlsx", created_by=lead("tz"),
                                   total_rows=200, processed_rows=50, status=ImportStatus.RUNNING)
    client = Client()
    client.force_login(lead("tz"))
    text = client.get(reverse("experts:import-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in text and 'value="25"' in text and "已校验 50 / 200 行" in text
    client.force_login(lead("bz"))
    assert client.get(reverse("experts:import-job", args=[job.pk])).status_code == 404
