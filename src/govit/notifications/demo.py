"""Demo 通知公告: 通州's lead office calls for next year's project plans (通州 第七条: 每年10月底前递交)."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from django.utils import timezone

from govit.core.models import Jurisdiction, Role, RoleAssignment
from govit.notifications.models import Notice
from govit.notifications.services import notice_publish

TONGZHOU = "320612"


def collection_call_due(today: date) -> date:
    """The coming 10月31日 (next year's once this year's has passed)."""
    due = date(today.year, 10, 31)
    return due if due >= today else date(today.year + 1, 10, 31)


def load_notices_demo(*, stdout: TextIO) -> None:
    jurisdiction = Jurisdiction.objects.filter(code=TONGZHOU).first()
    if jurisdiction is None or Notice.objects.filter(jurisdiction=jurisdiction).exists():
        return
    lead = RoleAssignment.objects.filter(role=Role.LEAD_OFFICE, jurisdiction=jurisdiction).select_related("user")
    if not lead.exists():
        return
    due = collection_call_due(timezone.localdate())
    notice_publish(
        jurisdiction=jurisdiction, actor=lead.first().user, basis="第七条", due_date=due,
        title=f"关于报送 {due.year + 1} 年度政务信息化项目计划的通知",
        body=("各项目申报单位：\n根据《通州区政务信息化项目建设管理办法》第七条，请于 "
              f"{due.year} 年 10 月底前向区政务信息化项目建设管理工作领导小组办公室递交下一年度项目计划，"
              "并附《通州区政务信息化项目建设申报表》（附件1）、《通州区政务信息化项目建设建议书》（附件2），"
              "以及单位内部相关会议记录（如“三重一大”会议记录）、对建议书的评审意见；"
              "运维项目请报送项目状况说明书和预算清单。"),
    )
    stdout.write("演示通知公告：通州区 1 条（下一年度项目计划征集，第七条）。\n")
