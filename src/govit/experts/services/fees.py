"""Expert fees (专家评审费), paid by the body the pack names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from govit.core.models import Unit, UnitKind, User
from govit.core.services import audit_record
from govit.experts.models import (
    DrawMember,
    ExpertReview,
    FeeRecord,
)
from govit.experts.selectors import month_of
from govit.experts.services.common import (
    cite,
    lock_draw,
    require_lead_office,
)
from govit.projects import lifecycle
from govit.projects.errors import InvalidInput, TransitionRefused
from govit.projects.models import Project

# --- fees ------------------------------------------------------------------------------------


def fee_payer(project: Project) -> tuple[Unit, str]:
    """The unit paying expert fees and why: the pack's `checklists.expert_fees.paid_by` (昌吉 第三十三条)
    or, where the pack names none, the lead office that organises the review."""
    from govit.reviews.services import BODY_UNIT_KINDS

    rule = lifecycle.checklist(project.pack_id, "expert_fees") or {}
    paid_by = rule.get("paid_by")
    kinds = (UnitKind.LEAD_OFFICE,) if paid_by == "lead_office" else BODY_UNIT_KINDS.get(paid_by, ())
    for kind in kinds:
        unit = Unit.objects.filter(jurisdiction_id=project.jurisdiction_id, kind=kind).order_by("pk").first()
        if unit is not None:
            return unit, f"依{cite(project.pack_id, rule.get('citation'))}统一支付"
    unit = (Unit.objects.filter(jurisdiction_id=project.jurisdiction_id, kind=UnitKind.LEAD_OFFICE)
            .order_by("pk").first())
    if unit is None:
        raise TransitionRefused("本级未设领导小组办公室（牵头部门），无法确定专家费支付单位。")
    return unit, "政策包未规定支付单位，由组织评审的牵头部门支付"


def fee_record(*, member: DrawMember, actor: User, amount: Decimal | str | float, service_date: date | None = None,
               note: str = "", source_ip: str | None = None) -> FeeRecord:
    """Record the fee of one expert's review; the payer comes from the pack, never the applicant unit."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput("金额应为数字（元）。") from exc
    if value <= 0:
        raise InvalidInput("金额应大于 0。")
    day = service_date or timezone.localdate()
    with transaction.atomic():
        lock_draw(member.draw)
        member.refresh_from_db()
        project = member.draw.project
        require_lead_office(actor, project.jurisdiction_id)
        if not ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("该专家尚未提交评审意见，不能登记专家费。")
        if FeeRecord.objects.filter(member=member).exists():
            raise TransitionRefused("该专家本次评审的专家费已登记。")
        payer, basis = fee_payer(project)
        fee = FeeRecord.objects.create(
            expert=member.expert, member=member, amount=value, service_date=day, period=month_of(day), payer=payer,
            payer_basis=basis, note=(note or "").strip()[:200], recorded_by=actor,
        )
        audit_record(actor=actor, action="expert_fee.record", obj=fee, source_ip=source_ip, details={
            "expert": member.expert_id, "draw": member.draw_id, "amount": str(value), "period": fee.period,
            "payer": payer.name,
        })
    return fee


