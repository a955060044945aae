"""Signed expert reviews and the panel opinion written to the project's `experts` opinion task."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from govit.core import crypto
from govit.core.models import User
from govit.core.services import audit_record
from govit.experts.models import (
    Draw,
    DrawMember,
    DrawPurpose,
    DrawStatus,
    ExpertCategory,
    ExpertReview,
    MemberRole,
    MemberStatus,
    ReviewOpinion,
)
from govit.experts.services.common import (
    CRITERIA,
    SCORE_MAX,
    lock_draw,
)
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused

# --- reviews ---------------------------------------------------------------------------------


def review_canonical(*, member: DrawMember, scores: dict[str, int], opinion: str, comments: str, no_conflict: bool,
                     signed_at: str) -> str:
    """The exact text an expert signs: canonical JSON (sorted keys, no spaces, UTF-8)."""
    document = {
        "draw": member.draw_id, "project": member.draw.project_id, "expert": str(member.expert.uid),
        "expert_name": member.expert.name, "scores": scores, "opinion": opinion, "comments": comments,
        "no_conflict": no_conflict, "signed_at": signed_at,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _clean_scores(scores: dict[str, Any]) -> dict[str, int]:
    cleaned = {}
    for key, label in CRITERIA.items():
        try:
            value = int(scores.get(key))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"请为“{label}”打分（0 至 {SCORE_MAX} 分）。") from exc
        if not 0 <= value <= SCORE_MAX:
            raise InvalidInput(f"“{label}”的评分应在 0 至 {SCORE_MAX} 分之间。")
        cleaned[key] = value
    return cleaned


def expert_review_submit(*, member: DrawMember, actor: User, scores: dict[str, Any], opinion: str, comments: str,
                         no_conflict: bool, source_ip: str | None = None) -> ExpertReview:
    """The expert signs their review: SM3 over the canonical JSON is the signature digest (audited).
    When every active panel member has signed, the project's expert opinion task is completed."""
    if opinion not in ReviewOpinion.values:
        raise InvalidInput("意见应为同意、有条件同意或不同意。")
    comments = (comments or "").strip()
    if not comments:
        raise InvalidInput("请填写评审意见。")
    if not no_conflict:
        raise InvalidInput("请先声明与本项目无利害关系；如存在利害关系，请谢绝本次评审。")
    clean_scores = _clean_scores(scores)
    with transaction.atomic():
        lock_draw(member.draw)
        member.refresh_from_db()
        draw = member.draw
        if member.expert.user_id != actor.pk:
            raise PermissionDenied("只有被抽取的专家本人可以提交评审意见。")
        if not member.is_active_panel:
            raise TransitionRefused("您不在本次评审的专家名单中。")
        if draw.status != DrawStatus.OPEN:
            raise TransitionRefused("本次评审尚未开始或已结束。")
        if ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("您已提交并签名评审意见，不能修改。")
        now = timezone.now()
        member.status = MemberStatus.ACCEPTED
        member.no_conflict_declared_at = member.no_conflict_declared_at or now
        member.save()
        canonical = review_canonical(member=member, scores=clean_scores, opinion=opinion, comments=comments,
                                     no_conflict=True, signed_at=now.isoformat())
        review = ExpertReview.objects.create(
            member=member, scores=clean_scores, opinion=opinion, comments=comments, no_conflict=True,
            canonical=canonical, signature_digest=crypto.sm3_hex(canonical), signed_at=now,
        )
        audit_record(actor=actor, action="expert_review.sign", obj=review, source_ip=source_ip, details={
            "draw": draw.pk, "project": draw.project_id, "signature_digest": review.signature_digest,
            "opinion": opinion,
        })
        active = [m for m in draw.members.all() if m.is_active_panel]
        signed = ExpertReview.objects.filter(member__in=active).count()
        if active and signed == len(active):
            _complete_panel(draw=draw, actor=actor, source_ip=source_ip)
    return review


def _panel_opinion(opinions: list[str]) -> str:
    """The panel's opinion: the majority; a tie goes to the more cautious opinion."""
    caution = [ReviewOpinion.AGREE, ReviewOpinion.CONDITIONAL, ReviewOpinion.DISAGREE]
    counts = Counter(opinions)
    return max(caution, key=lambda o: (counts[o], caution.index(o)))


def _complete_panel(*, draw: Draw, actor: User, source_ip: str | None) -> None:
    """All seats signed: complete the draw and, for a project under review, its expert opinion task."""
    from govit.projects.services.common import lead_office_users
    from govit.projects.services.common import record_event as project_record_event
    from govit.reviews.models import Opinion, OpinionTask, ReviewBody, TaskStatus

    reviews = list(ExpertReview.objects.filter(member__draw=draw, member__role=MemberRole.PANEL)
                   .select_related("member__expert").order_by("member__category", "member__rank"))
    draw.status = DrawStatus.COMPLETED
    draw.completed_at = timezone.now()
    draw.save()
    opinion = _panel_opinion([r.opinion for r in reviews])
    lines = [f"{r.member.expert.name}（{ExpertCategory(r.member.category).label}）：{r.get_opinion_display()}。"
             f"{r.comments}（签名摘要 {r.signature_digest[:16]}…）" for r in reviews]
    summary = f"专家组 {len(reviews)} 人评审，结论：{ReviewOpinion(opinion).label}。\n" + "\n".join(lines)
    audit_record(actor=actor, action="expert_draw.complete", obj=draw, source_ip=source_ip,
                 details={"opinion": opinion, "reviews": [r.signature_digest for r in reviews]})
    project = draw.project
    if draw.purpose != DrawPurpose.APPROVAL_REVIEW:
        return
    # The expert task of the stage the project stands at (初审 or 审查), latest round first.
    task = (OpinionTask.objects.select_for_update()
            .filter(project=project, body=ReviewBody.EXPERTS, status=TaskStatus.OPEN, stage=project.state)
            .order_by("-round").first())
    if task is None:
        return
    task.status = TaskStatus.DONE
    task.opinion = Opinion(opinion)
    task.comments = summary
    task.signed_at = timezone.now()
    task.save()
    project_record_event(
        project=project, actor=actor, kind="review.opinion", from_state=project.state, reason=summary,
        details={"task": task.pk, "body": task.body, "opinion": opinion, "draw": draw.pk},
        source_ip=source_ip, recipients=lead_office_users(project),
        text=f"专家组出具了{task.aspect}：{Opinion(opinion).label}。",
    )
    from govit.reviews.services import open_next_phase

    open_next_phase(project=project, task=task, actor=actor, source_ip=source_ip)


