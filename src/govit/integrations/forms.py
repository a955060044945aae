"""The lead office's form for a new webhook subscription."""

from __future__ import annotations

from typing import Any

from django import forms

from govit.core.forms import BoundedForm, ProductErrorsMixin


class WebhookForm(ProductErrorsMixin, BoundedForm):
    jurisdiction = forms.TypedChoiceField(label="行政区域", coerce=int)
    name = forms.CharField(label="接收系统", max_length=100,
                           help_text="如：投资项目在线审批监管平台、财政一体化系统、OA")
    url = forms.CharField(label="接收地址", max_length=500,
                          help_text="http:// 或 https:// 开头；本系统以 POST 推送 JSON")
    kinds = forms.CharField(label="订阅的事件", required=False, max_length=2000,
                            help_text="事件代码，以逗号或空格分隔，如 submit, approval.approve；"
                                      "以点结尾表示前缀（approval.）；留空为全部事件")

    def __init__(self, *args: Any, jurisdictions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = jurisdictions
        self.single = jurisdictions[0][0] if len(jurisdictions) == 1 else None
        if self.single is not None:
            field = self.fields["jurisdiction"]
            field.initial, field.required, field.widget = self.single, False, forms.HiddenInput()

    def clean_jurisdiction(self) -> int:
        value = self.cleaned_data.get("jurisdiction")
        if value in (None, "") and self.single is not None:
            return self.single
        if value in (None, ""):
            raise forms.ValidationError("请选择行政区域。")
        return int(value)

    def kind_list(self) -> list[str]:
        raw = self.cleaned_data.get("kinds") or ""
        return [k for k in raw.replace("，", ",").replace(",", " ").split() if k]
