"""Forms of the analysis pages: a decision on a finding, one existing system, the 台账 upload."""

from __future__ import annotations

from typing import Any

from django import forms

from govit.analysis.engine.lexicon import split_list
from govit.core.forms import BoundedForm, ProductErrorsMixin


class DecisionForm(ProductErrorsMixin, BoundedForm):
    decision = forms.ChoiceField(label="认定", widget=forms.RadioSelect,
                                 choices=[("confirm", "确认（按办法条款阻断）"),
                                          ("dismiss", "排除（不属于重复或拆分）")],
                                 error_messages={"required": "请选择确认或排除。"})
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": "请填写理由（将记入项目时间线和审计日志）。"})


class SystemForm(ProductErrorsMixin, BoundedForm):
    unit_name = forms.CharField(label="建设单位", max_length=100, error_messages={"required": "请填写建设单位。"},
                                help_text="本行政区域的单位名称；没有的单位会提示先在台账导入中建立。")
    name = forms.CharField(label="系统名称", max_length=200, error_messages={"required": "请填写系统名称。"})
    content = forms.CharField(label="建设内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    functions = forms.CharField(label="主要功能", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="每行一项，或用“、”“；”分隔。")
    data_items = forms.CharField(label="数据资源（信息项）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text="系统采集或持有的信息项，每行一项，或用“、”“；”分隔。")
    go_live_year = forms.IntegerField(label="上线年度", required=False, min_value=1990, max_value=2100,
                                      error_messages={"min_value": "年度无效。", "max_value": "年度无效。",
                                                      "invalid": "请填写四位数年份。"})
    investment_wan = forms.DecimalField(label="总投资（万元）", required=False, min_value=0, decimal_places=2,
                                        error_messages={"min_value": "不能为负数。", "invalid": "请填写数字。"})
    shares_data = forms.BooleanField(label="数据资源已通过数据共享交换平台共享", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["aria-describedby"] = f"err-{name}"

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["functions"] = split_list(data.get("functions"))
        data["data_items"] = split_list(data.get("data_items"))
        data.pop("unit_name", None)
        return data

    @staticmethod
    def initial_from(system: Any) -> dict[str, Any]:
        return {"unit_name": system.unit.name, "name": system.name, "content": system.content,
                "functions": "\n".join(system.functions), "data_items": "\n".join(system.data_items),
                "go_live_year": system.go_live_year, "investment_wan": system.investment_wan,
                "shares_data": system.shares_data}


class UploadForm(ProductErrorsMixin, BoundedForm):
    file = forms.FileField(label="台账文件（.xlsx）", error_messages={"required": "请选择要上传的 Excel 文件。"})
    dry_run = forms.BooleanField(label="只校验，不写入", required=False)
