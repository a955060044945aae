"""Fixtures for the expert library tests: demo world, projects, expert libraries, expert users."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from govit.core.demo import DEMO_JURISDICTIONS
from govit.core.models import Jurisdiction, Role, RoleAssignment, User
from govit.experts.demo import fake_bank_account, fake_id_number, fake_phone
from govit.experts.models import Expert
from govit.experts.services import expert_create
from govit.projects.models import Project

PREFIX = {s.pack_id: s.prefix for s in DEMO_JURISDICTIONS}
CODE = {s.prefix: s.code for s in DEMO_JURISDICTIONS}


def lead(prefix: str) -> User:
    return User.objects.get(username=f"{prefix}_lead_office")


def jurisdiction(prefix: str) -> Jurisdiction:
    return Jurisdiction.objects.get(code=CODE[prefix])


def make_project(prefix: str, *, name: str = "测试项目", unit_name: str | None = None) -> Project:
    """A draft project of the jurisdiction's demo applicant (enough for draws that are not approval reviews)."""
    j = jurisdiction(prefix)
    applicant = User.objects.get(username=f"{prefix}_applicant")
    unit = RoleAssignment.objects.get(user=applicant, role=Role.APPLICANT).unit
    if unit_name:
        unit = j.units.get(name=unit_name)
    spec = next(s for s in DEMO_JURISDICTIONS if s.prefix == prefix)
    return Project.objects.create(jurisdiction=j, unit=unit, name=name, pack_id=spec.pack_id,
                                  pack_digest_at_creation="test", created_by=applicant)


def add_expert(prefix: str, serial: int, *, categories: list[str], employer: str = "测试大学", **extra: Any) -> Expert:
    return expert_create(
        jurisdiction=jurisdiction(prefix), actor=lead(prefix), name=extra.pop("name", f"专家{serial}"),
        employer=employer, categories=categories, phone=fake_phone(serial), id_number=fake_id_number(serial),
        bank_account=fake_bank_account(serial), **extra,
    )


def expert_user(prefix: str, n: int) -> User:
    """A user with the `expert` role in the jurisdiction."""
    user, _ = User.objects.get_or_create(username=f"{prefix}_expert_t{n}", defaults={"full_name": f"测试专家{n}"})
    RoleAssignment.objects.get_or_create(user=user, role=Role.EXPERT, jurisdiction=jurisdiction(prefix))
    return user


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or ["姓名", "工作单位", "专业类别", "职称", "手机号码", "身份证号", "银行账号", "可抽取",
                            "回避单位"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(demo_data: None) -> None:
    """Core demo data (jurisdictions, units, one user per role)."""


@pytest.fixture
def library(world: None) -> Callable[..., list[Expert]]:
    def build(prefix: str, plan: list[list[str]], *, start: int = 1) -> list[Expert]:
        return [add_expert(prefix, start + i, categories=cats) for i, cats in enumerate(plan)]

    return build
