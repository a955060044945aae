"""What each role's workspace (home page) shows. Panels are data; one template renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from govit.core.models import AuditChainHead, Role, User
from govit.core.selectors import (
    audit_entries_recent,
    can_read_audit_log,
    role_assignments_of,
    units_visible_to,
    users_visible_to,
)
from govit.policy import vocabulary


@dataclass
class Panel:
    title: str
    kind: str = "text"  # text | list | units | users | audit | settings
    body: str = ""
    items: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


COMING_SOON = "以下功能正在建设中，上线后将在此处显示。"

ROLE_INTRO: dict[str, tuple[str, list[str]]] = {
    Role.APPLICANT: (
        "项目建设单位工作台",
        ["项目申报与预检", "申报材料上传", "建设进度报送", "变更与验收申请"],
    ),
    Role.LEAD_OFFICE: (
        "领导小组办公室工作台",
        ["申报项目初审", "联合会审组织", "项目储备库与年度计划", "督办与整改"],
    ),
    Role.MEMBER_REVIEWER: ("会审成员单位工作台", ["待出具的会审意见", "已出具意见查询"]),
    Role.EXPERT: ("评审专家工作台", ["待评审项目", "评审意见记录", "回避声明"]),
    Role.LEADERSHIP: ("领导工作台", ["项目总览", "投资与进度统计", "待审定事项"]),
    Role.SYSTEM_ADMIN: ("系统管理员工作台", ["单位管理", "接口令牌"]),
    Role.SECURITY_ADMIN: ("安全管理员工作台", ["登录锁定处理", "密钥与证书状态"]),
    Role.AUDIT_ADMIN: ("审计管理员工作台", ["审计报表"]),
}


SETTINGS_FILE = "src/govit/settings/base.py"


def _security_settings() -> list[tuple[str, str, str]]:
    """(what, current value, where it is configured): environment variable and Django setting names."""
    return [
        ("连续登录失败锁定次数", f"{settings.AXES_FAILURE_LIMIT} 次",
         "环境变量 GOVIT_LOGIN_FAILURE_LIMIT（设置项 AXES_FAILURE_LIMIT）"),
        ("锁定时长", f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟",
         "环境变量 GOVIT_LOGIN_COOLOFF_MINUTES（设置项 AXES_COOLOFF_TIME）"),
        ("会话空闲超时", f"{settings.GOVIT_SESSION_IDLE_SECONDS // 60} 分钟",
         "环境变量 GOVIT_SESSION_IDLE_SECONDS（秒）"),
        ("会话最长有效期", f"{settings.GOVIT_SESSION_ABSOLUTE_SECONDS // 3600} 小时",
         "环境变量 GOVIT_SESSION_ABSOLUTE_SECONDS（秒）"),
        ("口令策略", "等保复杂度（8 位以上、三类字符、不含用户名、不重复最近 5 次、定期更换）"
         if settings.GOVIT_PASSWORD_POLICY == "dengbao" else "仅长度要求",  # noqa: S105  # nosec B105
         "环境变量 GOVIT_PASSWORD_POLICY（dengbao 或 length）"),
        ("必须使用动态口令的角色", "、".join(Role(r).label for r in settings.GOVIT_OTP_REQUIRED_ROLES),
         f"设置项 GOVIT_OTP_REQUIRED_ROLES（{SETTINGS_FILE}）"),
        ("审计日志保存期", f"{settings.GOVIT_AUDIT_RETENTION_DAYS} 天", "环境变量 GOVIT_AUDIT_RETENTION_DAYS"),
        ("口令存储算法", "PBKDF2-HMAC-SM3", f"设置项 PASSWORD_HASHERS（{SETTINGS_FILE}）"),
    ]


def panels_for(*, user: User, role: str) -> tuple[str, list[Panel]]:
    """Title and panels of `role`'s workspace for `user`."""
    title, upcoming = ROLE_INTRO[role]
    jurisdiction = next((a.jurisdiction for a in role_assignments_of(user).filter(role=role)
                         .select_related("jurisdiction") if a.jurisdiction.pack_ids), None)
    title = vocabulary.in_pack_words(title, jurisdiction.pack_ids[0] if jurisdiction else None)  # 区政数局工作台
    panels: list[Panel] = []
    if role == Role.SYSTEM_ADMIN:
        panels.append(Panel(title="本辖区单位", kind="units", items=list(units_visible_to(user))))
        panels.append(Panel(title="本辖区用户", kind="users", items=list(users_visible_to(user))))
    elif role == Role.SECURITY_ADMIN:
        panels.append(Panel(title="当前安全策略", kind="settings", items=_security_settings()))
    elif role == Role.AUDIT_ADMIN and can_read_audit_log(user):
        # Full verification walks the whole chain, so the page shows the head and leaves
        # verification to `govit audit verify` (cron or operator).
        panels.append(
            Panel(
                title="审计日志（最近 20 条）",
                kind="audit",
                items=list(audit_entries_recent(limit=20, user=user)),
                extra={"head": AuditChainHead.objects.filter(pk=1).first()},
            )
        )
    project_panels = _project_panels(user, role)
    panels.extend(project_panels)
    if not project_panels:
        panels.append(Panel(title="即将上线", kind="list", body=COMING_SOON, items=upcoming))
    return title, panels


