"""Chinese labels for the policy contract's fact names, enum values and results: one place for every screen.

Keys are the contract's names (shared/design/policy-contract.md). The lifecycle UI, the reports and
the pre-check page all read from here, so a term is translated once.
"""

from __future__ import annotations

from typing import Any

# --- Facts -------------------------------------------------------------------------------------------

PROJECT_FACTS: dict[str, str] = {
    "name": "项目名称",
    "unit_name": "建设单位名称",
    "category": "项目类别",
    "delivery": "建设方式",
    "procurement_kind": "采购类型",
    "classified": "是否涉密",
    "total_investment_wan": "建设总投资（万元，不含运维）",
    "annual_om_wan": "年度运维费用（万元）",
    "funding_sources": "资金来源",
    "in_project_library": "已纳入项目库（储备库）",
    "in_annual_plan": "已列入年度建设计划",
    "started_before_approval": "未批先建",
    "cross_department": "跨部门共建共享",
    "mandated_by_higher_level": "国家、省、市有明确要求",
    "urgent_national_security": "涉及国家安全等特殊原因、情况紧急",
    "emergency": "突发事件或不可抗力紧急项目",
    "already_in_plan_document": "已纳入信息化建设专项规划",
    "contains": "建设（采购）内容",
    "on_gov_cloud": "部署（迁移）到政务云",
    "on_gov_network": "依托电子政务内网或外网",
    "connected_to_sharing_platform": "接入数据共享交换（开放）平台",
    "connected_to_office_platform": "接入统一协同办公平台",
    "service_kind": "项目服务类型",
    "resource_catalog": "已编制信息资源目录",
    "sharing_analysis_chapter": "可研（初设）含信息资源共享分析篇（章）",
    "shares_data_as_required": "按要求共享数据",
    "duplicate_data_collection": "重复采集可通过共享获取的数据",
    "provides_data_interface": "提供数据接口",
    "requirements_clear": "建设需求明确",
    "performance_goals_clear": "绩效目标明确",
    "internal_integration_done": "内部系统整合到位",
    "data_survey_done": "数据目录普查到位",
    "replaceable_by_existing": "功能可被已有项目或统建系统替代",
    "industry_dept_approved": "行业（业务）主管部门已准许",
    "similar_project_split": "由相似项目拆分申报",
    "obsolete_technology": "技术路线落后或使用淘汰产品",
    "prior_project": "原项目情况",
    "security": "安全保障情况",
    "service_purchase": "采购服务条件",
    "contract": "合同约定",
    "dates": "关键日期",
    "change": "建设内容和投资调整",
}

PRIOR_PROJECT_FACTS: dict[str, str] = {
    "accepted": "原项目已验收",
    "matches_business": "原项目与业务相符",
    "vendor_supported": "原厂商仍提供支持",
    "usage": "原项目使用情况",
}

SECURITY_FACTS: dict[str, str] = {
    "mlps_level": "网络安全等级保护级别",
    "mlps_compliant": "符合等级保护要求",
    "crypto_compliant": "符合密码应用要求",
    "major_risk": "存在重大安全隐患",
    "key_parts_certified": "关键部件通过认证",
    "domestic_products": "采用国产产品",
    "secure_reliable_products": "采用安全可靠软硬件产品",
}

SERVICE_PURCHASE_FACTS: dict[str, str] = {
    "not_goods_or_works": "不属于货物和工程（未将工程和服务打包）",
    "cheaper_than_self_build": "服务费明显低于自行建设和运维费用",
    "multiple_providers": "存在多家潜在服务提供商",
    "security_ok": "符合安全保密要求",
}

CONTRACT_FACTS: dict[str, str] = {
    "build_months": "建设周期（月）",
    "free_om_months": "免费运维期（月）",
    "hardware_term_years": "硬件建设运维期（年）",
    "om_service_years": "运维服务合同期限（年）",
}

DATE_FACTS: dict[str, str] = {
    "approved": "批复日期",
    "procurement_started": "启动采购日期",
    "construction_started": "开工日期",
    "completed": "建成日期",
    "trial_started": "试运行开始日期",
    "go_live": "投入运行日期",
    "accepted": "验收日期",
    "acceptance_requested": "申请竣工验收日期",
}

