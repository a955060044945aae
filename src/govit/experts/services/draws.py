"""Verifiable draws (专家抽取): commit, execute, accept/decline, panel check, open, cancel, verify."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govit import policy
from govit.core import crypto
from govit.core.models import User
from govit.core.services import audit_record
from govit.experts import draw as algorithm
from govit.experts.models import (
    Draw,
    DrawMember,
    DrawPurpose,
    DrawStatus,
    Expert,
    ExpertCategory,
    ExpertReview,
    MemberRole,
    MemberStatus,
)
from govit.experts.selectors import draw_counts_in_months, is_lead_office_of, month_of, period_months
from govit.experts.services.common import (
    PERIOD_KINDS,
    cite,
    lock_draw,
    require_lead_office,
)
from govit.notifications.services import notify
from govit.projects.errors import InvalidInput, PermissionDenied, TransitionRefused
from govit.projects.models import CLOSED_STATES, Project, ProjectState

# --- draws -----------------------------------------------------------------------------------


def split_names(text: str) -> list[str]:
    """Unit names typed in one box, separated by 、，, ; or new lines."""
    from govit.experts.validation import split_list

    return split_list(text)


def _norm(text: str) -> str:
    return "".join(text.split())


def _names_match(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    return bool(a and b) and (a == b or a in b or b in a)


def panel_rule(pack_id: str) -> dict[str, Any]:
    """The pack's drawn-panel rule (`expert_panel`; 昌吉's older `checklists.expert_draw` is read too)."""
    data = policy.load_pack(pack_id).data
    return data.get("expert_panel") or (data.get("checklists") or {}).get("expert_draw") or {}


def _default_other_members(project: Project) -> int:
    """Non-expert committee members: one per non-expert body of the project's latest opinion round."""
    from govit.reviews.models import OpinionTask, ReviewBody

    latest = OpinionTask.objects.filter(project=project).aggregate(r=Max("round"))["r"]
    if latest is None:
        return 0
    return OpinionTask.objects.filter(project=project, round=latest).exclude(body=ReviewBody.EXPERTS).count()


def committee_members(project: Project, requested: int | None) -> int:
    """Non-expert members of the committee the experts sit with: from the pack where it names them
    (巴中 第五条), never from the request; else the request, else the latest opinion round."""
    bodies = panel_rule(project.pack_id).get("committee_bodies")
    if bodies:
        if requested is not None and requested != len(bodies):
            rule = panel_rule(project.pack_id)
            raise InvalidInput(
                f"字段 committee_other_members：审查委员会的组成由{cite(project.pack_id, rule.get('citation'))}规定"
                f"（非专家成员 {len(bodies)} 人），不能在请求中另行指定。"
            )
        return len(bodies)
    return _default_other_members(project) if requested is None else requested


def _reasons(excluded_ids: list[int], reasons: dict[Any, str] | None) -> dict[str, str]:
    """回避 needs a stated reason for every expert the lead office excludes."""
    given = {str(k): (v or "").strip() for k, v in (reasons or {}).items()}
    missing = [i for i in excluded_ids if not given.get(str(i))]
    if missing:
        raise InvalidInput("字段 exclusion_reasons：指定回避的专家须逐一说明回避理由（缺少专家 "
                           + "、".join(f"#{i}" for i in missing) + " 的理由）。")
    return {str(i): given[str(i)][:200] for i in excluded_ids}


