"""Forms of the annual plan pages: new plan, add from the reserve pool, mid-year adjustment, emergency."""

from __future__ import annotations

from typing import Any

from django import forms

from govit.projects.forms import AccessibleForm


class PlanCreateForm(AccessibleForm):
    year = forms.IntegerField(label="计划年度", min_value=2000, max_value=2100)


class PlanReturnForm(AccessibleForm):
    comment = forms.CharField(label="退回意见", widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写退回意见（需要修改的内容）。"})

    def __init__(self, *args: Any, projects: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class PlanItemForm(AccessibleForm):
    project = forms.TypedChoiceField(label="项目", coerce=int, error_messages={"required": "请选择项目。"})
    amount_wan = forms.DecimalField(label="计划金额（万元，默认项目总投资）", min_value=0, required=False)

    def __init__(self, *args: Any, projects: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "请选择项目")] + [
            (p.pk, f"{p.name}（{p.unit.name}，{p.facts.get('total_investment_wan', '—')} 万元）") for p in projects
        ]


class PlanAdjustForm(PlanItemForm):
    reason = forms.CharField(label="调整理由（建设条件重大变化或急需实施）", widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请说明调整的理由。"})


class PlanEmergencyForm(PlanItemForm):
    reason = forms.CharField(label="紧急插入理由", widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请说明紧急插入的理由。"})
    government_consent = forms.CharField(label="政府同意的文件或会议纪要", max_length=200,
                                         error_messages={"required": "请注明政府同意的文件或会议纪要。"})
