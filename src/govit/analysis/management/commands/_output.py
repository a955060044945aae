"""What the analysis commands share: JSON or text on stdout, exit 2 with a Chinese message on bad input."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govit.core.models import Jurisdiction

EXIT_BAD_INPUT = 2


def add_format(parser: Any) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def fail(command: BaseCommand, options: dict[str, Any], message: str, data: dict[str, Any] | None = None) -> None:
    """Exit 2: the JSON answer (with `error`) on stdout in json mode, the message on stderr."""
    if options.get("format") == "json":
        command.stdout.write(dump({**(data or {}), "error": message}))
    raise CommandError(message, returncode=EXIT_BAD_INPUT)


def jurisdiction_or_fail(command: BaseCommand, options: dict[str, Any], code: str | None) -> Jurisdiction:
    if not code:
        fail(command, options, "请用 --jurisdiction 指定行政区划代码（例如 320612 通州区）。")
    jurisdiction = Jurisdiction.objects.filter(code=str(code).strip()).first()
    if jurisdiction is None:
        known = "、".join(f"{j.code} {j.name}" for j in Jurisdiction.objects.order_by("code"))
        fail(command, options, f"没有行政区划代码为“{code}”的行政区域。已有：{known or '（无）'}。")
    return jurisdiction  # type: ignore[return-value]