def eligibility(
    *,
    project: Project,
    categories: Iterable[str],
    vendors: Iterable[str] = (),
    excluded_expert_ids: Iterable[int] = (),
    exclusion_reasons: dict[str, str] | None = None,
    exclude_previous: bool = True,
    max_draws_per_period: int | None = None,
    period: str = "year",
    today: date | None = None,
) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
    """Eligible expert ids per category (ascending) and the excluded ones with their reasons."""
    today = today or timezone.localdate()
    vendors = [v for v in (_norm(v) for v in vendors) if v]
    manual = {int(i) for i in excluded_expert_ids}
    experts = list(Expert.objects.filter(jurisdiction_id=project.jurisdiction_id).order_by("pk"))
    previous: set[int] = set()
    if exclude_previous:
        previous = set(
            DrawMember.objects.filter(draw__project=project, role=MemberRole.PANEL)
            .exclude(draw__status=DrawStatus.CANCELLED)
            .values_list("expert_id", flat=True)
        )
    counts: dict[int, int] = {}
    if max_draws_per_period is not None:
        if period == "year":
            months = period_months(str(today.year))
        elif period == "quarter":
            months = period_months(f"{today.year}Q{(today.month - 1) // 3 + 1}")
        else:
            months = [month_of(today)]
        counts = draw_counts_in_months([e.pk for e in experts], months)
    wanted = list(categories)
    candidates: dict[str, list[int]] = {c: [] for c in wanted}
    excluded: dict[str, list[str]] = {}
    for expert in experts:
        reasons = []
        if not expert.available:
            reasons.append("暂不可抽取")
        if expert.pk in manual:
            stated = (exclusion_reasons or {}).get(str(expert.pk))
            reasons.append(f"牵头部门指定回避：{stated}" if stated else "牵头部门指定回避")
        if _names_match(expert.employer, project.unit.name):
            reasons.append("与项目建设单位为同一单位")
        if any(_names_match(c, project.unit.name) for c in expert.declared_conflicts):
            reasons.append("申报了与项目建设单位的利害关系")
        if any(_names_match(expert.employer, v) for v in vendors):
            reasons.append("任职于本项目的供应商或服务机构")
        if any(_names_match(c, v) for c in expert.declared_conflicts for v in vendors):
            reasons.append("申报了与本项目供应商的利害关系")
        if expert.pk in previous:
            reasons.append("此前已参加本项目评审")
        if max_draws_per_period is not None and counts.get(expert.pk, 0) >= max_draws_per_period:
            reasons.append(f"本{PERIOD_KINDS.get(period, '期')}已参加 {counts[expert.pk]} 次评审，达到上限")
        if reasons:
            if set(expert.categories) & set(wanted):
                excluded[str(expert.pk)] = reasons
            continue
        for category in wanted:
            if category in expert.categories:
                candidates[category].append(expert.pk)
    return candidates, excluded


