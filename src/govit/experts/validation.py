"""Field checks for expert records, shared by the form, the API and the Excel import.

Each checker returns the cleaned value or raises `FieldInvalid` with a Chinese message that says
what is wrong and what to write instead.
"""

from __future__ import annotations

import re
from datetime import date

from govit.experts.models import ExpertCategory

FIELD_LABELS = {
    "name": "姓名",
    "employer": "工作单位",
    "categories": "专业类别",
    "title": "职称",
    "phone": "手机号码",
    "id_number": "身份证号",
    "bank_account": "银行账号",
    "available": "可抽取",
    "declared_conflicts": "回避单位",
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_LABEL_TO_CATEGORY = {label: code for code, label in ExpertCategory.choices}
_LABEL_TO_CATEGORY.update({"工程造价": ExpertCategory.COST_FINANCE, "财务": ExpertCategory.COST_FINANCE})


class FieldInvalid(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


def clean_text(field: str, value: object, *, required: bool, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise FieldInvalid(field, "不能为空。")
    if len(text) > max_length:
        raise FieldInvalid(field, f"不能超过 {max_length} 个字。")
    return text


def split_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = _SEPARATORS.split(str(value))
    return [item.strip() for item in items if item and item.strip()]


def clean_categories(value: object) -> list[str]:
    """Category codes or Chinese labels (separated by 、 or commas) → ordered unique codes."""
    items = split_list(value)
    if not items:
        raise FieldInvalid("categories", "至少填写一个专业类别。")
    codes: list[str] = []
    for item in items:
        code = item if item in ExpertCategory.values else _LABEL_TO_CATEGORY.get(item)
        if code is None:
            allowed = "、".join(ExpertCategory.labels)
            raise FieldInvalid("categories", f"“{item}”不是专业类别，可选：{allowed}。")
        if code not in codes:
            codes.append(code)
    return codes


def _digits(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[\s-]", "", str(value))


def clean_phone(value: object) -> str:
    phone = _digits(value)
    if phone and not re.fullmatch(r"1\d{10}", phone):
        raise FieldInvalid("phone", "应为 11 位手机号码（以 1 开头）。")
    return phone


def clean_id_number(value: object) -> str:
    """18-character resident ID (GB 11643): format, date of birth and check character."""
    number = _digits(value).upper()
    if not number:
        return ""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise FieldInvalid("id_number", "应为 18 位身份证号（最后一位可以是 X）。")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise FieldInvalid("id_number", "出生日期部分不是有效日期。") from exc
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise FieldInvalid("id_number", "校验码不正确，请核对号码。")
    return number


def id_check_character(first17: str) -> str:
    """The check character completing a 17-digit ID prefix (for demo and test data)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def clean_bank_account(value: object) -> str:
    account = _digits(value)
    if account and not re.fullmatch(r"\d{12,30}", account):
        raise FieldInvalid("bank_account", "应为 12 至 30 位数字。")
    return account


def clean_available(value: object) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("是", "可", "Y", "y", "1", "true", "True"):
        return True
    if text in ("否", "不可", "N", "n", "0", "false", "False"):
        return False
    raise FieldInvalid("available", "请填写“是”或“否”。")


def clean_expert_fields(raw: dict[str, object]) -> dict[str, object]:
    """All fields of an expert record; raises the first FieldInvalid found."""
    return {
        "name": clean_text("name", raw.get("name"), required=True, max_length=50),
        "employer": clean_text("employer", raw.get("employer"), required=True, max_length=200),
        "categories": clean_categories(raw.get("categories")),
        "title": clean_text("title", raw.get("title"), required=False, max_length=50),
        "phone": clean_phone(raw.get("phone")),
        "id_number": clean_id_number(raw.get("id_number")),
        "bank_account": clean_bank_account(raw.get("bank_account")),
        "available": clean_available(raw.get("available")),
        "declared_conflicts": [clean_text("declared_conflicts", c, required=True, max_length=200)
                               for c in split_list(raw.get("declared_conflicts"))],
    }


def row_errors(raw: dict[str, object]) -> list[FieldInvalid]:
    """Every invalid field of a row (the import reports all of them, not just the first)."""
    checks = {
        "name": lambda v: clean_text("name", v, required=True, max_length=50),
        "employer": lambda v: clean_text("employer", v, required=True, max_length=200),
        "categories": clean_categories,
        "title": lambda v: clean_text("title", v, required=False, max_length=50),
        "phone": clean_phone,
        "id_number": clean_id_number,
        "bank_account": clean_bank_account,
        "available": clean_available,
    }
    found = []
    for field, check in checks.items():
        try:
            check(raw.get(field))
        except FieldInvalid as exc:
            found.append(exc)
    return found
