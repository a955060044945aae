"""Forms of the expert pages (the services do the real checking)."""

from __future__ import annotations

from django import forms

from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.experts.models import DrawPurpose, ExpertCategory, ReviewOpinion
from govit.experts.services import CRITERIA, PERIOD_KINDS, SCORE_MAX


class ExpertForm(ProductErrorsMixin, BoundedForm):
    name = forms.CharField(label="姓名", max_length=50)
    employer = forms.CharField(label="工作单位", max_length=200)
    categories = forms.MultipleChoiceField(label="专业类别", choices=ExpertCategory.choices,
                                           widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label="职称", max_length=50, required=False)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    bank_account = forms.CharField(label="银行账号", max_length=30, required=False)
    declared_conflicts = forms.CharField(label="回避单位", required=False, help_text="多个单位用顿号（、）分隔")
    available = forms.BooleanField(label="可抽取", required=False, initial=True)


class ImportForm(ProductErrorsMixin, BoundedForm):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class DrawForm(ProductErrorsMixin, BoundedForm):
    project = forms.TypedChoiceField(label="项目", coerce=int)
    purpose = forms.ChoiceField(label="评审事项", choices=DrawPurpose.choices)
    reserve_per_category = forms.IntegerField(label="各类别备选人数", min_value=0, max_value=10, initial=2)
    vendors = forms.CharField(label="本项目供应商、设计或咨询单位", required=False,
                              help_text="其在职专家回避；多个单位用顿号（、）分隔")
    exclude_previous = forms.BooleanField(label="此前参加过本项目评审的专家回避", required=False, initial=True)
    max_draws_per_period = forms.IntegerField(label="每位专家评审次数上限", min_value=1, required=False,
                                              help_text="留空表示不限")
    period = forms.ChoiceField(label="统计期间", choices=list(PERIOD_KINDS.items()), initial="year")
    committee_other_members = forms.IntegerField(
        label="审查委员会非专家成员人数", min_value=0, required=False,
        help_text="留空则按政策包规定的委员会组成（巴中 第五条）或本项目最近一轮审查意见任务中非专家的审查主体数计算；"
                  "政策包规定组成的，不能另行填写",
    )

    def __init__(self, *args: object, projects: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["project"].choices = projects
        for code, label in ExpertCategory.choices:
            self.fields[f"n_{code}"] = forms.IntegerField(label=label, min_value=0, max_value=20, initial=0,
                                                          required=False)

    def category_fields(self) -> list[forms.BoundField]:
        return [self[f"n_{code}"] for code in ExpertCategory.values]

    def requested(self) -> dict[str, int]:
        return {code: self.cleaned_data.get(f"n_{code}") or 0 for code in ExpertCategory.values}


class ReviewForm(ProductErrorsMixin, BoundedForm):
    opinion = forms.ChoiceField(label="评审结论", choices=ReviewOpinion.choices, widget=forms.RadioSelect)
    comments = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 6}))
    no_conflict = forms.BooleanField(
        label="本人声明：与本项目建设单位及相关供应商不存在利害关系，将独立、客观、公正地评审。"
    )

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for key, label in CRITERIA.items():
            self.fields[f"score_{key}"] = forms.IntegerField(label=f"{label}（0–{SCORE_MAX} 分）", min_value=0,
                                                             max_value=SCORE_MAX)

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{key}"] for key in CRITERIA]

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"score_{key}"] for key in CRITERIA}