def draw_commit(
    *,
    project: Project,
    actor: User,
    purpose: str,
    requested: dict[str, int],
    reserve_per_category: int = 2,
    vendors: Iterable[str] = (),
    excluded_expert_ids: Iterable[int] = (),
    exclusion_reasons: dict[Any, str] | None = None,
    exclude_previous: bool = True,
    max_draws_per_period: int | None = None,
    period: str = "year",
    committee_other_members: int | None = None,
    source_ip: str | None = None,
) -> Draw:
    """Freeze the candidates and publish SM3(seed) before anything is drawn (the commitment)."""
    if purpose not in DrawPurpose.values:
        raise InvalidInput("评审事项无效。")
    requested = {c: int(n) for c, n in requested.items() if int(n) > 0}
    unknown = [c for c in requested if c not in ExpertCategory.values]
    if unknown:
        raise InvalidInput(f"未知的专业类别：{'、'.join(unknown)}。")
    if not requested:
        raise InvalidInput("请至少为一个专业类别填写抽取人数。")
    if reserve_per_category < 0 or (max_draws_per_period is not None and max_draws_per_period < 1):
        raise InvalidInput("备选人数不能为负数，评审次数上限至少为 1。")
    if period not in PERIOD_KINDS:
        raise InvalidInput("统计期间应为 year、quarter 或 month。")
    vendors = [v.strip() for v in vendors if v and v.strip()]
    excluded_ids = sorted({int(i) for i in excluded_expert_ids})
    stated = _reasons(excluded_ids, exclusion_reasons)
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        project.refresh_from_db()
        require_lead_office(actor, project.jurisdiction_id)
        if project.state in CLOSED_STATES:
            raise TransitionRefused(f"项目当前状态为“{ProjectState(project.state).label}”，不能抽取专家。")
        others = committee_members(project, committee_other_members)
        candidates, excluded = eligibility(
            project=project, categories=requested, vendors=vendors, excluded_expert_ids=excluded_ids,
            exclusion_reasons=stated, exclude_previous=exclude_previous, max_draws_per_period=max_draws_per_period,
            period=period,
        )
        short = algorithm.shortfall(candidates=candidates, requested=requested)
        if short:
            text = "、".join(f"{ExpertCategory(c).label}缺 {n} 人" for c, n in short.items())
            raise TransitionRefused(f"符合条件的专家不足：{text}。请减少抽取人数或补充专家库。")
        seed = algorithm.new_seed()
        commitment = algorithm.seed_commitment(seed)
        digest = algorithm.inputs_digest(candidates=candidates, requested=requested, reserve=reserve_per_category)
        draw = Draw.objects.create(
            project=project, purpose=purpose, requested=requested, reserve_per_category=reserve_per_category,
            exclusions={
                "vendors": vendors, "excluded_expert_ids": excluded_ids, "exclusion_reasons": stated,
                "exclude_previous": exclude_previous,
                "max_draws_per_period": max_draws_per_period, "period": period, "applicant_unit": project.unit.name,
            },
            excluded=excluded, candidates=candidates, candidates_digest=digest,
            committee_other_members=others,
            seed_commitment=commitment,
            seed_sealed=crypto.encrypt_text_ring(seed, associated_data=f"govit.draw.seed:{commitment}".encode()),
            algorithm=algorithm.ALGORITHM, committed_by=actor,
        )
        audit_record(actor=actor, action="expert_draw.commit", obj=draw, source_ip=source_ip, details={
            "project": project.pk, "seed_commitment": commitment, "candidates_digest": digest,
            "requested": requested, "reserve": reserve_per_category, "excluded": len(excluded),
            "exclusion_reasons": stated, "committee_other_members": others,
            "algorithm": algorithm.ALGORITHM,
        })
    return draw


def draw_execute(*, draw: Draw, actor: User, source_ip: str | None = None) -> Draw:
    """Reveal the seed and draw the panel and reserve from the frozen candidates."""
    with transaction.atomic():
        lock_draw(draw)
        require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status != DrawStatus.COMMITTED:
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能再次抽取。")
        seed = crypto.decrypt_text_ring(draw.seed_sealed, associated_data=f"govit.draw.seed:{draw.seed_commitment}"
                                        .encode())
        if algorithm.seed_commitment(seed) != draw.seed_commitment:
            raise TransitionRefused("种子与承诺值不一致，抽取已中止，请报告安全管理员。")
        picks = algorithm.run(seed=seed, candidates=draw.candidates, requested=draw.requested,
                              reserve=draw.reserve_per_category)
        DrawMember.objects.bulk_create([
            DrawMember(draw=draw, expert_id=p.expert_id, category=p.category, rank=p.rank, initial_role=p.role,
                       role=p.role, status=MemberStatus.INVITED if p.role == MemberRole.PANEL else MemberStatus.STANDBY)
            for p in picks
        ])
        draw.seed = seed
        draw.seed_sealed = ""
        draw.status = DrawStatus.DRAWN
        draw.executed_by = actor
        draw.executed_at = timezone.now()
        draw.save()
        audit_record(actor=actor, action="expert_draw.execute", obj=draw, source_ip=source_ip, details={
            "seed": seed, "seed_commitment": draw.seed_commitment, "picks": algorithm.as_json(picks),
        })
        panel_users = [m.expert.user for m in draw.members.select_related("expert__user")
                       if m.role == MemberRole.PANEL and m.expert.user_id]
        notify(users=panel_users, project=draw.project,
               text=f"【{draw.project.name}】您被抽取为{draw.get_purpose_display()}专家，请在专家工作台确认是否参加。")
    return draw


def _may_act_for_member(actor: User, member: DrawMember) -> bool:
    return member.expert.user_id == actor.pk or is_lead_office_of(actor, member.draw.project.jurisdiction_id)


