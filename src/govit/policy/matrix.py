"""The comparison matrix: key parameters of every pack side by side, each with its citation."""

from __future__ import annotations

from typing import Any

from govit.policy.loader import Pack

# Conventional parameter keys (docs/policy-dsl.md) and their Chinese labels, in display order.
KEY_PARAMETERS = [
    ("scope_min_wan", "适用范围最低投资额"),
    ("review_threshold_wan", "审批门槛"),
    ("joint_review_min_wan", "联合会审门槛"),
    ("self_implement_max_wan", "自行实施上限"),
    ("merge_limit_wan", "可合并编报上限"),
    ("supervision_threshold_wan", "监理制门槛"),
    ("change_limit_ratio", "调整幅度上限"),
    ("new_content_limit_ratio", "新增内容占比上限"),
    ("new_content_limit_wan", "新增内容金额上限"),
    ("trial_run_months", "试运行期"),
    ("acceptance_deadline_months", "申请验收期限"),
    ("self_evaluation_from_months", "自评价窗口起"),
    ("self_evaluation_until_months", "自评价窗口止"),
    ("om_ratio_limit", "年度运维费占建设成本上限"),
    ("om_contract_max_years", "运维服务合同最长期限"),
    ("build_period_max_months", "建设周期上限"),
    ("free_om_min_months", "免费运维期下限"),
    ("hardware_term_min_years", "硬件建设运维期下限"),
    ("procurement_lapse_months", "批复后启动采购期限"),
]


def comparable(packs: list[Pack]) -> list[dict[str, Any]]:
    """One row per key parameter: each pack's value, legal term and citation (None where silent)."""
    rows = []
    for key, label in KEY_PARAMETERS:
        cells = {}
        for pack in packs:
            param = pack.parameters.get(key)
            cells[pack.id] = None if param is None else {
                "value": param["value"], "unit": param.get("unit"), "term": param.get("term"),
                "citation": (param.get("citation") or param["citations"][0]),
            }
        if any(cells.values()):
            rows.append({"key": key, "label": label, "values": cells})
    validity = {}
    for pack in packs:
        validity[pack.id] = {"value": f"{pack.valid_from.isoformat() if pack.valid_from else '施行日期未知'} 至 "
                                      f"{pack.valid_until.isoformat() if pack.valid_until else '长期'}",
                             "citation": pack.data["validity_citation"]}
    rows.append({"key": "validity", "label": "有效期", "values": validity})
    return rows
