"""Forms of the project pages: project facts (the pre-check form without the fields the platform
keeps itself), materials, lifecycle decisions, reports, changes, O&M and evaluations.

Every field's widget points `aria-describedby` at the error box rendered beside it
(`projects/_field.html`), so a screen reader reads the error with the field.
"""

from __future__ import annotations

from typing import Any

from django import forms

from govit.core.forms import BoundedForm, ProductErrorsMixin
from govit.policy import labels
from govit.projects.models import MaterialCode, ReportKind
from govit.projects.presenters import article_choices, doc_label
from govit.regulations.forms import PACK_SECTION, SECTIONS, PrecheckForm

# Facts an applicant does not type: dates and changes come from the lifecycle, unit facts from the platform.
_PLATFORM_FIELDS = ("pack", "as_of", "in_project_library", "in_annual_plan")
_PLATFORM_PREFIXES = ("dates__", "change__", "unit__")
# What the project builds, for the duplicate and split analysis: Project columns, not pack facts.
DESCRIPTION_FIELDS = ("content", "functions", "data_items")


class AccessibleForm(ProductErrorsMixin, BoundedForm):
    """Point each widget at its error box and (when present) its help text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            ids = [f"err-{self.add_prefix(name)}"] + ([f"{self[name].auto_id}_helptext"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(ids)


def _is_platform_field(name: str) -> bool:
    return name in _PLATFORM_FIELDS or name.startswith(_PLATFORM_PREFIXES)


class ProjectForm(PrecheckForm):
    """A project's name, money and facts; the pack is the jurisdiction's, so there is no pack field."""

    planned_year = forms.IntegerField(label="资金需求年度", min_value=2000, max_value=2100, required=False,
                                      error_messages={"min_value": "年度无效。", "max_value": "年度无效。"})
    planned_wan = forms.FloatField(label="该年度需要资金（万元）", min_value=0, required=False,
                                   widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
                                   error_messages={"min_value": "不能为负数。", "invalid": "请填写数字。"})

    content = forms.CharField(label="建设内容", required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="项目建设目标和主要建设内容（申报表“项目建设目的和内容”）。")
    functions = forms.CharField(label="主要功能", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="功能模块，每行一项，或用“、”“；”分隔。用于比对是否与已有系统重复。")
    data_items = forms.CharField(label="数据资源（信息项）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text="拟采集或使用的信息项（信息资源目录），每行一项，或用“、”“；”分隔。")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if _is_platform_field(n)]:
            del self.fields[name]
        self.fields["name"].required = True
        self.fields["name"].error_messages["required"] = "请填写项目名称。"
        from govit.projects.forms_profile import profile_fields

        self.fields.update(profile_fields())
        for field_name, field in self.fields.items():
            field.widget.attrs["aria-describedby"] = f"err-{field_name}"

    def sections(self) -> list[dict[str, Any]]:
        result = []
        for title, names, is_open in SECTIONS:
            kept = [n for n in names if n in self.fields]
            if title == "项目基本情况":
                kept += ["planned_year", "planned_wan"]
            if kept:
                result.append({"title": title, "fields": [self[n] for n in kept],
                               "open": is_open or any(self[n].errors for n in kept)})
            if title == "项目基本情况":
                kept = list(DESCRIPTION_FIELDS)
                result.append({"title": "建设内容、功能和数据资源", "fields": [self[n] for n in kept], "open": True})
                own = [n for n in self.pack_fields if n in self.fields]
                if own:
                    result.append({"title": PACK_SECTION, "fields": [self[n] for n in own], "open": True})
                profile = [n for n in self.fields if n.startswith("pf_")]
                result.append({"title": "申报表信息（项目负责人、起止年月、前期准备、资金构成）",
                               "fields": [self[n] for n in profile],
                               "open": any(self[n].errors for n in profile)})
        return result

    def clean(self) -> dict[str, Any]:
        from govit.projects.forms_profile import validate_profile

        cleaned = super().clean()
        validate_profile(self)
        planned, total = cleaned.get("planned_wan"), cleaned.get("total_investment_wan")
        if planned is not None and total is not None and float(planned) > float(total) \
                and "planned_wan" not in self.errors:
            self.add_error("planned_wan", f"“该年度需要资金”（{planned:.2f} 万元）不能超过“建设总投资”"
                                          f"（{float(total):.2f} 万元）。")
        return cleaned

    def profile(self) -> dict[str, Any]:
        """The 申报表 fields for `project_update_profile`."""
        from govit.projects.forms_profile import profile_from

        return profile_from(self.cleaned_data)

    def description(self) -> dict[str, Any]:
        """建设内容, 主要功能 and 数据资源 for the services (lists split on 、 ； and new lines)."""
        from govit.analysis.engine.lexicon import split_list

        return {"content": self.cleaned_data.get("content") or "",
                "functions": split_list(self.cleaned_data.get("functions")),
                "data_items": split_list(self.cleaned_data.get("data_items"))}

    def facts(self) -> dict[str, Any]:
        """The contract's `project` facts from the cleaned data; blank fields are left out."""
        project: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in ("planned_year", "planned_wan", *DESCRIPTION_FIELDS) or name.startswith("pf_") \
                    or value in (None, "", []):
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            if name == "security__mlps_level":
                value = int(value)
            parts = name.split("__")
            target = project
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        return project

    def year_amounts(self) -> list[dict[str, Any]]:
        year, amount = self.cleaned_data.get("planned_year"), self.cleaned_data.get("planned_wan")
        return [{"year": year, "planned_wan": amount}] if year and amount is not None else []

    @staticmethod
    def initial_from(project: Any) -> dict[str, Any]:
        """Form initial values from a project's stored facts (nested facts flattened with "__")."""
        initial: dict[str, Any] = {"name": project.name, "content": project.content,
                                   "functions": "\n".join(project.functions or []),
                                   "data_items": "\n".join(project.data_items or [])}

        def put(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    put(f"{prefix}__{key}", inner)
            elif isinstance(value, bool):
                initial[prefix] = "true" if value else "false"
            else:
                initial[prefix] = value

        for key, value in (project.facts or {}).items():
            put(key, value)
        from govit.projects.forms_profile import initial_profile

        initial.update(initial_profile(project))
        row = project.year_amounts.order_by("year").first()
        if row is not None:
            initial["planned_year"] = row.year
            initial["planned_wan"] = float(row.planned_wan)
        return initial


class MaterialForm(AccessibleForm):
    doc_code = forms.ChoiceField(label="材料类型")
    file = forms.FileField(label="文件（DOCX、XLSX、PDF、PNG、JPG、ZIP）",
                           error_messages={"required": "请选择要上传的文件。"})

    def __init__(self, *args: Any, needed: list[str] | None = None, pack_id: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needed = [c for c in (needed or []) if c in MaterialCode.values]
        others = [c for c in MaterialCode.values if c not in needed]
        choices: list[Any] = []
        if needed:
            choices.append(("本阶段须提交", [(c, doc_label(c, pack_id)) for c in needed]))
        choices.append(("其他材料", [(c, doc_label(c, pack_id)) for c in others]))
        self.fields["doc_code"].choices = choices


def _article_fields(form: forms.Form, pack_id: str, *, required: bool) -> None:
    form.fields["article"] = forms.TypedChoiceField(
        label="依据条款", choices=article_choices(pack_id), coerce=int, empty_value=None, required=required,
        error_messages={"required": "请选择所依据的条款。"},
    )
    form.fields["item"] = forms.IntegerField(label="第几项（可不填）", min_value=1, required=False)


class CitedForm(AccessibleForm):
    """A decision whose reason may cite an article of the project's pack (article picker)."""

    article_required = False

    def __init__(self, *args: Any, pack_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _article_fields(self, pack_id, required=self.article_required)
        for name in ("article", "item"):
            self.fields[name].widget.attrs["aria-describedby"] = f"err-{self.add_prefix(name)}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("article"):
            self.add_error("article", "不予立项须选择所依据的条款。")
        return data

    def citation(self) -> dict[str, Any] | None:
        article = self.cleaned_data.get("article")
        if not article:
            return None
        item = self.cleaned_data.get("item")
        return {"article": article, **({"item": item} if item else {})}


class ReviewDecisionForm(CitedForm):
    decision = forms.ChoiceField(label="初审结论", widget=forms.RadioSelect, choices=[
        ("accept", "通过，纳入项目储备库"), ("return", "退回修改"), ("reject", "不予立项（须注明条款）")])
    reason = forms.CharField(label="理由或意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ApprovalDecisionForm(CitedForm):
    decision = forms.ChoiceField(label="审批决定", widget=forms.RadioSelect, choices=[
        ("approve", "批复立项"), ("return", "退回修改"), ("reject", "不予立项（须注明条款）")])
    document_no = forms.CharField(label="批复文号", required=False, max_length=100)
    approved_on = forms.DateField(label="批复日期（默认今天）", required=False,
                                  widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    reason = forms.CharField(label="理由或意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonCitationForm(CitedForm):
    article_required = True
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写理由。"})


class NoteForm(AccessibleForm):
    reason = forms.CharField(label="说明（可不填）", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RouteForm(AccessibleForm):
    due_days = forms.IntegerField(label="办理期限（天，默认 14 天）", min_value=1, max_value=90, required=False)


class DateForm(AccessibleForm):
    on = forms.DateField(label="日期（默认今天）", required=False,
                         widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                         error_messages={"invalid": "请填写有效日期，格式：年-月-日。"})


class CompletionForm(AccessibleForm):
    completed_on = forms.DateField(label="建成日期（默认今天）", required=False,
                                   widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    trial_started_on = forms.DateField(label="试运行开始日期（默认同建成日期）", required=False,
                                       widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class PassFailForm(AccessibleForm):
    decision = forms.ChoiceField(label="结论", widget=forms.RadioSelect,
                                 choices=[("pass", "通过"), ("fail", "不通过（须写明整改要求）")])
    reason = forms.CharField(label="意见或整改要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label="日期（默认今天）", required=False,
                         widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class EvaluationForm(AccessibleForm):
    summary = forms.CharField(label="评价结论", widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "请填写评价结论。"})
    goals_met = forms.TypedChoiceField(label="绩效目标是否实现", choices=list(labels.TRI_STATE.items()),
                                       coerce=lambda v: v == "true", empty_value=None, required=False)
    score = forms.DecimalField(label="评分（百分制，可不填）", min_value=0, max_value=100, decimal_places=1,
                               required=False)
    late_reason = forms.CharField(label="逾期说明（超过自评价期限时填写）", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(AccessibleForm):
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices)
    period = forms.CharField(label="报告期间", max_length=10, help_text="季度报告填 2026Q1，年度报告填 2026。")
    procedures = forms.CharField(label="手续办理情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tendering = forms.CharField(label="招投标情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    start_completion = forms.CharField(label="开竣工情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    implementation = forms.CharField(label="实施情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    year_investment_wan = forms.DecimalField(label="当年完成投资（万元）", min_value=0, initial=0)
    total_investment_wan = forms.DecimalField(label="累计完成投资（万元）", min_value=0, initial=0)
    funds_used_wan = forms.DecimalField(label="资金使用（万元）", min_value=0, initial=0)
    performance = forms.CharField(label="绩效目标完成情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, v) for k, v in ReportKind.choices if k in kinds]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year, total = data.get("year_investment_wan"), data.get("total_investment_wan")
        if year is not None and total is not None and total < year:
            self.add_error("total_investment_wan", f"“累计完成投资”（{total:.2f} 万元）不能少于“当年完成投资”"
                                                   f"（{year:.2f} 万元）。")
        return data


def _wan(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, required=False, decimal_places=2,
                              error_messages={"min_value": "不能为负数。", "invalid": "请填写数字。"})


class ChangeForm(AccessibleForm):
    increase_wan = _wan(labels.CHANGE_FACTS["increase_wan"])
    decrease_wan = _wan(labels.CHANGE_FACTS["decrease_wan"])
    new_content_wan = _wan(labels.CHANGE_FACTS["new_content_wan"])
    procurement_savings_wan = _wan(labels.CHANGE_FACTS["procurement_savings_wan"])
    basis = forms.ChoiceField(label=labels.CHANGE_FACTS["basis"],
                              choices=[("", "未填"), *labels.CHANGE_BASIS.items()], required=False)
    goal_unchanged = forms.TypedChoiceField(label=labels.CHANGE_FACTS["goal_unchanged"],
                                            choices=list(labels.TRI_STATE.items()), coerce=lambda v: v == "true",
                                            empty_value=None, required=False)
    description = forms.CharField(label="调整内容和理由", widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": "请说明调整的内容和理由。"})

    def change(self) -> dict[str, Any]:
        return {k: (float(v) if k.endswith("_wan") else v) for k, v in self.cleaned_data.items()
                if k != "description" and v not in (None, "")}


class ChangeDecisionForm(AccessibleForm):
    decision = forms.ChoiceField(label="审核结论", widget=forms.RadioSelect,
                                 choices=[("approve", "同意"), ("reject", "不同意（须写明理由）")])
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OperationForm(AccessibleForm):
    period = forms.CharField(label="运维期间", max_length=20, help_text="例如：2026年第3季度")
    content = forms.CharField(label="运维内容", widget=forms.Textarea(attrs={"rows": 3}))
    cost_wan = forms.DecimalField(label="运维费用（万元）", min_value=0, initial=0)
    incidents = forms.CharField(label="故障与安全事件", required=False, widget=forms.Textarea(attrs={"rows": 2}))