def draw_member_accept(*, member: DrawMember, actor: User, source_ip: str | None = None) -> DrawMember:
    """The expert confirms taking part and declares no conflict of interest (无利害关系声明)."""
    with transaction.atomic():
        lock_draw(member.draw)
        member.refresh_from_db()
        if member.expert.user_id != actor.pk:
            raise PermissionDenied("只有被抽取的专家本人可以确认参加并作出无利害关系声明。")
        if not member.is_active_panel or member.draw.status not in (DrawStatus.DRAWN, DrawStatus.OPEN):
            raise TransitionRefused("该评审邀请已失效。")
        member.status = MemberStatus.ACCEPTED
        member.no_conflict_declared_at = member.no_conflict_declared_at or timezone.now()
        member.save()
        audit_record(actor=actor, action="expert_draw.accept", obj=member, source_ip=source_ip,
                     details={"draw": member.draw_id, "no_conflict": True})
    return member


def draw_member_decline(*, member: DrawMember, actor: User, reason: str,
                        source_ip: str | None = None) -> DrawMember | None:
    """A panel expert declines (by themselves or recorded by the lead office); the first unused
    reserve of the same category takes the seat. Returns the replacement, or None if none is left."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写谢绝原因（如存在利害关系、时间冲突）。")
    with transaction.atomic():
        lock_draw(member.draw)
        member.refresh_from_db()
        draw = member.draw
        if not _may_act_for_member(actor, member):
            raise PermissionDenied("只有被抽取的专家本人或牵头部门可以登记谢绝。")
        if draw.status not in (DrawStatus.DRAWN, DrawStatus.OPEN) or not member.is_active_panel:
            raise TransitionRefused("该专家不在当前评审专家名单中，无需谢绝。")
        if ExpertReview.objects.filter(member=member).exists():
            raise TransitionRefused("该专家已提交评审意见，不能谢绝。")
        replacement = (
            draw.members.filter(category=member.category, role=MemberRole.RESERVE, status=MemberStatus.STANDBY)
            .order_by("rank")
            .first()
        )
        member.decline_reason = reason[:200]
        member.status = MemberStatus.REPLACED if replacement else MemberStatus.DECLINED
        member.save()
        if replacement is not None:
            replacement.role = MemberRole.PANEL
            replacement.status = MemberStatus.INVITED
            replacement.replaces = member
            replacement.save()
        audit_record(actor=actor, action="expert_draw.decline", obj=member, source_ip=source_ip, details={
            "draw": draw.pk, "category": member.category, "expert": member.expert_id, "reason": reason[:200],
            "replacement": replacement.expert_id if replacement else None,
            "replacement_rank": replacement.rank if replacement else None,
        })
        if replacement is not None and replacement.expert.user_id:
            notify(users=[replacement.expert.user], project=draw.project,
                   text=f"【{draw.project.name}】您由备选递补为评审专家，请在专家工作台确认是否参加。")
    return replacement


@dataclass
class PanelCheck:
    ok: bool
    problems: list[str]
    citations: list[dict[str, Any]]
    experts: int
    committee_total: int


def _share_fraction(value: Any) -> Fraction:
    # The pack gives 1/3 as a float; its exact fraction has a huge denominator.
    return Fraction(str(value)).limit_denominator(1000)


def panel_check(*, draw: Draw) -> PanelCheck:
    """Composition of the panel against the project's pack (a read; nothing is written).

    - every requested category has its full count of active panel members;
    - `checklists.expert_draw.method: stratified_random` (昌吉 第三十二条): every seat was drawn
      within its category, so a short category is a refusal citing the article;
    - `parameters.expert_min_share` (巴中 第五条): experts ≥ the share of the whole committee
      (experts + `committee_other_members`).
    """
    pack_id = draw.project.pack_id
    pack = policy.load_pack(pack_id)
    members = list(draw.members.all())
    active = [m for m in members if m.is_active_panel]
    problems: list[str] = []
    citations: list[dict[str, Any]] = []
    by_category = Counter(m.category for m in active)
    short = {c: n - by_category[c] for c, n in draw.requested.items() if by_category[c] < n}
    if draw.status == DrawStatus.COMMITTED:
        problems.append("尚未抽取专家。")
    elif short:
        text = "、".join(f"{ExpertCategory(c).label}缺 {n} 人" for c, n in short.items())
        rule = panel_rule(pack_id)
        if rule.get("method") == "stratified_random":
            citation = rule.get("citation")
            citations.append({"pack": pack_id, **citation})
            problems.append(
                f"依{cite(pack_id, citation)}，专家应按类别随机抽取：{text}，备选专家已用尽。请重新组织抽取。"
            )
        else:
            problems.append(f"评审专家不足：{text}，备选专家已用尽。请重新组织抽取。")
    total = len(active) + draw.committee_other_members
    share_param = pack.parameters.get("expert_min_share")
    if share_param and draw.status != DrawStatus.COMMITTED:
        share = _share_fraction(share_param["value"])
        if len(active) * share.denominator < share.numerator * total:
            needed = -(-share.numerator * total // share.denominator)
            citation = share_param.get("citation")
            if citation:
                citations.append({"pack": pack_id, **citation})
            label = share_param.get("note") or share_param.get("label") or "专家人数不少于规定比例"
            problems.append(
                f"依{cite(pack_id, citation)}，{label}：审查委员会共 {total} 人"
                f"（其中非专家成员 {draw.committee_other_members} 人），专家仅 {len(active)} 人，"
                f"至少需要 {needed} 人。请增加抽取人数后重新抽取。"
            )
    return PanelCheck(ok=not problems, problems=problems, citations=citations, experts=len(active),
                      committee_total=total)


def panel_open(*, draw: Draw, actor: User, source_ip: str | None = None) -> Draw:
    """Open the review once the panel passes `panel_check`; refusals cite the pack's article."""
    with transaction.atomic():
        lock_draw(draw)
        require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status != DrawStatus.DRAWN:
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能开始评审。")
        check = panel_check(draw=draw)
        if check.ok:
            draw.status = DrawStatus.OPEN
            draw.opened_at = timezone.now()
            draw.save()
            audit_record(actor=actor, action="expert_draw.open", obj=draw, source_ip=source_ip,
                         details={"experts": check.experts, "committee_total": check.committee_total})
    if not check.ok:
        # The refusal is audited on its own, so it survives the caller's rollback of nothing.
        with transaction.atomic():
            audit_record(actor=actor, action="expert_draw.open", obj=draw, source_ip=source_ip,
                         outcome="denied", details={"problems": check.problems, "citations": check.citations})
        raise TransitionRefused("；".join(check.problems), citations=check.citations)
    return draw


