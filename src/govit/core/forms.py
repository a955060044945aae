"""Form bases: the product's own wording for field errors, and the bounds on every cleaned value.

The product's own wording for field errors, naming the field (not Django's generic sentences).

`ProductErrorsMixin` goes first in a form's bases: each field's error messages that are still Django's
defaults are replaced by sentences that name the field (请填写“项目名称”。); messages a form wrote
itself are kept. A failed form re-renders with what was typed and every field's error at once.

The base of every Django form: the bounds of `govit.bounds` applied to each cleaned field.

After a field's own cleaning, its value is checked by the field's name and type: text cleaned of
control/bidi/surrogate characters and limited in length (the field's `max_length`, else 500 for a
one-line input and 20 000 for a textarea), amounts (`*_wan`) finite, ≥ 0, ≤ 10^7 万元, ≤ 4 decimals,
other numbers finite and bounded, dates 2000–2100, and ordered pairs (start/end …) in order. A
violation is a form error on that field, in Chinese.

A form uses both: `class XForm(ProductErrorsMixin, BoundedForm)` (tests check every form does).
"""

from __future__ import annotations

from typing import Any

from django import forms

from govit import bounds

# key → message; {label} is the field's label, Django fills %(limit_value)s and the like.
PRODUCT_ERRORS: dict[str, str] = {
    "required": "请填写“{label}”。",
    "invalid": "“{label}”的格式不正确。",
    "invalid_choice": "“{label}”的选项无效，请从列表中选择。",
    "invalid_list": "“{label}”应为一组选项。",
    "max_length": "“{label}”最多 %(limit_value)d 个字符（现有 %(show_value)d 个）。",
    "min_length": "“{label}”至少 %(limit_value)d 个字符（现有 %(show_value)d 个）。",
    "max_value": "“{label}”不能大于 %(limit_value)s。",
    "min_value": "“{label}”不能小于 %(limit_value)s。",
    "step_size": "“{label}”应为 %(limit_value)s 的整数倍。",
    "max_digits": "“{label}”最多 %(max)s 位数字。",
    "max_decimal_places": "“{label}”最多保留 %(max)s 位小数。",
    "max_whole_digits": "“{label}”的整数部分最多 %(max)s 位。",
    "empty": "上传的“{label}”是空文件。",
    "missing": "没有收到“{label}”的文件。",
    "invalid_image": "“{label}”不是有效的图片。",
}
SELECT_REQUIRED = "请选择“{label}”。"
NUMBER_INVALID = "“{label}”应为数字。"
DATE_INVALID = "“{label}”应为日期，格式如 2026-03-31。"


def product_messages(field: forms.Field, label: str) -> dict[str, str]:
    """The field's messages with Django's defaults replaced by the product's (custom ones kept)."""
    defaults: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    messages = dict(field.error_messages)
    # Limits are checked by validators (max_length, min_value, ...); a field message of the same code wins.
    validator_codes = [getattr(v, "code", "") for v in field.validators]
    for code in validator_codes:
        if code in PRODUCT_ERRORS and code not in messages:
            messages[code] = defaults.setdefault(code, "")
    for key, current in list(messages.items()):
        if key not in defaults or str(current) != str(defaults[key]):
            continue  # the form's own wording
        template = PRODUCT_ERRORS.get(key)
        if key == "required" and isinstance(field, forms.ChoiceField | forms.FileField | forms.BooleanField):
            template = SELECT_REQUIRED
        elif key == "invalid" and isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
            template = NUMBER_INVALID
        elif key == "invalid" and isinstance(field, forms.DateField | forms.DateTimeField):
            template = DATE_INVALID
        if template:
            messages[key] = template.replace("{label}", label)
    return messages


class ProductErrorsMixin:
    """Put first in a form's bases; see the module docstring."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        # At cleaning time, so fields a form adds after __init__ (a pack's facts) are worded too.
        for name, field in self.fields.items():
            field.error_messages = product_messages(field, str(field.label or name))
        super().full_clean()  # type: ignore[misc]


class BoundedFormMixin:
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):
            field = self.fields.get(name)
            if field is None or isinstance(field, forms.FileField):
                continue
            try:
                self.cleaned_data[name] = self._bounded(name, field, value)
            except bounds.BoundsError as exc:
                self.add_error(name, f"{exc}。")  # type: ignore[attr-defined]

    @staticmethod
    def _bounded(name: str, field: forms.Field, value: Any) -> Any:
        multiline = isinstance(field.widget, forms.Textarea)
        if isinstance(value, str) and isinstance(field, forms.CharField) and not multiline:
            limit = field.max_length or bounds.LINE_MAX
        else:
            limit = getattr(field, "max_length", None) or bounds.TEXT_MAX
        key = name.rsplit("__", 1)[-1]
        return bounds.check_value(key, value, max_length=limit, multiline=multiline)

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        data = {name: value for name, value in self.cleaned_data.items()}
        for field, message in bounds.check_pairs(data):
            if field in self.cleaned_data:
                self.add_error(field, f"{message}。")  # type: ignore[attr-defined]


class BoundedForm(BoundedFormMixin, forms.Form):
    """Use instead of `forms.Form` (a test checks that every form of the project does)."""


class BoundedModelForm(BoundedFormMixin, forms.ModelForm):
    """Use instead of `forms.ModelForm`."""