CHANGE_FACTS: dict[str, str] = {
    "approved_total_wan": "批复概算总投资（万元）",
    "increase_wan": "调增金额（万元）",
    "decrease_wan": "调减金额（万元）",
    "new_content_wan": "新增建设内容金额（万元）",
    "procurement_savings_wan": "招标采购形成的结余（万元）",
    "basis": "调整依据",
    "goal_unchanged": "建设目标不变",
}

# Kept by the platform (earlier adjustments counted with a new one); not asked on forms.
CHANGE_SYSTEM_FACTS: dict[str, str] = {
    "prior_increase_wan": "此前各次调整的调增金额合计（万元）",
    "prior_decrease_wan": "此前各次调整的调减金额合计（万元）",
    "prior_new_content_wan": "此前各次调整的新增建设内容合计（万元）",
    "prior_procurement_savings_wan": "此前各次调整中招标采购形成的结余合计（万元）",
}

UNIT_FACTS: dict[str, str] = {
    "kind": "单位类型",
    "has_unaccepted_projects": "有未验收的项目",
    "failed_acceptance": "有验收不合格的项目",
    "data_collection_incomplete": "未完成数据归集",
    "data_sharing_violation": "未按要求共享数据资源",
    "security_violation": "不符合密码应用和网络安全要求",
}

NESTED_FACTS: dict[str, dict[str, str]] = {
    "prior_project": PRIOR_PROJECT_FACTS,
    "security": SECURITY_FACTS,
    "service_purchase": SERVICE_PURCHASE_FACTS,
    "contract": CONTRACT_FACTS,
    "dates": DATE_FACTS,
    "change": {**CHANGE_FACTS, **CHANGE_SYSTEM_FACTS},
}

# --- Enum values -------------------------------------------------------------------------------------

CATEGORY = {
    "new": "新建",
    "rebuild": "改建",
    "expansion": "扩建",
    "upgrade": "升级改造",
    "migration": "迁移",
    "operation": "运维",
}
DELIVERY = {"self_build": "自行建设", "service_purchase": "采购服务"}
PROCUREMENT_KIND = {
    "software": "软件开发类",
    "equipment": "设备采购类",
    "integration": "系统集成类",
    "service": "服务类",
    "security_assessment": "等保密评类",
}
FUNDING_SOURCES = {
    "local_fiscal": "本级财政资金",
    "superior_special": "上级专项资金",
    "xinjiang_aid": "援疆资金",
    "self_raised": "自筹资金",
    "enterprise_free": "企业无偿提供",
    "bond": "债券资金",
    "other": "其他",
}
CONTAINS = {
    "machine_room": "新建（扩建）机房",
    "data_center": "数据中心",
    "cloud_platform": "私有云平台",
    "network": "网络（服务端网络设备）",
    "servers_storage": "服务器、存储设备",
    "internet_line_lease": "互联网出口线路租赁",
    "private_line_lease": "专网（专线）租赁",
    "terminal_security": "终端安全防护",
    "common_system": "共性系统（电子证照、电子签章等）",
    "website_platform": "政府网站支撑平台",
    "standalone_mobile_app": "独立封装的移动客户端",
    "big_data_platform": "大数据处理分析平台",
    "enforcement_system": "执法检查类系统",
    "public_support_platform": "公共支撑平台",
    "data_resources": "数据资源",
    "civil_works": "新建土建工程",
    "high_energy": "高耗能内容",
}
SERVICE_KIND = {
    "public_service": "政务服务、公共服务类",
    "office": "办公类",
    "decision_support": "决策辅助类",
    "business": "业务应用类",
    "infrastructure": "基础设施类",
}
USAGE = {"normal": "正常使用", "low": "使用率低", "idle": "闲置"}
CHANGE_BASIS = {
    "higher_level_requirement": "根据上级部署确需改变",
    "technical_optimization": "技术方案完善优化",
    "business_need": "业务发展需要",
    "other": "其他",
}
UNIT_KIND = {"department": "部门（单位）", "township": "苏木乡镇（街道）"}
MLPS_LEVEL = {1: "第一级", 2: "第二级", 3: "第三级", 4: "第四级"}

TRI_STATE = {"": "未填", "true": "是", "false": "否"}
BOOLEAN = {True: "是", False: "否"}

# --- Results -----------------------------------------------------------------------------------------

