"""The opinion form a member department signs (同意 / 有条件同意 / 不同意)."""

from __future__ import annotations

from django import forms

from govit.projects.forms import AccessibleForm
from govit.reviews.models import Opinion


class OpinionForm(AccessibleForm):
    opinion = forms.ChoiceField(label="审查意见", choices=Opinion.choices, widget=forms.RadioSelect,
                                error_messages={"required": "请选择审查意见。"})
    comments = forms.CharField(label="意见说明（有条件同意或不同意时必填）", required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("opinion") in (Opinion.CONDITIONAL, Opinion.DISAGREE) and not (data.get("comments") or "").strip():
            self.add_error("comments", "有条件同意或不同意时，请写明条件或理由。")
        return data
