"""Demo expert library: 30 fake experts per demo jurisdiction, the demo `expert` user linked to one,
and one drawn, open panel on the project under review so the expert workspace has work in it.
Where a pack requires a drawn panel (巴中 第五条, 昌吉 第三十二条) the demo projects' approval reviews
draw one and its experts sign (`drawn_panel_review`), each with a demo account `<prefix>_expert_<id>`.

All personal numbers are visibly fake: phones 100-0000-xxxx (no such mobile prefix), ID numbers
with area code 999999 (no such area), bank accounts starting with ten zeros. Idempotent: a
jurisdiction that already has experts is left alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TextIO

from django.db import transaction

from govit.core.demo import DEMO_JURISDICTIONS, demo_username
from govit.core.models import Jurisdiction, Role, User
from govit.experts.models import DrawPurpose, Expert, ExpertCategory
from govit.experts.validation import id_check_character
from govit.projects.errors import DomainError

C = ExpertCategory
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ("建国", "晓明", "丽华", "志强", "海燕", "文博", "静怡", "国栋", "雪梅", "立新", "振华", "慧敏", "子涵",
         "宏伟", "秀英", "明轩", "玉兰", "俊杰", "春燕", "德胜", "佳琪", "永红", "思远", "桂芳", "浩然", "晓燕",
         "卫东", "凤英", "天佑", "美玲")
# (employers, titles) by an expert's first category, so records read plausibly.
BACKGROUND = {
    C.NETWORK_SECURITY: (("演示网络安全研究院", "演示大学网络空间安全学院"), ("研究员", "正高级工程师")),
    C.SOFTWARE_ENGINEERING: (("演示理工大学计算机学院", "演示软件测评中心"), ("教授", "高级工程师")),
    C.DATA_GOVERNANCE: (("演示数据治理研究所", "演示大学信息工程学院"), ("副研究员", "教授")),
    C.CRYPTOGRAPHY: (("演示密码应用测评机构", "演示大学密码学院"), ("高级工程师", "副教授")),
    C.COST_FINANCE: (("演示工程造价咨询公司", "演示会计师事务所"), ("高级造价工程师", "高级会计师")),
    C.INDUSTRY: (("演示行业研究中心", "演示规划设计院"), ("高级经济师", "正高级工程师")),
    C.LEGAL: (("演示律师事务所", "演示大学法学院"), ("律师", "教授")),
}
# Categories of the 30 experts in order; exactly two legal experts (index 0 and 15), so the demo
# panel below, which asks for two legal experts, always includes the demo expert (index 0).
PLAN = (
    [C.LEGAL, C.INDUSTRY], [C.NETWORK_SECURITY], [C.SOFTWARE_ENGINEERING], [C.DATA_GOVERNANCE],
    [C.CRYPTOGRAPHY, C.NETWORK_SECURITY], [C.COST_FINANCE], [C.INDUSTRY], [C.NETWORK_SECURITY],
    [C.SOFTWARE_ENGINEERING, C.DATA_GOVERNANCE], [C.COST_FINANCE], [C.CRYPTOGRAPHY], [C.SOFTWARE_ENGINEERING],
    [C.DATA_GOVERNANCE], [C.INDUSTRY], [C.NETWORK_SECURITY], [C.LEGAL], [C.SOFTWARE_ENGINEERING],
    [C.COST_FINANCE], [C.CRYPTOGRAPHY], [C.DATA_GOVERNANCE, C.INDUSTRY], [C.NETWORK_SECURITY],
    [C.SOFTWARE_ENGINEERING], [C.COST_FINANCE], [C.INDUSTRY], [C.DATA_GOVERNANCE], [C.NETWORK_SECURITY],
    [C.SOFTWARE_ENGINEERING], [C.CRYPTOGRAPHY], [C.COST_FINANCE], [C.INDUSTRY],
)
DEMO_PANEL = {C.LEGAL: 2, C.NETWORK_SECURITY: 2, C.SOFTWARE_ENGINEERING: 2, C.COST_FINANCE: 1}


def fake_id_number(serial: int) -> str:
    birth = date(1965, 1, 1) + timedelta(days=serial * 97)
    first17 = f"999999{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def fake_phone(serial: int) -> str:
    return f"1000000{serial % 10000:04d}"


def fake_bank_account(serial: int) -> str:
    return f"0000000000{serial % 1000000:06d}"


# The panel an approval review draws in the demo where the pack requires a drawn panel: five experts
# sit with the nine other members of 巴中's 审委会 (第五条: at least a third), three categories for 昌吉.
REVIEW_PANEL = {C.SOFTWARE_ENGINEERING: 2, C.NETWORK_SECURITY: 2, C.COST_FINANCE: 1}
SCORES = {"necessity": 8, "technical": 8, "investment": 7, "security": 8, "sharing": 8}


def ensure_library(jurisdiction: Jurisdiction, lead: User) -> int:
    """The jurisdiction's 30 demo experts (the demo `expert` user linked to the first). Idempotent."""
    from govit.experts.services import expert_create

    if Expert.objects.filter(jurisdiction=jurisdiction).exists():
        return 0
    index = next(i for i, s in enumerate(DEMO_JURISDICTIONS) if s.code == jurisdiction.code)
    spec = DEMO_JURISDICTIONS[index]
    expert_user = User.objects.filter(username=demo_username(spec.prefix, Role.EXPERT)).first()
    for n, categories in enumerate(PLAN):
        serial = index * 100 + n + 1
        expert_create(
            jurisdiction=jurisdiction, actor=lead,
            name=SURNAMES[(n + index * 7) % len(SURNAMES)] + GIVEN[(n * 7 + index) % len(GIVEN)],
            employer=BACKGROUND[categories[0]][0][n % 2], categories=categories,
            title=BACKGROUND[categories[0]][1][(n // 2) % 2], phone=fake_phone(serial),
            id_number=fake_id_number(serial),
            bank_account=fake_bank_account(serial), user=expert_user if n == 0 else None,
        )
    return len(PLAN)


def expert_account(expert: Expert, lead: User) -> User:
    """The expert's sign-in account; demo experts without one get `<prefix>_expert_<id>` (demo password)."""
    from django.contrib.auth.hashers import make_password

    from govit.core.demo import DEMO_PASSWORD
    from govit.core.services import role_assign
    from govit.experts.services import expert_update

    if expert.user_id:
        return expert.user
    prefix = next(s.prefix for s in DEMO_JURISDICTIONS if s.code == expert.jurisdiction.code)
    user, _ = User.objects.get_or_create(username=f"{prefix}_expert_{expert.pk}", defaults={
        "full_name": f"{expert.name}（演示专家）", "password": make_password(DEMO_PASSWORD)})
    role_assign(user=user, role=Role.EXPERT, jurisdiction=expert.jurisdiction, unit=None, actor=None,
                actor_name="govit demo")
    expert_update(expert=expert, actor=lead, user=user)
    return user


def drawn_panel_review(project: object, lead: User) -> None:
    """Draw the approval-review panel, open it and have every expert sign: the pack's expert opinion."""
    from govit.experts.models import MemberRole
    from govit.experts.services import draw_commit, draw_execute, expert_review_submit, panel_open

    ensure_library(project.jurisdiction, lead)  # type: ignore[attr-defined]
    draw = draw_commit(project=project, actor=lead, purpose=DrawPurpose.APPROVAL_REVIEW, requested=REVIEW_PANEL,
                       reserve_per_category=1)
    draw_execute(draw=draw, actor=lead)
    panel_open(draw=draw, actor=lead)
    for member in draw.members.filter(role=MemberRole.PANEL).select_related("expert__jurisdiction"):
        expert_review_submit(member=member, actor=expert_account(member.expert, lead), scores=SCORES,
                             opinion="agree", comments="建设必要，方案可行，投资合理。", no_conflict=True)


def _demo_panel(jurisdiction: Jurisdiction, lead: User) -> bool:
    from govit.experts.models import Draw
    from govit.experts.services import draw_commit, draw_execute, panel_open
    from govit.projects.models import Project, ProjectState

    project = Project.objects.filter(jurisdiction=jurisdiction, state=ProjectState.UNDER_REVIEW).order_by("pk").first()
    if project is None or Draw.objects.filter(project=project, status="open").exists():
        return False
    try:
        with transaction.atomic():
            draw = draw_commit(project=project, actor=lead, purpose=DrawPurpose.APPROVAL_REVIEW,
                               requested=DEMO_PANEL, reserve_per_category=1)
            draw_execute(draw=draw, actor=lead)
            panel_open(draw=draw, actor=lead)
    except DomainError:
        return False  # the demo project's pack refuses this panel; the library is still loaded
    return True


def load_experts_demo(*, stdout: TextIO) -> None:
    created = panels = 0
    for spec in DEMO_JURISDICTIONS:
        jurisdiction = Jurisdiction.objects.filter(code=spec.code).first()
        lead = User.objects.filter(username=demo_username(spec.prefix, Role.LEAD_OFFICE)).first()
        if jurisdiction is None or lead is None:
            continue
        with transaction.atomic():
            created += ensure_library(jurisdiction, lead)
            panels += _demo_panel(jurisdiction, lead)
    stdout.write(f"专家库演示数据：新建专家 {created} 位，演示评审 {panels} 场。\n")