VERDICT = {"eligible": "可以申报", "blocked": "存在阻断事项", "incomplete": "信息不完整"}
VERDICT_HINT = {
    "eligible": "按所选办法，未发现阻止申报的情形。",
    "blocked": "存在办法明确禁止或原则上不予立项的情形，请按各条提示修改后再申报。",
    "incomplete": "部分规定所需的信息尚未填写，无法作出判断。请补充标注的事项后重新预检。",
}
SEVERITY = {
    "block": "阻断",
    "conflict": "条款冲突",
    "missing": "缺少信息",
    "warn": "提醒",
    "info": "说明",
}
# Display order of finding groups: what stops an application first.
SEVERITY_ORDER = ["block", "conflict", "missing", "warn", "info"]

PACK_STATUS = {"in_force": "有效", "expired": "已失效", "not_yet_in_force": "尚未施行"}

DETERMINATION = {
    "in_scope": "是否适用本办法",
    "review_route": "审查路径",
    "review_bodies": "审查主体",
    "approval_documents": "需提交材料",
    "documents_may_merge": "可否合并编报",
    "merged_documents": "合并编报的材料",
    "supervision": "工程监理",
    "acceptance_documents": "验收材料",
    "change_route": "调整程序",
    "change_ratio": "调整比例",
    "deadlines": "截止日期",
    "om_funding": "运行维护经费",
    "contract_terms": "合同期限约定",
    "unit_may_apply": "建设单位可否申报",
    "extra_approvals_required": "须办理节能评估、规划选址、用地预审、环评等审批",
}
REVIEW_ROUTE = {
    "not_applicable": "不适用本办法",
    "exempt": "免于审批（自行实施）",
    "filing": "备案",
    "approval": "审批",
    "joint_review": "联合会审",
    "department_opinions": "相关部门审核出具意见",
}
REVIEW_BODIES = {
    "data_bureau": "政务数据管理部门",
    "netsec": "网信部门",
    "secrecy_crypto": "保密机要（密码管理）部门",
    "finance": "财政部门",
    "police": "公安部门",
    "development_reform": "发展改革部门",
    "approval_bureau": "行政审批部门",
    "economy_it": "经济和信息化部门",
    "audit": "审计部门",
    "archives": "档案部门",
    "industry": "行业主管部门",
    "experts": "专家",
    "government": "人民政府",
}
DOCUMENTS = {
    "proposal": "项目建议书",
    "feasibility_study": "可行性研究报告",
    "preliminary_design": "初步设计方案",
    "budget_estimate": "投资概算",
    "implementation_plan": "项目实施方案",
    "service_requirements_plan": "服务需求方案",
    "technical_plan": "技术方案",
    "om_plan": "运维实施方案",
    "construction_summary": "项目建设总结",
    "financial_report": "财务报告",
    "audit_report": "审计报告",
    "resource_sharing_report": "信息资源共享报告",
    "third_party_test_report": "第三方测评报告",
    "security_risk_assessment": "安全风险评估报告",
    "mlps_assessment": "等级保护测评报告",
    "data_security_assessment": "数据安全风险评估报告",
    "crypto_assessment": "密码应用安全性评估报告",
    "mlps_filing_certificate": "等保备案证明",
    "archives_acceptance": "档案验收报告",
    "pre_acceptance_report": "预验收评估报告",
}
SUPERVISION = {
    "required": "必须实行工程监理",
    "expected": "应委托工程监理",
    "unified_service": "申请统一监理服务",
    "not_required": "不要求监理",
}
CHANGE_ROUTE = {
    "self_adjust_and_file": "自行调整后备案",
    "apply_then_file": "书面申请、经同意后实施并备案",
    "full_reapproval": "按原程序重新报批",
}
OM_FUNDING = {"allowed": "可以安排", "denied": "不予安排"}
CONTRACT_TERMS = {"ok": "符合规定", "violates": "不符合规定"}

DETERMINATION_VALUES: dict[str, dict[Any, str]] = {
    "review_route": REVIEW_ROUTE,
    "review_bodies": REVIEW_BODIES,
    "approval_documents": DOCUMENTS,
    "merged_documents": DOCUMENTS,
    "acceptance_documents": DOCUMENTS,
    "supervision": SUPERVISION,
    "change_route": CHANGE_ROUTE,
    "om_funding": OM_FUNDING,
    "contract_terms": CONTRACT_TERMS,
}