def _project_panels(user: User, role: str) -> list[Panel]:
    """The role's live work on projects, linking to the full pages (empty for other roles)."""
    from django.urls import reverse

    from govit.projects.models import ProjectState
    from govit.projects.selectors import lead_office_inbox, projects_visible_to

    def row(project: Any, note: str) -> dict[str, Any]:
        return {"name": project.name, "url": reverse("projects:detail", args=[project.pk]),
                "state": ProjectState(project.state).label, "note": note, "unit": project.unit.name}

    if role == Role.APPLICANT:
        from govit.core.selectors import role_assignments_of

        units = role_assignments_of(user).filter(role=Role.APPLICANT).values("unit_id")
        projects = list(projects_visible_to(user).filter(unit_id__in=units)[:12])
        return [Panel(title="我的项目", kind="projects", items=[row(p, "") for p in projects],
                      extra={"more": reverse("projects:list"), "more_label": "查看全部项目和下一步",
                             "new": reverse("projects:new")})]
    if role == Role.LEAD_OFFICE:
        items = [row(i["project"], i["text"]) for i in lead_office_inbox(user, limit=12)]
        return [Panel(title="待办事项", kind="projects", items=items,
                      extra={"more": reverse("projects:inbox"), "more_label": "查看全部待办"})]
    if role == Role.MEMBER_REVIEWER:
        from govit.reviews.models import TaskStatus
        from govit.reviews.selectors import opinion_tasks_for

        tasks = opinion_tasks_for(user).filter(status=TaskStatus.OPEN).select_related("project__unit")[:12]
        items = [{**row(t.project, f"{t.aspect}，期限 {t.due_date.isoformat()}"),
                  "url": reverse("reviews:task", args=[t.pk])} for t in tasks]
        return [Panel(title="待出具的审查意见", kind="projects", items=items,
                      extra={"more": reverse("reviews:tasks"), "more_label": "查看全部审查意见任务"})]
    if role == Role.LEADERSHIP:
        from govit.planning.models import PlanStatus
        from govit.planning.selectors import plans_visible_to

        plans = plans_visible_to(user).filter(status=PlanStatus.SUBMITTED)
        items = [{"name": f"{p.year} 年度建设计划（{p.jurisdiction.name}）", "state": p.get_status_display(),
                  "note": "待审定", "unit": "", "url": reverse("planning:detail", args=[p.pk])} for p in plans]
        return [Panel(title="待审定事项", kind="projects", items=items,
                      extra={"more": reverse("projects:portfolio"), "more_label": "查看项目总览"})]
    return []
