"""The base of every django-ninja schema under /api/v1: the bounds of `govit.bounds` on every field.

Input (a request body, query or path): each value is checked by its field's name and type —
text cleaned of control/bidi/surrogate characters and length-limited, amounts (`*_wan`) finite,
≥ 0, ≤ 10^7 万元, ≤ 4 decimals, other numbers finite and bounded, dates 2000–2100, ordered pairs in
order. A violation is a pydantic error, which `core/api_errors.py` answers as 422 with `field`.

Output (ninja validates responses with `response_status` in the context): nothing is refused —
values already stored are sanitised (`govit.bounds.sanitise`), so an old row with NaN or a NUL
never turns a page into a 500.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema as NinjaSchema
from pydantic import ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from govit import bounds

# One-line fields: newlines are folded, and the shorter limit applies.
LINE_FIELDS = {"name", "title", "document_no", "username", "period", "code", "unit_name", "label", "subject",
               "full_name", "display_name", "email", "phone", "url", "event", "q", "search", "pack_id"}


def _is_output(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, dict) and "response_status" in context


class Schema(NinjaSchema):
    """Use this instead of `ninja.Schema` (a test checks that every API schema does)."""

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> Any:
        if _is_output(info):
            return bounds.sanitise(value)
        name = info.field_name or ""
        one_line = name in LINE_FIELDS
        try:
            return bounds.check_value(name, value, max_length=bounds.LINE_MAX if one_line else bounds.TEXT_MAX,
                                      multiline=not one_line)
        except bounds.BoundsError as exc:
            # `path` (a key inside a dict field) is appended to the field by core/api_errors.py.
            raise PydanticCustomError("value_error", "{error}", {"error": exc.reason, "path": exc.path}) from None

    @model_validator(mode="after")
    def _ordered(self, info: ValidationInfo) -> Any:
        if _is_output(info):
            return self
        problems = bounds.check_pairs({name: getattr(self, name, None) for name in type(self).model_fields})
        if problems:
            field, message = problems[0]
            raise PydanticCustomError("value_error", "{error}", {"error": f"{field}：{message}"})
        return self
