"""Chinese numerals as used in article and item numbers (第二十九条, （十一）)."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(text: str) -> int:
    """Convert a Chinese numeral below 10,000 (or ASCII digits) to an int.

    >>> cn_to_int("二十九"), cn_to_int("十"), cn_to_int("一百零三"), cn_to_int("41")
    (29, 10, 103, 41)
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def int_to_cn(n: int) -> str:
    """Inverse of cn_to_int for 1..99, the range article numbers use."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    digits = "零一二三四五六七八九"
    out = ""
    if tens:
        out += ("" if tens == 1 else digits[tens]) + "十"
    if ones:
        out += digits[ones]
    return out


def article_label(number: int | str) -> str:
    """An article number as the regulations write it, everywhere the UI shows one: 14 → 第十四条."""
    n = int(number)
    return f"第{int_to_cn(n)}条" if 0 < n < 100 else f"第{n}条"


def article_number(query: str) -> int | None:
    """The article a search means, written 14, 十四, 第14条 or 第十四条 (条/條); None if it is not one.

    >>> article_number("十四"), article_number("第14条"), article_number("第十四條"), article_number("监理")
    (14, 14, 14, None)
    """
    text = query.strip()
    if text.startswith("第"):
        text = text[1:]
    if text.endswith(("条", "條")):
        text = text[:-1]
    if not text:
        return None
    try:
        n = cn_to_int(text)
    except ValueError:
        return None
    return n if 0 < n < 1000 else None
