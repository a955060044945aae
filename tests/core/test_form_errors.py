"""Field errors are the product's own Chinese and name the field; a form's own wording is kept."""

from __future__ import annotations

from django import forms

from govit.core.forms import ProductErrorsMixin


class _Form(ProductErrorsMixin, forms.Form):
    name = forms.CharField(label="项目名称", max_length=5)
    year = forms.IntegerField(label="资金需求年度", min_value=2000)
    kind = forms.ChoiceField(label="项目类别", choices=[("a", "甲")])
    since = forms.DateField(label="起始日期")
    note = forms.CharField(label="备注", error_messages={"required": "备注写一句话即可。"})


def test_every_error_names_its_field_at_once_and_keeps_the_input() -> None:
    form = _Form({"name": "一二三四五六", "year": "1999", "kind": "z", "since": "昨天"})
    assert not form.is_valid()
    errors = {k: " ".join(v) for k, v in form.errors.items()}
    assert set(errors) == {"name", "year", "kind", "since", "note"}  # all at once
    assert errors["name"] == "“项目名称”最多 5 个字符（现有 6 个）。"
    assert errors["year"] == "“资金需求年度”不能小于 2000。"
    assert errors["kind"] == "“项目类别”的选项无效，请从列表中选择。"
    assert errors["since"] == "“起始日期”应为日期，格式如 2026-03-31。"
    assert errors["note"] == "备注写一句话即可。"  # the form's own wording is kept
    assert form["name"].value() == "一二三四五六"  # what was typed stays


def test_required_fields_say_fill_in_or_choose() -> None:
    errors = _Form({}).errors
    assert errors["name"] == ["请填写“项目名称”。"]
    assert errors["kind"] == ["请选择“项目类别”。"]
    assert not any("这个字段" in e for v in errors.values() for e in v)  # never Django's sentence