DEADLINE = {
    "procurement_start_due": "启动采购期限",
    "acceptance_application_due": "申请竣工验收期限",
    "trial_run_earliest_end": "试运行最早届满日",
    "self_evaluation_window": "自评价时间窗口",
    "progress_report_due": "报送项目进展情况",
    "performance_report_due": "提交绩效报告",
    "application_due": "项目申报截止",
    "annual_plan_due": "核定年度计划",
}
DEADLINE_STATUS = {
    "upcoming": "未到期",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "due": "到期",
    "met": "已完成",
    "open": "进行中",
    "not_yet_open": "尚未开始",
    "closed": "已结束",
}

STAGE = {
    "draft": "草稿",
    "submitted": "申报",
    "preliminary_review": "初审",
    "in_library": "入库",
    "planned": "列入年度计划",
    "under_review": "审查",
    "approved": "批复",
    "procurement": "采购",
    "construction": "建设",
    "trial_run": "试运行",
    "pre_acceptance": "预验收",
    "accepted": "验收",
    "in_operation": "运行",
    "evaluated": "后评价",
    "returned": "退回",
    "rejected": "不予立项",
    "filed": "备案",
    "suspended": "暂停",
    "terminated": "终止",
}

# Checklist and outline names used by the packs (a pack's own `label` wins when it has one).
CHECKLIST = {
    "application": "申报材料",
    "application_self_build": "自行建设项目报批文件",
    "application_service_purchase": "采购服务项目报审文件",
    "application_operation": "运维项目申报材料",
    "application_form": "项目申报表",
    "approval": "报批材料",
    "department_opinions": "征求部门意见",
    "filing": "立项后报备",
    "procurement": "招标采购前提",
    "crypto": "密码应用",
    "pre_acceptance": "预验收",
    "acceptance": "竣工验收材料",
    "final_accounts": "竣工财务决算",
    "performance": "绩效评价",
    "plan_adjustment": "年度计划调整",
    "escalation": "违规处理步骤",
    "security_sync": "安全同步规划建设运行",
    "expert_draw": "专家抽取",
    "expert_fees": "专家评审费",
    **{key: f"{name}提纲" for key, name in DOCUMENTS.items()},
}

# Pack parameter units as written in packs, shown in Chinese.
UNIT = {"ratio": "比例", "万元": "万元", "月": "个月", "年": "年", "次": "次", "比例": "比例"}

# Labels for whole fact paths, e.g. "project.security.mlps_level" or "unit.kind".
ENUMS: dict[str, dict[Any, str]] = {
    "category": CATEGORY,
    "delivery": DELIVERY,
    "procurement_kind": PROCUREMENT_KIND,
    "funding_sources": FUNDING_SOURCES,
    "contains": CONTAINS,
    "service_kind": SERVICE_KIND,
    "usage": USAGE,
    "basis": CHANGE_BASIS,
    "kind": UNIT_KIND,
    "mlps_level": MLPS_LEVEL,
}


def fact_label(path: str) -> str:
    """Chinese name of a fact path ("project.dates.approved", "unit.kind", "funding_sources")."""
    parts = path.split(".")
    if parts[0] == "unit" and len(parts) > 1:
        return UNIT_FACTS.get(parts[1], path)
    if parts[0] in ("project", "derived"):
        parts = parts[1:]
    if not parts:
        return path
    head = PROJECT_FACTS.get(parts[0])
    if head is None:
        return UNIT_FACTS.get(parts[0], path)
    if len(parts) == 1:
        return head
    return f"{head}：{NESTED_FACTS.get(parts[0], {}).get(parts[1], parts[1])}"


def enum_label(name: str, value: Any) -> str:
    """Chinese label of an enum value of the fact (or field) `name`; the value itself if unknown."""
    if isinstance(value, bool):
        return BOOLEAN[value]
    return ENUMS.get(name, {}).get(value, str(value))


def determination_value_label(name: str, value: Any) -> str:
    """Plain Chinese for a determination's value (lists joined with 、)."""
    if isinstance(value, bool):
        return BOOLEAN[value]
    if isinstance(value, list):
        return "、".join(determination_value_label(name, v) for v in value) or "无"
    if name == "change_ratio" and isinstance(value, int | float):
        return f"{value:.2%}"
    return DETERMINATION_VALUES.get(name, {}).get(value, str(value))
