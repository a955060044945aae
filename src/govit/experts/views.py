"""Web pages of the expert library: list and import (lead office), draws, the expert workspace, fees.

Views are thin: they read through selectors, write through services and show the services'
Chinese refusals as messages.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from govit.core.lists import export_audit
from govit.experts import selectors, services
from govit.experts.forms import DrawForm, ExpertForm, ImportForm, ReviewForm
from govit.experts.lists import DRAW_LIST, EXPERT_LIST, FEE_LIST
from govit.experts.models import DrawMember, DrawStatus, ExpertCategory, ExpertReview, FeeRecord, MemberRole
from govit.projects.errors import DomainError
from govit.web.confirm import Confirmation, confirm_first

CONFIRM_CANCEL = Confirmation("取消本次专家抽取？", "取消后本次抽取作废，不能恢复；抽取记录和取消原因保留备查，"
                              "需要时重新发起抽取。", "取消抽取")
CONFIRM_DECLINE = Confirmation("登记该专家谢绝？", "该专家退出本次评审，由同类别备选专家按抽取顺序递补；递补不能撤销。",
                               "登记谢绝")
CONFIRM_SELF_DECLINE = Confirmation("谢绝本次评审？", "谢绝后您退出本次评审，由同类别备选专家递补，不能撤销；"
                                    "您将不能再查阅该项目的资料。", "谢绝评审")


def _describe_draw_action(request: HttpRequest, draw_id: int, action: str) -> Confirmation | None:
    return {"cancel": CONFIRM_CANCEL, "decline": CONFIRM_DECLINE}.get(action)


def _describe_review_post(request: HttpRequest, member_id: int) -> Confirmation | None:
    return CONFIRM_SELF_DECLINE if request.POST.get("action") == "decline" else None

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def lead_office_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.lead_office_jurisdiction_ids(request.user):
            raise Http404("只有领导小组办公室（牵头部门）可以管理专家库。")
        return view(request, *args, **kwargs)

    return wrapper


def _jurisdiction(request: HttpRequest) -> Any:
    jurisdictions = list(selectors.lead_office_jurisdictions(request.user))
    chosen = request.POST.get("jurisdiction") or request.GET.get("jurisdiction")
    return next((j for j in jurisdictions if str(j.pk) == chosen), jurisdictions[0])


# --- library ---------------------------------------------------------------------------------


@lead_office_required
def expert_list(request: HttpRequest) -> HttpResponse:
    lst = EXPERT_LIST.run(request, selectors.experts_visible_to(request.user).select_related("user"),
                          on_export=export_audit(request, "专家库"))
    if lst.response is not None:
        return lst.response
    return render(request, "experts/expert_list.html", {
        "lst": lst, "page": lst.page, "form": ExpertForm(),
        "jurisdictions": selectors.lead_office_jurisdictions(request.user),
    })


@lead_office_required
@require_POST
def expert_new(request: HttpRequest) -> HttpResponse:
    form = ExpertForm(request.POST)
    if form.is_valid():
        try:
            expert = services.expert_create(jurisdiction=_jurisdiction(request), actor=request.user,
                                            source_ip=_ip(request), **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已新增专家 {expert.name}。")
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{'、'.join(e)}" for f, e in form.errors.items()))
    return redirect("experts:list")


@lead_office_required
def expert_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", f"文件不能超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB。")
        else:
            try:
                job = services.import_job_start(data=upload.read(), file_name=upload.name,
                                                jurisdiction=_jurisdiction(request), actor=request.user,
                                                source_ip=_ip(request))
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("experts:import-job", job_id=job.pk)
    return render(request, "experts/import.html", {
        "form": form, "columns": services.IMPORT_COLUMNS, "required": services.REQUIRED_COLUMNS,
        "jobs": selectors.import_jobs_visible_to(request.user)[:10],
        "jurisdictions": selectors.lead_office_jurisdictions(request.user),
    })


@lead_office_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_jobs_visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("未找到该导入任务。")
    template = "experts/_import_progress.html" if request.headers.get("HX-Request") else "experts/import_job.html"
    return render(request, template, {"job": job})


@lead_office_required
def import_template(request: HttpRequest) -> HttpResponse:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "专家"
    sheet.append([f"{c}*" if c in services.REQUIRED_COLUMNS else c for c in services.IMPORT_COLUMNS])
    sheet.append(["（示例）张三", "某某大学信息学院", "网络安全、软件工程", "教授", "10000000000",
                  "", "", "是", "某某科技有限公司"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''expert-import-template.xlsx"
    return response


# --- draws -----------------------------------------------------------------------------------


@lead_office_required
def draw_list(request: HttpRequest) -> HttpResponse:
    lst = DRAW_LIST.run(request, selectors.draws_visible_to(request.user).select_related("project"),
                        on_export=export_audit(request, "专家抽取"))
    if lst.response is not None:
        return lst.response
    return render(request, "experts/draw_list.html", {"draws": lst.rows, "lst": lst})


@lead_office_required
def draw_new(request: HttpRequest) -> HttpResponse:
    projects = [(p.pk, f"{p.name}（{p.unit.name}）") for p in selectors.draw_projects_for(request.user)]
    form = DrawForm(request.POST or None, projects=projects,
                    initial={"project": request.GET.get("project")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = selectors.draw_projects_for(request.user).get(pk=data["project"])
        try:
            draw = services.draw_commit(
                project=project, actor=request.user, purpose=data["purpose"], requested=form.requested(),
                reserve_per_category=data["reserve_per_category"],
                vendors=services.split_names(data["vendors"]), exclude_previous=data["exclude_previous"],
                max_draws_per_period=data["max_draws_per_period"], period=data["period"],
                committee_other_members=data["committee_other_members"], source_ip=_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已生成抽取承诺：种子摘要已公布并记入审计日志，可以执行抽取。")
            return redirect("experts:draw", draw_id=draw.pk)
    return render(request, "experts/draw_new.html", {"form": form})


def _draw_for(request: HttpRequest, draw_id: int) -> Any:
    draw = selectors.draws_visible_to(request.user).filter(pk=draw_id).first()
    if draw is None:
        raise Http404("未找到该抽取，或您无权查看。")
    return draw


@lead_office_required
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw_for(request, draw_id)
    panel, reserve = selectors.draw_members(draw)
    reviews = {r.member_id: r for r in ExpertReview.objects.filter(member__draw=draw)}
    fees = {f.member_id: f for f in FeeRecord.objects.filter(member__draw=draw)}
    rows = [{"member": m, "review": reviews.get(m.pk), "fee": fees.get(m.pk)} for m in panel]
    excluded = []
    if draw.excluded:
        names = dict(draw.project.jurisdiction.experts.filter(pk__in=[int(k) for k in draw.excluded])
                     .values_list("pk", "name"))
        excluded = [(names.get(int(k), f"#{k}"), "、".join(v)) for k, v in draw.excluded.items()]
    return render(request, "experts/draw_detail.html", {
        "draw": draw, "rows": rows, "reserve": reserve, "excluded": excluded,
        "check": services.panel_check(draw=draw),
        "requested": [(ExpertCategory(c).label, n, len(draw.candidates.get(c, []))) for c, n in
                      sorted(draw.requested.items())],
        "today": timezone.localdate(), "confirm_cancel": CONFIRM_CANCEL, "confirm_decline": CONFIRM_DECLINE,
    })


@lead_office_required
@require_POST
@confirm_first(_describe_draw_action)
def draw_action(request: HttpRequest, draw_id: int, action: str) -> HttpResponse:
    draw = _draw_for(request, draw_id)
    ip = _ip(request)
    if action == "verify":
        result = services.draw_verify(draw=draw)
        return render(request, "experts/_verify_result.html", {"result": result, "draw": draw})
    try:
        if action == "execute":
            services.draw_execute(draw=draw, actor=request.user, source_ip=ip)
            messages.success(request, "已公开种子并完成抽取。")
        elif action == "open":
            services.panel_open(draw=draw, actor=request.user, source_ip=ip)
            messages.success(request, "专家组成符合要求，评审已开始。")
        elif action == "cancel":
            services.draw_cancel(draw=draw, actor=request.user, reason=request.POST.get("reason", ""), source_ip=ip)
            messages.success(request, "已取消本次抽取。")
        elif action in ("decline", "fee"):
            member = draw.members.filter(pk=request.POST.get("member")).first()
            if member is None:
                raise Http404("未找到该专家。")
            if action == "decline":
                replacement = services.draw_member_decline(member=member, actor=request.user,
                                                           reason=request.POST.get("reason", ""), source_ip=ip)
                messages.success(request, f"已登记谢绝，由 {replacement.expert.name} 递补。" if replacement
                                 else "已登记谢绝；该类别备选专家已用尽。")
            else:
                services.fee_record(member=member, actor=request.user, amount=request.POST.get("amount", ""),
                                    service_date=_date(request.POST.get("service_date")), source_ip=ip)
                messages.success(request, "已登记专家费。")
        else:
            raise Http404("未知操作。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("experts:draw", draw_id=draw.pk)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


# --- expert workspace ------------------------------------------------------------------------


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    expert = selectors.expert_of(request.user)
    if expert is None:
        raise Http404("您的账号未关联专家库中的专家。")
    members = list(selectors.my_memberships(request.user))
    reviews = {r.member_id: r for r in ExpertReview.objects.filter(member__in=members)}
    return render(request, "experts/workspace.html", {
        "expert": expert, "rows": [{"member": m, "review": reviews.get(m.pk)} for m in members],
    })


@login_required
@confirm_first(_describe_review_post)
def review_page(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.my_memberships(request.user).filter(pk=member_id).first()
    if member is None:
        raise Http404("未找到该评审，或它不属于您。")
    review = ExpertReview.objects.filter(member=member).first()
    form = ReviewForm(request.POST or None) if review is None else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.draw_member_accept(member=member, actor=request.user, source_ip=_ip(request))
                messages.success(request, "已确认参加并作出无利害关系声明。")
                return redirect("experts:review", member_id=member.pk)
            if action == "decline":
                services.draw_member_decline(member=member, actor=request.user,
                                             reason=request.POST.get("reason", ""), source_ip=_ip(request))
                messages.success(request, "已谢绝本次评审，系统已从同类别备选专家中递补。")
                return redirect("experts:workspace")
            if action == "sign" and form is not None and form.is_valid():
                services.expert_review_submit(
                    member=member, actor=request.user, scores=form.scores(), opinion=form.cleaned_data["opinion"],
                    comments=form.cleaned_data["comments"], no_conflict=form.cleaned_data["no_conflict"],
                    source_ip=_ip(request),
                )
                messages.success(request, "评审意见已签名提交。")
                return redirect("experts:review", member_id=member.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    project = member.draw.project
    return render(request, "experts/review.html", {
        "member": member, "draw": member.draw, "project": project, "review": review, "form": form,
        "is_open": member.draw.status == DrawStatus.OPEN and member.is_active_panel,
        "can_respond": member.draw.status in (DrawStatus.DRAWN, DrawStatus.OPEN) and member.is_active_panel,
        "criteria": services.CRITERIA, "scores": [(services.CRITERIA[k], v) for k, v in (review.scores.items()
                                                                                         if review else [])],
        "panel_role": MemberRole.PANEL, "can_read_project": selectors.can_read_project(member),
        "confirm_decline": CONFIRM_SELF_DECLINE,
    })


def _my_member(request: HttpRequest, member_id: int) -> Any:
    # Any seat the expert ever held, so a finished or cancelled review is refused (and audited), not hidden.
    member = (DrawMember.objects.filter(pk=member_id, expert__user_id=request.user.pk)
              .select_related("draw__project__unit", "expert").first())
    if member is None:
        raise Http404("未找到该评审，或它不属于您。")
    return member


def _access_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": exc.message}, status=exc.status)


@login_required
def review_project(request: HttpRequest, member_id: int) -> HttpResponse:
    """The project an expert scores, read-only: summary, amounts, materials (each read audited)."""
    from govit.projects.presenters import project_summary

    member = _my_member(request, member_id)
    try:
        project = services.expert_project_read(member=member, actor=request.user, source_ip=_ip(request))
    except DomainError as exc:
        return _access_refused(request, exc)
    return render(request, "experts/review_project.html", {
        "member": member, "draw": member.draw, "project": project, "summary": project_summary(project),
        "materials": list(project.materials.select_related("uploaded_by").order_by("doc_code", "pk")),
    })


@login_required
def review_material(request: HttpRequest, member_id: int, material_id: int) -> HttpResponse:
    from govit.projects.documents import material_response
    from govit.projects.models import Material

    member = _my_member(request, member_id)
    material = Material.objects.filter(pk=material_id, project_id=member.draw.project_id).first()
    if material is None:
        raise Http404("未找到该材料。")
    try:
        services.expert_project_read(member=member, actor=request.user, material=material, source_ip=_ip(request))
    except DomainError as exc:
        return _access_refused(request, exc)
    return material_response(material, request)


# --- fees ------------------------------------------------------------------------------------


@lead_office_required
def fee_report_page(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    period = request.GET.get("period", "").strip() or str(timezone.localdate().year)
    error = report = None
    lst = None
    try:
        report = selectors.fee_report(jurisdiction=jurisdiction, period=period)
    except ValueError as exc:
        error = str(exc)
    else:
        lst = FEE_LIST.run(request, report.rows, on_export=export_audit(request, "专家费报表"))
        if lst.response is not None:
            return lst.response
    return render(request, "experts/fees.html", {
        "report": report, "lst": lst,
        "keep": [("period", period), ("jurisdiction", jurisdiction.pk)],
        "period": period, "error": error, "jurisdiction": jurisdiction,
        "jurisdictions": selectors.lead_office_jurisdictions(request.user),
    })