def draw_cancel(*, draw: Draw, actor: User, reason: str, source_ip: str | None = None) -> Draw:
    """Cancel a draw that has not completed (e.g. a category ran out of reserves)."""
    if not (reason or "").strip():
        raise InvalidInput("请填写取消原因。")
    with transaction.atomic():
        lock_draw(draw)
        require_lead_office(actor, draw.project.jurisdiction_id)
        if draw.status in (DrawStatus.COMPLETED, DrawStatus.CANCELLED):
            raise TransitionRefused(f"该抽取当前状态为“{draw.get_status_display()}”，不能取消。")
        revealed = bool(draw.seed)
        draw.status = DrawStatus.CANCELLED
        draw.cancel_reason = reason.strip()[:200]
        draw.cancelled_by = actor
        draw.cancelled_at = timezone.now()
        draw.save()
        audit_record(actor=actor, action="expert_draw.cancel", obj=draw, source_ip=source_ip,
                     details={"reason": reason.strip()[:200], "after_reveal": revealed})
    return draw


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    differences: list[str]
    notices: list[str] = field(default_factory=list)
    cancelled_after_reveal: bool = False


def _notices(draw: Draw, members: list[DrawMember]) -> list[str]:
    """What the draw records beside the panel: stated 回避 reasons and declines, for everyone to read."""
    found = []
    for expert_id, reason in sorted((draw.exclusions.get("exclusion_reasons") or {}).items()):
        found.append(f"专家 #{expert_id} 由牵头部门指定回避，理由：{reason}")
    for member in members:
        if member.decline_reason:
            found.append(f"{member.expert.name}（{ExpertCategory(member.category).label}）谢绝，理由："
                         f"{member.decline_reason}")
    return found


