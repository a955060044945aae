"""Chinese labels of audit action codes, shown to the audit administrator.

Apps register their own codes in AppConfig.ready(): `register_audit_action("project.submit", "提交项目")`.
"""

from __future__ import annotations

_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "role.assign": "角色授权",
    "role.revoke": "撤销角色",
    "role.adopt": "现有授权记入台账",
    "auth.password_change": "修改密码",
    "otp.enrol": "绑定动态口令",
    "otp.verify": "动态口令验证",
    "otp.reset": "重置动态口令",
    "access.denied": "越权访问被拒绝",
    "audit.export": "导出审计日志",
    "list.export": "导出列表（Excel）",
    "material.download": "下载申报材料",
    "project.application_form_download": "下载申报表",
    "keys.status": "查看密钥环",
    "keys.add": "新增密钥",
    "keys.rotate": "轮换密钥（重新加密）",
    "audit.verify": "校验审计日志",
    "audit.archive": "归档审计日志",
    "user.create": "开设账号",
    "user.update": "修改账号信息",
    "jurisdiction.create": "新建行政区域",
    "jurisdiction.update": "修改行政区域",
    "jurisdiction.import": "导入行政区域",
    "unit.create": "新建单位",
    "unit.update": "修改单位",
    "user.initial_password": "设置初始密码",  # nosec B105 (an action label, not a password)
    "user.set_active": "启用/停用账号",
    "api_token.create": "创建接口令牌",
    "api_token.revoke": "吊销接口令牌",
    "demo.load": "载入演示数据",
    "service.refused": "操作被拒绝（不符合办法规定或无权限）",
}


def register_audit_action(code: str, label: str) -> None:
    _LABELS[code] = label


def audit_action_label(code: str) -> str:
    """The Chinese label of `code`, or the code itself when none is registered."""
    return _LABELS.get(code, code)


def audit_action_choices() -> list[tuple[str, str]]:
    """Every registered action as (code, Chinese label), ordered by label, for the audit log's filter."""
    return sorted(_LABELS.items(), key=lambda item: (item[1], item[0]))


def audit_actions_named(text: str) -> list[str]:
    """The codes whose Chinese label contains `text` (the audit log searches 登录 as well as auth.login)."""
    return [code for code, label in _LABELS.items() if text and text in label]
