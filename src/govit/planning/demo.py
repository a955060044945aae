"""Demo: a reserve pool for the year after next in 通州区, with different urgency, nature and money,
one project larger than the budget and the year's draft plan built from the proposal."""

from __future__ import annotations

from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from govit.core.demo import DEMO_JURISDICTIONS
from govit.projects.models import Project

# name, 本年度需要资金（万元）, profile, extra facts
POOL: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
    ("区级视频会议系统续建（储备）", 120, {"nature": "continuing", "urgency": "fairly_urgent"}, {}),
    ("基层治理网格化平台（储备）", 380, {"urgency": "urgent", "nature": "new"}, {}),
    ("防汛指挥调度系统（储备）", 260, {"urgency": "urgent", "nature": "new"}, {}),
    ("政务外网运维（储备）", 90, {"nature": "maintenance", "urgency": "normal"}, {}),
    ("养老服务信息平台（储备）", 240, {"urgency": "fairly_urgent", "nature": "new"}, {}),
    ("档案数字化加工（储备）", 150, {"urgency": "normal", "nature": "new"}, {}),
    ("社会信用信息共享（上级要求，储备）", 200, {"urgency": "normal", "nature": "new"},
     {"mandated_by_higher_level": True}),
    ("城市运行管理中心一期（储备）", 1200, {"urgency": "urgent", "nature": "new"}, {}),
]
BUDGET_WAN = 1000


def load_proposal_demo(*, stdout: TextIO) -> None:
    from govit.planning.proposal.service import adopt
    from govit.projects.demo import BASE_FACTS, DemoDriver
    from govit.projects.profile import project_update_profile
    from govit.projects.services import project_create

    spec = next(s for s in DEMO_JURISDICTIONS if s.pack_id == "tongzhou-2023")
    if Project.objects.filter(jurisdiction__code=spec.code, name__endswith="（储备）").exists():
        return
    year = timezone.localdate().year + 2
    driver = DemoDriver(spec, {})
    with transaction.atomic():
        for name, amount, profile, facts in POOL:
            project = project_create(actor=driver.applicant, name=name,
                                     facts={**BASE_FACTS, "total_investment_wan": amount, **facts},
                                     year_amounts=[{"year": year, "planned_wan": amount}],
                                     content=f"信息业务系统：{name.removesuffix('（储备）')}；信息资源系统：对接区数据共享交换平台；"
                                             "信息网络系统：部署在政务云，经政务外网访问。")
            project_update_profile(project=project, actor=driver.applicant, profile={
                **profile, "plan_year": year, "leader_name": "王敏", "leader_phone": "0513-86123456",
                "start_month": f"{year}-03", "completion_month": f"{year}-12", "planning_prepared": True,
                "planning_reviewed": True, "funding": {"this_year": {"fiscal": amount}},
                "form_filler": "陈晓", "filler_phone": "0513-86123457", "filler_email": "chenxiao@tz.example.gov.cn"})
            driver.targets[project.pk] = "in_library"
            for _stage, step in driver.steps():
                project.refresh_from_db()
                if project.state == "in_library":
                    break
                step(project)
        plan, answer = adopt(jurisdiction=driver.jurisdiction, year=year, budget_wan=BUDGET_WAN, actor=driver.lead)
    stdout.write(f"年度计划建议：{plan} 按建议方案列入 {len(answer['selected'])} 个项目，"
                 f"合计 {answer['total_wan']:g} 万元"
                 f"（预算 {BUDGET_WAN} 万元，{answer['solver']}）。\n")