def draw_verify(*, draw: Draw) -> Verification:
    """Recompute a draw from its stored inputs and compare with what was recorded (a read).

    A draw cancelled after its seed was revealed does not verify: the panel it drew was set aside,
    which anyone checking must see (with who cancelled it, when and why).
    """
    differences: list[str] = []
    if draw.status == DrawStatus.COMMITTED or not draw.seed:
        if draw.status == DrawStatus.CANCELLED:
            return Verification(False, ["抽取在公开种子前已取消（未产生抽取结果）"
                                        + (f"，原因：{draw.cancel_reason}" if draw.cancel_reason else "")])
        return Verification(False, ["种子尚未公开（尚未抽取），只能核对承诺值"])
    if draw.algorithm != algorithm.ALGORITHM:
        return Verification(False, [f"算法版本 {draw.algorithm} 与本系统 {algorithm.ALGORITHM} 不同"])
    if algorithm.seed_commitment(draw.seed) != draw.seed_commitment:
        differences.append("公开的种子与抽取前公布的承诺值 SM3(种子) 不一致")
    digest = algorithm.inputs_digest(candidates=draw.candidates, requested=draw.requested,
                                     reserve=draw.reserve_per_category)
    if digest != draw.candidates_digest:
        differences.append("候选名单或抽取参数与承诺时的摘要不一致")
    expected = {(p.category, p.rank): p for p in algorithm.run(
        seed=draw.seed, candidates=draw.candidates, requested=draw.requested, reserve=draw.reserve_per_category)}
    members = list(draw.members.select_related("expert"))
    recorded = {(m.category, m.rank): m for m in members}
    for key in sorted(set(expected) | set(recorded)):
        pick, member = expected.get(key), recorded.get(key)
        where = f"{ExpertCategory(key[0]).label}第 {key[1]} 位"
        if pick is None:
            differences.append(f"{where}：记录中有 {member.expert.name}，重算结果中没有")  # type: ignore[union-attr]
        elif member is None:
            differences.append(f"{where}：重算结果为专家 #{pick.expert_id}，记录中缺失")
        elif member.expert_id != pick.expert_id or member.initial_role != pick.role:
            differences.append(
                f"{where}：记录为 {member.expert.name}（{member.get_initial_role_display()}），"
                f"重算为专家 #{pick.expert_id}（{MemberRole(pick.role).label}）"
            )
    for member in members:
        if member.replaces_id is None:
            continue
        previous = next((m for m in members if m.pk == member.replaces_id), None)
        earlier_unused = [m for m in members if m.category == member.category and m.initial_role == MemberRole.RESERVE
                          and m.rank < member.rank and m.status == MemberStatus.STANDBY]
        if previous is None or previous.category != member.category:
            differences.append(f"{member.expert.name} 的递补不是来自同一类别")
        elif earlier_unused:
            differences.append(f"{member.expert.name} 递补时跳过了排序更靠前的备选专家 {earlier_unused[0].expert.name}")
    cancelled = draw.status == DrawStatus.CANCELLED
    if cancelled:
        when = (timezone.localtime(draw.cancelled_at).strftime("%Y-%m-%d %H:%M") if draw.cancelled_at
                else "（时间未记录）")
        who = draw.cancelled_by.display_name if draw.cancelled_by_id else "（未记录）"
        differences.append(f"抽取结果公开后已被取消：{when} 由 {who} 取消，原因：{draw.cancel_reason or '未说明'}。"
                           "该次抽取的专家组未被采用。")
    return Verification(not differences, differences, _notices(draw, members), cancelled)
