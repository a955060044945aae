"""Every input is bounded, every page survives old data (等保 2.0 8.1.4.4 入侵防范 b：数据有效性检验).

The attacks of issue 12: `1e20` as 总投资, `1e300`, NaN, Infinity, NUL and other control characters,
lone surrogates and bidi overrides — through the API, the web forms and the policy facts. Each is
refused with a Chinese error naming the field (API: 422, `field`) or cleaned; and rows already stored
with such content (written by SQL before the bounds existed) still render and export.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from govit import bounds, policy
from govit.core.models import User
from govit.projects.demo import BASE_FACTS
from govit.projects.models import Project
from tests.projects.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo_data: None, settings: Any, tmp_path: Any) -> None:
    from govit.projects.demo import ensure_reviewer_accounts

    settings.MEDIA_ROOT = tmp_path
    ensure_reviewer_accounts()

POISON = "恶意\x00名称\x07\u202e\u2066txt.exe\ud800\x1b[31m"


@pytest.fixture
def applicant(world: None) -> Api:
    return Api("tz_applicant")


def _create(applicant: Api, status: int, **overrides: Any) -> Any:
    body = {"name": "边界测试项目", "facts": dict(BASE_FACTS),
            "year_amounts": [{"year": 2027, "planned_wan": 300}]}
    facts = overrides.pop("facts", {})
    body["facts"].update(facts)
    body.update(overrides)
    # json.dumps writes NaN / Infinity literally, as an attacker's client would.
    response = applicant.client.post("/api/v1/projects", data=json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content[:600]
    return response.json()


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1e20, 1e300, float("nan"), float("inf"), -1, 12.34567, 10**7 + 0.5])
def test_api_refuses_unbounded_total_investment(applicant: Api, value: float) -> None:
    response = applicant.client.post(
        "/api/v1/projects", content_type="application/json",
        data=json.dumps({"name": "边界测试项目", "facts": {**BASE_FACTS, "total_investment_wan": value}}))
    assert response.status_code in (400, 422), response.content[:400]
    body = response.json()
    assert body["field"] == "facts.total_investment_wan"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert not Project.objects.filter(name="边界测试项目").exists()


@pytest.mark.parametrize("value", [1e20, float("nan"), float("-inf"), 1.00001])
def test_api_schema_amounts_are_bounded(applicant: Api, value: float) -> None:
    """The ninja schema itself (not only the policy facts) bounds a 万元 field: 422 with `field`."""
    body = _create(applicant, 422, year_amounts=[{"year": 2027, "planned_wan": value}])
    assert body["code"] == "validation_error"
    assert body["field"].endswith("planned_wan")
    assert body["errors"][0]["detail"]


def test_api_text_is_stripped_of_control_bidi_and_surrogates(applicant: Api) -> None:
    created = _create(applicant, 201, name=POISON)
    stored = Project.objects.get(pk=created["id"]).name
    assert stored == "恶意名称txt.exe[31m"
    assert not any(ch in stored for ch in "\x00\x07\x1b\u202e\u2066")


def test_api_text_length_is_limited(applicant: Api) -> None:
    body = _create(applicant, 422, name="长" * (bounds.LINE_MAX + 1))
    assert body["field"] == "name" and str(bounds.LINE_MAX) in body["detail"]


def test_api_dates_outside_the_range_are_refused(applicant: Api) -> None:
    refused = applicant.client.post("/api/v1/policy/evaluate", content_type="application/json", data=json.dumps(
        {"pack": "tongzhou-2023", "as_of": "2101-01-01", "project": {}}))
    assert refused.status_code in (400, 422), refused.content[:300]
    body = refused.json()
    assert "as_of" in (body.get("field") or "") and "2100-12-31" in body["detail"]


def test_every_api_schema_uses_the_bounded_base() -> None:
    from ninja import Schema as NinjaSchema

    from govit.api import api
    from govit.core.schemas import Schema

    api.get_openapi_schema()  # imports every router
    offenders = []
    pending = list(NinjaSchema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("govit.") and not issubclass(cls, Schema):
            offenders.append(f"{cls.__module__}.{cls.__name__}")
    assert not offenders, offenders


# --- the policy facts and the forms ------------------------------------------------------------


@pytest.mark.parametrize("facts, field", [
    ({"total_investment_wan": 1e20}, "project.total_investment_wan"),
    ({"annual_om_wan": float("nan")}, "project.annual_om_wan"),
    ({"change": {"increase_wan": float("inf")}}, "project.change.increase_wan"),
    ({"dates": {"approved": "1999-12-31"}}, "project.dates.approved"),
    ({"contract": {"build_months": 1e300}}, "project.contract.build_months"),
])
def test_policy_facts_are_bounded(facts: dict, field: str) -> None:
    with pytest.raises(policy.FactsError) as refused:
        policy.parse_input({"project": facts})
    fields = [f for f, _ in refused.value.fields]
    assert field in fields
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for _, m in refused.value.fields)


def test_policy_facts_clean_text_and_unknown_facts() -> None:
    parsed = policy.parse_input({"project": {"name": POISON}})
    assert parsed.project.name == "恶意名称txt.exe[31m"
    with pytest.raises(policy.FactsError):
        policy.parse_input({"project": {"some_extra_wan": 1e20}})


def test_web_form_refuses_huge_amount_naming_the_field(world: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="tz_applicant"))
    response = client.post("/projects/new/", {"name": "表单边界测试", "total_investment_wan": "1e20",
                                              "category": "new"})
    assert response.status_code in (200, 400)  # the form again, with the error beside the field
    form = response.context["form"]
    assert "total_investment_wan" in form.errors
    assert "万元" in form.errors["total_investment_wan"][0]
    assert not Project.objects.filter(name="表单边界测试").exists()


def test_bounded_form_cleans_text_and_orders_dates() -> None:
    from django import forms

    from govit.core.forms import BoundedForm

    class Period(BoundedForm):
        name = forms.CharField()
        start = forms.DateField()
        end = forms.DateField()

    form = Period({"name": "a\u202eb\x01c", "start": "2026-05-01", "end": "2026-04-01"})
    assert not form.is_valid()
    assert "end" in form.errors and form.cleaned_data["name"] == "abc"
    assert not Period({"name": "x", "start": "1899-01-01", "end": "2026-04-01"}).is_valid()


def test_every_form_uses_the_bounded_base() -> None:
    import django.forms as dj_forms

    from govit.api import api  # noqa: F401  (imports the apps' modules)
    from govit.core.forms import BoundedFormMixin
    from govit.urls import urlpatterns  # noqa: F401

    offenders = []
    pending = list(dj_forms.Form.__subclasses__()) + list(dj_forms.ModelForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = cls.__module__
        if module.startswith("govit.") and not issubclass(cls, BoundedFormMixin) and "LoginForm" not in cls.__name__:
            offenders.append(f"{module}.{cls.__name__}")
    assert not offenders, offenders


# --- old data ------------------------------------------------------------------------------------


@pytest.fixture
def poisoned(world: None, applicant: Api) -> Project:
    """A project whose row was written before the bounds (or by SQL): 1e300, negative, NUL, bidi."""
    created = _create(applicant, 201)
    project = Project.objects.get(pk=created["id"])
    # JSON columns can not hold NaN (SQLite's JSON_VALID and PostgreSQL's jsonb refuse it), and
    # PostgreSQL can hold neither NUL nor a lone surrogate in text or jsonb, so there an old row has the rest.
    from django.db import connection

    poison = POISON if connection.vendor == "sqlite" else POISON.replace("\x00", "").replace("\ud800", "")
    facts = {**project.facts, "total_investment_wan": 1e300, "annual_om_wan": -1e20,
             "name": poison, "form": {"项目建设目的和内容": poison}}
    Project.objects.filter(pk=project.pk).update(name=poison.replace("\ud800", ""), facts=facts,
                                                 content=poison.replace("\ud800", ""))
    project.refresh_from_db()
    return project


def test_pages_and_api_render_old_rows(poisoned: Project, applicant: Api) -> None:
    client = applicant.client
    for url in ("/projects/", f"/projects/{poisoned.pk}/", "/projects/portfolio/", "/home/"):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
    for url in (f"/api/v1/projects/{poisoned.pk}", "/api/v1/projects"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])


def test_application_form_docx_exports_old_rows(poisoned: Project, applicant: Api) -> None:
    from docx import Document

    response = applicant.client.get(f"/projects/{poisoned.pk}/application-form.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "\x00" not in text


def test_audit_export_survives_control_characters(world: None) -> None:
    from openpyxl import load_workbook

    from govit.core.services import audit_record

    admin = User.objects.get(username="tz_audit_admin")
    audit_record(actor=admin, action="project.update", obj=admin,
                 details={"repr": POISON.replace("\ud800", "")} | {"note": "=HYPERLINK(\"http://x\")\x00", "n": "\x0b"})
    client = Client()
    client.force_login(admin)
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/accounts/audit/export.{fmt}")
        assert response.status_code == 200, (fmt, response.status_code)
    sheet = load_workbook(io.BytesIO(client.get("/accounts/audit/export.xlsx").content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("txt.exe" in v for v in values)
    assert not any(v.startswith("=") for v in values)


def test_nul_in_a_parameter_is_refused_naming_it(world: None, applicant: Api) -> None:
    """No browser sends NUL and PostgreSQL can hold it in neither text nor jsonb: a query or form
    parameter holding it is refused at the door (400) with the parameter named, never a 500."""
    client = applicant.client
    response = client.get("/api/v1/analysis/findings", {"jurisdiction": "TZ\x00"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and body["field"] == "jurisdiction"
    assert "jurisdiction" in body["detail"] and "空字符" in body["detail"]
    page = client.get("/projects/", {"q": "名称\x00"})
    assert page.status_code == 400
    assert "参数「q」含有空字符" in page.content.decode()
    posted = client.post("/projects/new/", {"name": "x\x00"})
    assert posted.status_code == 400
    assert client.get("/projects/", {"q": "名称"}).status_code == 200
