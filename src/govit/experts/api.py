"""Expert API at /api/v1/experts: the library (lead office), draws, an expert's own reviews, fees.

Status codes as in the project API: 404 outside the caller's scope, 403 wrong role, 409 refused
by the pack or the state, 400 bad input, each in the one error shape (govit.core.api_errors). Lists and details
show phone, ID and bank numbers masked; `GET /{id}/sensitive` returns them in clear and is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Router, Status
from ninja.files import UploadedFile

from govit.core import paging
from govit.core.api_paging import api_page, choice_filter, page_schema, sort_description
from govit.core.schemas import Schema
from govit.core.services import audit_record
from govit.experts import selectors, services
from govit.experts.models import (
    SENSITIVE_FIELDS,
    Draw,
    DrawMember,
    DrawPurpose,
    DrawStatus,
    Expert,
    ExpertCategory,
    ExpertReview,
    ImportJob,
    MemberStatus,
)
from govit.projects.api import ERRORS, ErrorOut, _ip, _user, domain_errors
from govit.projects.errors import InvalidInput, NotFound, PermissionDenied

router = Router(tags=["experts"])


# --- schemas ---------------------------------------------------------------------------------


class ExpertIn(Schema):
    jurisdiction_id: int | None = Field(default=None, description="专家库所属行政区域；默认本人牵头部门所在区域")
    name: str
    employer: str
    categories: list[ExpertCategory]
    title: str = ""
    available: bool = True
    declared_conflicts: list[str] = []
    phone: str = ""
    id_number: str = ""
    bank_account: str = ""


class ExpertPatch(Schema):
    name: str | None = None
    employer: str | None = None
    categories: list[ExpertCategory] | None = None
    title: str | None = None
    available: bool | None = None
    declared_conflicts: list[str] | None = None
    phone: str | None = None
    id_number: str | None = None
    bank_account: str | None = None


class ExpertOut(Schema):
    id: int
    jurisdiction_id: int
    name: str
    employer: str
    title: str
    categories: list[str]
    category_labels: list[str]
    available: bool
    declared_conflicts: list[str]
    phone_masked: str
    id_number_masked: str
    bank_account_masked: str
    user: str | None


class SensitiveOut(Schema):
    phone: str
    id_number: str
    bank_account: str


def expert_out(e: Expert) -> dict[str, Any]:
    return {
        "id": e.pk, "jurisdiction_id": e.jurisdiction_id, "name": e.name, "employer": e.employer, "title": e.title,
        "categories": e.categories, "category_labels": e.category_labels, "available": e.available,
        "declared_conflicts": e.declared_conflicts, "phone_masked": e.masked("phone"),
        "id_number_masked": e.masked("id_number"), "bank_account_masked": e.masked("bank_account"),
        "user": e.user.get_username() if e.user_id else None,
    }


class ImportJobOut(Schema):
    id: int
    status: str
    status_label: str
    total_rows: int
    processed_rows: int
    percent: int
    created_count: int
    errors: list[str]


def job_out(job: ImportJob) -> dict[str, Any]:
    return {"id": job.pk, "status": job.status, "status_label": job.get_status_display(),
            "total_rows": job.total_rows, "processed_rows": job.processed_rows, "percent": job.percent,
            "created_count": job.created_count, "errors": job.errors}


class DrawIn(Schema):
    project_id: int
    purpose: Literal["approval_review", "acceptance", "consulting", "other"] = "approval_review"
    requested: dict[ExpertCategory, int] = Field(description="各专业类别的抽取人数")
    reserve_per_category: int = Field(default=2, ge=0, le=10)
    vendors: list[str] = Field(default=[], description="本项目供应商、设计或咨询单位（其在职专家回避）")
    excluded_expert_ids: list[int] = []
    exclusion_reasons: dict[str, str] = Field(default={}, description="指定回避的专家编号 → 回避理由（每位必填）")
    exclude_previous: bool = True
    max_draws_per_period: int | None = Field(default=None, ge=1)
    period: Literal["year", "quarter", "month"] = "year"
    committee_other_members: int | None = Field(
        default=None, ge=0,
        description="审查委员会非专家成员人数；政策包规定委员会组成的（巴中 第五条），由政策包确定，不能填写")


class MemberOut(Schema):
    id: int
    expert_id: int
    expert_name: str
    employer: str
    category: str
    rank: int
    initial_role: str
    role: str
    status: str
    status_label: str
    replaces_member_id: int | None
    decline_reason: str
    signature_digest: str | None


def member_out(m: DrawMember, reviews: dict[int, ExpertReview] | None = None) -> dict[str, Any]:
    review = (reviews or {}).get(m.pk)
    return {"id": m.pk, "expert_id": m.expert_id, "expert_name": m.expert.name, "employer": m.expert.employer,
            "category": m.category, "rank": m.rank, "initial_role": m.initial_role, "role": m.role,
            "status": m.status, "status_label": m.get_status_display(), "replaces_member_id": m.replaces_id,
            "decline_reason": m.decline_reason, "signature_digest": review.signature_digest if review else None}


class DrawOut(Schema):
    id: int
    project_id: int
    project_name: str
    purpose: str
    status: str
    status_label: str
    requested: dict[str, int]
    reserve_per_category: int
    exclusions: dict[str, Any]
    excluded: dict[str, list[str]]
    candidates: dict[str, list[int]]
    candidates_digest: str
    committee_other_members: int
    seed_commitment: str
    seed: str | None = Field(description="抽取执行后公开")
    algorithm: str
    committed_at: datetime
    executed_at: datetime | None
    cancel_reason: str = ""
    cancelled_at: datetime | None = None
    panel: list[MemberOut]
    reserve: list[MemberOut]


def draw_out(d: Draw) -> dict[str, Any]:
    panel, reserve = selectors.draw_members(d)
    reviews = {r.member_id: r for r in ExpertReview.objects.filter(member__draw=d)}
    return {
        "id": d.pk, "project_id": d.project_id, "project_name": d.project.name, "purpose": d.purpose,
        "status": d.status, "status_label": d.get_status_display(), "requested": d.requested,
        "reserve_per_category": d.reserve_per_category, "exclusions": d.exclusions, "excluded": d.excluded,
        "candidates": d.candidates, "candidates_digest": d.candidates_digest,
        "committee_other_members": d.committee_other_members, "seed_commitment": d.seed_commitment,
        "seed": d.seed or None, "algorithm": d.algorithm, "committed_at": d.committed_at,
        "executed_at": d.executed_at, "cancel_reason": d.cancel_reason, "cancelled_at": d.cancelled_at,
        "panel": [member_out(m, reviews) for m in panel],
        "reserve": [member_out(m, reviews) for m in reserve],
    }


class CheckOut(Schema):
    ok: bool
    problems: list[str]
    citations: list[dict[str, Any]]
    experts: int
    committee_total: int


class VerifyOut(Schema):
    ok: bool
    message: str
    differences: list[str]
    notices: list[str] = Field(default=[], description="指定回避和谢绝的专家及理由")
    cancelled_after_reveal: bool = Field(default=False, description="种子公开后抽取被取消")


class DeclineIn(Schema):
    reason: str


class ReviewIn(Schema):
    scores: dict[str, int] = Field(description="各评分项（0–10 分）：" + "、".join(
        f"{key}={label}" for key, label in services.CRITERIA.items()))
    opinion: Literal["agree", "conditional", "disagree"]
    comments: str
    no_conflict: bool = Field(description="无利害关系声明，必须为 true")


class MyReviewOut(Schema):
    member_id: int
    draw_id: int
    project_id: int
    project_name: str
    applicant_unit: str
    purpose: str
    draw_status: str
    member_status: str
    category: str
    no_conflict_declared_at: datetime | None
    signature_digest: str | None
    signed_at: datetime | None


def my_review_out(m: DrawMember) -> dict[str, Any]:
    review = ExpertReview.objects.filter(member=m).first()
    return {"member_id": m.pk, "draw_id": m.draw_id, "project_id": m.draw.project_id,
            "project_name": m.draw.project.name, "applicant_unit": m.draw.project.unit.name,
            "purpose": m.draw.purpose, "draw_status": m.draw.status, "member_status": m.status,
            "category": m.category, "no_conflict_declared_at": m.no_conflict_declared_at,
            "signature_digest": review.signature_digest if review else None,
            "signed_at": review.signed_at if review else None}


class ReviewOut(Schema):
    id: int
    member_id: int
    scores: dict[str, int]
    opinion: str
    comments: str
    canonical: str
    signature_digest: str
    signed_at: datetime


class FeeIn(Schema):
    amount: Decimal = Field(gt=0, description="金额（元）")
    service_date: date | None = None
    note: str = ""


class FeeOut(Schema):
    id: int
    expert_id: int
    member_id: int | None
    amount: Decimal
    period: str
    payer: str
    payer_basis: str


class FeeRowOut(Schema):
    expert_id: int
    expert_name: str
    employer: str
    count: int
    total: Decimal
    projects: list[str]


class FeePayerOut(Schema):
    payer: str
    basis: str
    count: int
    total: Decimal


class FeeReportOut(Schema):
    jurisdiction_id: int
    period: str
    count: int
    total: Decimal
    rows: list[FeeRowOut]
    payers: list[FeePayerOut]


# --- helpers ---------------------------------------------------------------------------------


def _expert(request: HttpRequest, expert_id: int) -> Expert:
    expert = selectors.experts_visible_to(_user(request)).filter(pk=expert_id).first()
    if expert is None:
        raise NotFound("未找到该专家，或您无权查看。")
    return expert


def _draw(request: HttpRequest, draw_id: int) -> Draw:
    draw = selectors.draws_visible_to(_user(request)).filter(pk=draw_id).first()
    if draw is None:
        raise NotFound("未找到该抽取，或您无权查看。")
    return draw


def _member(request: HttpRequest, draw_id: int, member_id: int) -> DrawMember:
    member = _draw(request, draw_id).members.filter(pk=member_id).first()
    if member is None:
        raise NotFound("未找到该专家。")
    return member


def _my_member(request: HttpRequest, member_id: int) -> DrawMember:
    member = selectors.my_memberships(_user(request)).filter(pk=member_id).first()
    if member is None:
        raise NotFound("未找到该评审，或它不属于您。")
    return member


def _own_jurisdiction(request: HttpRequest, jurisdiction_id: int | None) -> Any:
    jurisdictions = list(selectors.lead_office_jurisdictions(_user(request)))
    if not jurisdictions:
        raise PermissionDenied("只有领导小组办公室（牵头部门）可以管理专家库。")
    if jurisdiction_id is None:
        return jurisdictions[0]
    for j in jurisdictions:
        if j.pk == jurisdiction_id:
            return j
    raise PermissionDenied("只能管理本级专家库。")


R404 = {**ERRORS, 404: ErrorOut}


# --- library ---------------------------------------------------------------------------------


EXPERT_SORT = paging.Sort({"name": ("姓名", ["jurisdiction__code", "name", "pk"]),
                           "new": ("最新登记", ["-created_at", "-pk"]),
                           "updated": ("最近修改", ["-updated_at", "-pk"])}, "name")
DRAW_SORT = paging.Sort({"new": ("最新在前", ["-committed_at", "-pk"]), "old": ("最早在前", ["committed_at", "pk"])},
                        "new")
MY_REVIEW_SORT = paging.Sort({"new": ("最新在前", ["-draw__committed_at", "-pk"]),
                              "old": ("最早在前", ["draw__committed_at", "pk"])}, "new")


@router.get("", response={200: page_schema(ExpertOut, "ExpertPageOut"), 400: ErrorOut},
            summary="专家库列表（牵头部门，分页）",
            description=sort_description(EXPERT_SORT) + \
                        " category（专业类别）、jurisdiction_id、available、q（姓名）筛选。")
def expert_list(request: HttpRequest, category: ExpertCategory | None = None, q: str = "",
                jurisdiction_id: int | None = None, available: bool | None = None, sort: str | None = None,
                limit: str | None = None, offset: str | None = None) -> Any:
    experts = selectors.experts_visible_to(_user(request))
    if q:
        experts = experts.filter(name__contains=q[:50])
    if jurisdiction_id is not None:
        experts = experts.filter(jurisdiction_id=jurisdiction_id)
    if available is not None:
        experts = experts.filter(available=available)
    if category is not None:
        # The categories are a JSON list; SQLite cannot look inside it, so the matching ids are found here.
        wanted = [pk for pk, cats in experts.values_list("pk", "categories") if category in (cats or [])]
        experts = experts.filter(pk__in=wanted)
    return api_page(request, experts, limit=limit, offset=offset, sort=EXPERT_SORT, sort_key=sort, shape=expert_out)


@router.post("", response={201: ExpertOut, **R404}, summary="新增专家")
@domain_errors
def expert_create(request: HttpRequest, payload: ExpertIn) -> Any:
    data = payload.dict()
    jurisdiction = _own_jurisdiction(request, data.pop("jurisdiction_id"))
    data["categories"] = [str(c) for c in data["categories"]]
    expert = services.expert_create(jurisdiction=jurisdiction, actor=_user(request), source_ip=_ip(request), **data)
    return Status(201, expert_out(expert))


@router.get("/{int:expert_id}", response={200: ExpertOut, **R404}, summary="专家详情")
@domain_errors
def expert_detail(request: HttpRequest, expert_id: int) -> Any:
    return expert_out(_expert(request, expert_id))


@router.patch("/{int:expert_id}", response={200: ExpertOut, **R404}, summary="修改专家信息")
@domain_errors
def expert_update(request: HttpRequest, expert_id: int, payload: ExpertPatch) -> Any:
    changes = {k: v for k, v in payload.dict().items() if v is not None}
    if "categories" in changes:
        changes["categories"] = [str(c) for c in changes["categories"]]
    expert = services.expert_update(expert=_expert(request, expert_id), actor=_user(request),
                                    source_ip=_ip(request), **changes)
    return expert_out(expert)


@router.get("/{int:expert_id}/sensitive", response={200: SensitiveOut, **R404},
            summary="查看专家手机号码、身份证号、银行账号（记入审计日志）")
@domain_errors
def expert_sensitive(request: HttpRequest, expert_id: int) -> Any:
    expert = _expert(request, expert_id)
    audit_record(actor=_user(request), action="expert.reveal", obj=expert, source_ip=_ip(request),
                 details={"fields": list(SENSITIVE_FIELDS)})
    return {name: expert.decrypted(name) for name in SENSITIVE_FIELDS}


@router.post("/import", response={202: ImportJobOut, **R404}, summary="从 Excel 导入专家（后台任务）")
@domain_errors
def expert_import(request: HttpRequest, file: File[UploadedFile], jurisdiction_id: int | None = None) -> Any:
    jurisdiction = _own_jurisdiction(request, jurisdiction_id)
    if file.size and file.size > 20 * 1024 * 1024:
        raise InvalidInput("文件不能超过 20 MB。")
    job = services.import_job_start(data=file.read(), file_name=file.name or "experts.xlsx",
                                    jurisdiction=jurisdiction, actor=_user(request), source_ip=_ip(request))
    return Status(202, job_out(job))


@router.get("/import/{int:job_id}", response={200: ImportJobOut, **R404}, summary="导入进度")
@domain_errors
def import_status(request: HttpRequest, job_id: int) -> Any:
    job = selectors.import_jobs_visible_to(_user(request)).filter(pk=job_id).first()
    if job is None:
        raise NotFound("未找到该导入任务。")
    return job_out(job)


# --- draws -----------------------------------------------------------------------------------


@router.get("/draws", response={200: page_schema(DrawOut, "DrawPageOut"), 400: ErrorOut},
            summary="专家抽取列表（分页）",
            description=sort_description(DRAW_SORT) + " project_id、status、purpose、jurisdiction_id 筛选。")
def draw_list(request: HttpRequest, project_id: int | None = None, status: str | None = None,
              purpose: str | None = None, jurisdiction_id: int | None = None, sort: str | None = None,
              limit: str | None = None, offset: str | None = None) -> Any:
    draws = selectors.draws_visible_to(_user(request))
    if project_id is not None:
        draws = draws.filter(project_id=project_id)
    if jurisdiction_id is not None:
        draws = draws.filter(project__jurisdiction_id=jurisdiction_id)
    if choice_filter(status, DrawStatus.values, "status"):
        draws = draws.filter(status=status)
    if choice_filter(purpose, DrawPurpose.values, "purpose"):
        draws = draws.filter(purpose=purpose)
    return api_page(request, draws, limit=limit, offset=offset, sort=DRAW_SORT, sort_key=sort, shape=draw_out)


@router.post("/draws", response={201: DrawOut, **R404}, summary="抽取承诺：冻结候选名单，公布种子摘要")
@domain_errors
def draw_commit(request: HttpRequest, payload: DrawIn) -> Any:
    project = selectors.draw_projects_for(_user(request)).filter(pk=payload.project_id).first()
    if project is None:
        raise NotFound("未找到该项目，或您无权为它抽取专家。")
    draw = services.draw_commit(
        project=project, actor=_user(request), purpose=payload.purpose,
        requested={str(k): v for k, v in payload.requested.items()},
        reserve_per_category=payload.reserve_per_category, vendors=payload.vendors,
        excluded_expert_ids=payload.excluded_expert_ids, exclusion_reasons=payload.exclusion_reasons,
        exclude_previous=payload.exclude_previous,
        max_draws_per_period=payload.max_draws_per_period, period=payload.period,
        committee_other_members=payload.committee_other_members, source_ip=_ip(request),
    )
    return Status(201, draw_out(draw))


@router.get("/draws/{int:draw_id}", response={200: DrawOut, **R404}, summary="抽取详情")
@domain_errors
def draw_detail(request: HttpRequest, draw_id: int) -> Any:
    return draw_out(_draw(request, draw_id))


@router.post("/draws/{int:draw_id}/execute", response={200: DrawOut, **R404}, summary="公开种子并抽取")
@domain_errors
def draw_execute(request: HttpRequest, draw_id: int) -> Any:
    return draw_out(services.draw_execute(draw=_draw(request, draw_id), actor=_user(request), source_ip=_ip(request)))


@router.get("/draws/{int:draw_id}/check", response={200: CheckOut, **R404}, summary="专家组成核对（依政策包）")
@domain_errors
def draw_check(request: HttpRequest, draw_id: int) -> Any:
    check = services.panel_check(draw=_draw(request, draw_id))
    return check.__dict__


@router.post("/draws/{int:draw_id}/open", response={200: DrawOut, **R404}, summary="核对专家组成并开始评审")
@domain_errors
def draw_open(request: HttpRequest, draw_id: int) -> Any:
    return draw_out(services.panel_open(draw=_draw(request, draw_id), actor=_user(request), source_ip=_ip(request)))


class CancelIn(Schema):
    reason: str = Field(description="取消原因（必填；种子公开后取消的，核验结果向各方显示）")


@router.post("/draws/{int:draw_id}/cancel", response={200: DrawOut, **R404}, summary="取消抽取（须说明原因）")
@domain_errors
def draw_cancel(request: HttpRequest, draw_id: int, payload: CancelIn) -> Any:
    return draw_out(services.draw_cancel(draw=_draw(request, draw_id), actor=_user(request), reason=payload.reason,
                                         source_ip=_ip(request)))


@router.post("/draws/{int:draw_id}/members/{int:member_id}/decline", response={200: DrawOut, **R404},
             summary="登记专家谢绝（同类别备选递补）")
@domain_errors
def draw_decline(request: HttpRequest, draw_id: int, member_id: int, payload: DeclineIn) -> Any:
    member = _member(request, draw_id, member_id)
    services.draw_member_decline(member=member, actor=_user(request), reason=payload.reason, source_ip=_ip(request))
    return draw_out(member.draw)


@router.post("/draws/{int:draw_id}/verify", response={200: VerifyOut, **R404},
             summary="按公开种子重算并比对（项目各方均可核验）")
@domain_errors
def draw_verify(request: HttpRequest, draw_id: int) -> Any:
    draw = selectors.draws_verifiable_by(_user(request)).filter(pk=draw_id).first()
    if draw is None:
        raise NotFound("未找到该抽取，或您无权查看。")
    result = services.draw_verify(draw=draw)
    message = "一致" if result.ok else ("抽取结果公开后已被取消" if result.cancelled_after_reveal else "不一致")
    return {"ok": result.ok, "message": message, "differences": result.differences, "notices": result.notices,
            "cancelled_after_reveal": result.cancelled_after_reveal}


@router.post("/draws/{int:draw_id}/members/{int:member_id}/fee", response={201: FeeOut, **R404},
             summary="登记专家费")
@domain_errors
def draw_fee(request: HttpRequest, draw_id: int, member_id: int, payload: FeeIn) -> Any:
    fee = services.fee_record(member=_member(request, draw_id, member_id), actor=_user(request),
                              amount=payload.amount, service_date=payload.service_date, note=payload.note,
                              source_ip=_ip(request))
    return Status(201, {"id": fee.pk, "expert_id": fee.expert_id, "member_id": fee.member_id, "amount": fee.amount,
                        "period": fee.period, "payer": fee.payer.name, "payer_basis": fee.payer_basis})


@router.get("/fees", response={200: FeeReportOut, **R404}, summary="专家费报表（按期间：2026、2026Q1、2026-03）")
@domain_errors
def fee_report(request: HttpRequest, period: str, jurisdiction_id: int | None = None) -> Any:
    jurisdiction = _own_jurisdiction(request, jurisdiction_id)
    try:
        report = selectors.fee_report(jurisdiction=jurisdiction, period=period)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return {
        "jurisdiction_id": jurisdiction.pk, "period": period, "count": report.count, "total": report.total,
        "rows": [{"expert_id": r["expert"].pk, "expert_name": r["expert"].name, "employer": r["expert"].employer,
                  "count": r["count"], "total": r["total"], "projects": r["projects"]} for r in report.rows],
        "payers": [{"payer": p["payer"].name, "basis": p["basis"], "count": p["count"], "total": p["total"]}
                   for p in report.payers],
    }


# --- an expert's own reviews -----------------------------------------------------------------


@router.get("/my-reviews", response={200: page_schema(MyReviewOut, "MyReviewPageOut"), 400: ErrorOut},
            summary="我的评审（专家，分页）", description=sort_description(MY_REVIEW_SORT) + " status：席位状态。")
def my_reviews(request: HttpRequest, status: str | None = None, sort: str | None = None, limit: str | None = None,
               offset: str | None = None) -> Any:
    members = selectors.my_memberships(_user(request))
    if choice_filter(status, MemberStatus.values, "status"):
        members = members.filter(status=status)
    return api_page(request, members, limit=limit, offset=offset, sort=MY_REVIEW_SORT, sort_key=sort,
                    shape=my_review_out)


@router.post("/my-reviews/{int:member_id}/accept", response={200: MyReviewOut, **R404},
             summary="确认参加并声明无利害关系")
@domain_errors
def my_accept(request: HttpRequest, member_id: int) -> Any:
    member = services.draw_member_accept(member=_my_member(request, member_id), actor=_user(request),
                                         source_ip=_ip(request))
    return my_review_out(member)


@router.post("/my-reviews/{int:member_id}/decline", response={200: MyReviewOut, **R404}, summary="谢绝本次评审")
@domain_errors
def my_decline(request: HttpRequest, member_id: int, payload: DeclineIn) -> Any:
    member = _my_member(request, member_id)
    services.draw_member_decline(member=member, actor=_user(request), reason=payload.reason, source_ip=_ip(request))
    member.refresh_from_db()
    return my_review_out(member)


@router.post("/my-reviews/{int:member_id}/review", response={201: ReviewOut, **R404}, summary="提交并签名评审意见")
@domain_errors
def my_review_submit(request: HttpRequest, member_id: int, payload: ReviewIn) -> Any:
    review = services.expert_review_submit(
        member=_my_member(request, member_id), actor=_user(request), scores=payload.scores,
        opinion=payload.opinion, comments=payload.comments, no_conflict=payload.no_conflict, source_ip=_ip(request),
    )
    return Status(201, {"id": review.pk, "member_id": review.member_id, "scores": review.scores,
                        "opinion": review.opinion, "comments": review.comments, "canonical": review.canonical,
                        "signature_digest": review.signature_digest, "signed_at": review.signed_at})
