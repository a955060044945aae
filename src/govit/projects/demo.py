"""Demo projects: for each demo jurisdiction, one project at every stage its pack uses, each driven
there through the services (never by setting state). Idempotent: a jurisdiction that already has
demo projects is left alone.

Also creates one member-reviewer account per reviewing unit (`<prefix>_reviewer_<kind>`), so every
opinion task the packs route has someone to answer it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from govit import policy
from govit.core.demo import DEMO_JURISDICTIONS, DEMO_PASSWORD, DemoJurisdiction, demo_username
from govit.core.models import Jurisdiction, Role, RoleAssignment, Unit, UnitKind, User
from govit.core.services import role_assign
from govit.policy.legal import quarter_end
from govit.projects import lifecycle
from govit.projects.models import Project, ProjectState

S = ProjectState
REVIEWING_KINDS = (
    UnitKind.NETSEC, UnitKind.SECRECY_CRYPTO, UnitKind.FINANCE, UnitKind.POLICE, UnitKind.DEVELOPMENT_REFORM,
    UnitKind.APPROVAL_BUREAU, UnitKind.ECONOMY_IT, UnitKind.AUDIT, UnitKind.ARCHIVES, UnitKind.DATA_BUREAU,
)

# Facts under which each pack lets an ordinary 300万 local-fiscal software project through.
BASE_FACTS: dict[str, Any] = {
    "category": "new",
    "delivery": "self_build",
    "procurement_kind": "software",
    "classified": False,
    "total_investment_wan": 300,
    "annual_om_wan": 20,
    "funding_sources": ["local_fiscal"],
    "on_gov_cloud": True,
    "on_gov_network": True,
    "service_kind": "public_service",
    "connected_to_sharing_platform": True,
    "connected_to_office_platform": True,
    "provides_data_interface": True,
    "resource_catalog": True,
    "sharing_analysis_chapter": True,
    "shares_data_as_required": True,
    "requirements_clear": True,
    "performance_goals_clear": True,
    "internal_integration_done": True,
    "data_survey_done": True,
    "industry_dept_approved": True,
    "security": {"mlps_level": 3, "mlps_compliant": True, "crypto_compliant": True, "major_risk": False,
                 "key_parts_certified": True, "domestic_products": True, "secure_reliable_products": True},
    "contract": {"build_months": 12, "free_om_months": 12, "hardware_term_years": 5, "om_service_years": 1},
}


def sample_docx(text: str = "govit 演示材料") -> bytes:
    """A minimal valid DOCX (enough for the content sniffer and for Word to open); for a 建议书 or 可研
    code, a document whose headings follow 通州 附件2 / 附件3, so the outline check passes."""
    code = text.rsplit(" ", 1)[-1]
    if code in ("proposal", "feasibility_study"):
        from govit.projects.outline_check import check_spec, outline_docx

        spec = check_spec(policy.load_pack("tongzhou-2023").data, code)
        if spec is not None:
            return outline_docx(spec["outline_spec"], spec.get("numbering"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Fixed entry times: the same text always gives the same bytes (and the same digest), so a
        # demo reload and a test comparing a download with its upload never differ by a second.
        def entry(name: str) -> zipfile.ZipInfo:
            return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))

        archive.writestr(entry("[Content_Types].xml"), (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
            '+xml"/></Types>'))
        archive.writestr(entry("_rels/.rels"), (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        archive.writestr(entry("word/document.xml"), (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'))
    return buffer.getvalue()


def reviewer_username(prefix: str, kind: str) -> str:
    return f"{prefix}_reviewer_{kind}"


def ensure_reviewer_accounts(*, password_hash: str | None = None) -> int:
    """One member-reviewer account per reviewing unit of each demo jurisdiction. Idempotent."""
    created = 0
    for spec in DEMO_JURISDICTIONS:
        jurisdiction = Jurisdiction.objects.filter(code=spec.code).first()
        if jurisdiction is None:
            continue
        for unit in Unit.objects.filter(jurisdiction=jurisdiction, kind__in=REVIEWING_KINDS):
            if RoleAssignment.objects.filter(role=Role.MEMBER_REVIEWER, unit=unit).exists():
                continue
            username = reviewer_username(spec.prefix, unit.kind)
            user = User.objects.filter(username=username).first()
            if user is None:
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                user = User.objects.create(username=username, full_name=f"{unit.name}审查员（演示）",
                                           password=password_hash)
                created += 1
            role_assign(user=user, role=Role.MEMBER_REVIEWER, jurisdiction=jurisdiction, unit=unit, actor=None,
                        actor_name="govit demo")
    return created


# --- driving a project through the services --------------------------------------------------

# Days before today each dated step of a project happened, by the stage the project is left at. One left
# in an earlier stage is recent; every project applies for acceptance within half a year of completion
# (通州 第三十条) and after 3 months of trial run (巴中 第二十八条). A project that reaches 自评价 went live in
# the middle of its pack's window before today (通州 6–12 个月, 巴中 / 昆都仑 12–24 个月): see `_evaluated`.
EVALUATED_BEFORE_GO_LIVE = {"approved": 400, "procurement_started": 380, "construction_started": 370,
                            "completed": 120, "trial_started": 120, "acceptance_requested": 20, "accepted": 10,
                            "go_live": 0}
DATE_PLANS: dict[str, dict[str, int]] = {
    S.IN_OPERATION: {"approved": 420, "procurement_started": 400, "construction_started": 390, "completed": 220,
                     "trial_started": 220, "acceptance_requested": 110, "accepted": 100, "go_live": 20},
    S.ACCEPTED: {"approved": 400, "procurement_started": 380, "construction_started": 370, "completed": 200,
                 "trial_started": 200, "acceptance_requested": 100, "accepted": 30},
    S.PRE_ACCEPTANCE: {"approved": 360, "procurement_started": 340, "construction_started": 330, "completed": 150,
                       "trial_started": 150},
    S.TRIAL_RUN: {"approved": 300, "procurement_started": 280, "construction_started": 270, "completed": 40,
                  "trial_started": 40},
}
RECENT = {"approved": 200, "procurement_started": 180, "construction_started": 170}


def decider_user(project: Project, stage: str, route: str | None = None) -> User:
    """A demo user who may take the step: the body the pack names for it (行政审批局, 发改委 …)."""
    from govit.projects.authority import BODY_UNIT_KINDS, ROLE_DECIDERS, deciders

    for entry in deciders(project.pack_id, stage, route):
        by = entry["by"]
        if by in ROLE_DECIDERS:
            ra = RoleAssignment.objects.filter(role=ROLE_DECIDERS[by], jurisdiction=project.jurisdiction)
            if by == "applicant":
                ra = ra.filter(unit=project.unit)
        else:
            ra = RoleAssignment.objects.filter(jurisdiction=project.jurisdiction, unit__kind__in=BODY_UNIT_KINDS[by],
                                               role__in=(Role.MEMBER_REVIEWER, Role.LEAD_OFFICE))
        found = ra.select_related("user").order_by("pk").first()
        if found is not None:
            return found.user
    return User.objects.get(username=demo_username(
        next(s.prefix for s in DEMO_JURISDICTIONS if s.code == project.jurisdiction.code), Role.LEAD_OFFICE))


class DemoDriver:
    """Moves one project forward step by step, as the right demo users, through the services."""

    def __init__(self, spec: DemoJurisdiction, plan_holder: dict[str, Any]):
        self.spec = spec
        self.jurisdiction = Jurisdiction.objects.get(code=spec.code)
        self.applicant = User.objects.get(username=demo_username(spec.prefix, Role.APPLICANT))
        self.lead = User.objects.get(username=demo_username(spec.prefix, Role.LEAD_OFFICE))
        self.leadership = User.objects.get(username=demo_username(spec.prefix, Role.LEADERSHIP))
        self.plan_holder = plan_holder
        self.pack_id = spec.pack_id
        # The demo (not the tests that reuse these steps) files quarterly reports as projects go by;
        # projects left standing in construction keep their latest one unfiled, so the supervision pages
        # show what an overdue obligation looks like.
        self.file_reports = False
        self.latest_report_unfiled: set[int] = set()
        # The stage each project is driven to (its dates follow DATE_PLANS); default: the whole lifecycle.
        self.targets: dict[int, str] = {}

    def _evaluated(self) -> dict[str, int]:
        """Dates of a project that is evaluated today: it went live mid-way through the pack's window ago."""
        window = next((d["window"] for d in policy.load_pack(self.pack_id).data.get("deadlines", [])
                       if d["code"] == "self_evaluation_window"), None)
        months = 6.0
        if window:
            params = policy.load_pack(self.pack_id).parameters
            months = (params[window["from_months"]["param"]]["value"]
                      + params[window["until_months"]["param"]]["value"]) / 2
        live = round(months * 30.5)
        return {name: live + days for name, days in EVALUATED_BEFORE_GO_LIVE.items()}

    def on(self, project: Project, name: str) -> date:
        """The date the demo gives the project's dated step `name`."""
        target = self.targets.get(project.pk, S.EVALUATED)
        plan = self._evaluated() if target == S.EVALUATED else DATE_PLANS.get(target, RECENT)
        days = plan.get(name, RECENT.get(name, 0))
        return timezone.localdate() - timedelta(days=days)

    def upload(self, project: Project, codes: list[str], actor: User | None = None) -> None:
        from govit.projects.services import material_upload

        for code in codes:
            material_upload(project=project, actor=actor or self.applicant, doc_code=code, filename=f"{code}.docx",
                            data=sample_docx(f"{project.name} {code}"))

    def file_quarterly_reports(self, project: Project) -> None:
        """Quarterly progress and yearly performance reports for each period ended since approval, where the
        pack asks for them (通州 第十九条、第二十六条, 巴中 第四十一条)."""
        from govit.projects.services import progress_report_submit

        codes = {d["code"] for d in policy.load_pack(self.pack_id).data.get("deadlines", [])}
        if not self.file_reports:
            return
        today = timezone.localdate()
        approved = date.fromisoformat(project.facts["dates"]["approved"])
        if "performance_report_due" in codes:
            for year in range(approved.year, today.year):
                progress_report_submit(project=project, actor=self.applicant, kind="yearly", period=str(year),
                                       performance="建设进度和投资计划按期执行。")
        if "progress_report_due" not in codes:
            return
        ends, end = [], quarter_end(approved)
        while end < today:
            ends.append(end)
            end = quarter_end(end + timedelta(days=1))
        if project.pk in self.latest_report_unfiled:
            ends = ends[:-1]
        for end in ends:
            progress_report_submit(
                project=project, actor=self.applicant, kind="quarterly", period=f"{end.year}Q{(end.month + 2) // 3}",
                procedures="立项批复已取得。", tendering="已完成公开招标。", implementation="按计划推进。",
            )

    def answer_tasks(self, project: Project) -> None:
        """Every open opinion task, phase after phase; the experts' one by a drawn panel where the pack wants it."""
        from govit.reviews.models import OpinionTask, ReviewBody, TaskStatus
        from govit.reviews.services import opinion_submit

        drawn = (policy.load_pack(self.pack_id).data.get("expert_panel") or {}).get("drawn")
        while True:
            tasks = list(OpinionTask.objects.filter(project=project, status=TaskStatus.OPEN).select_related("unit"))
            if not tasks:
                return
            for task in tasks:
                if task.body == ReviewBody.EXPERTS and drawn:
                    from govit.experts.demo import drawn_panel_review

                    drawn_panel_review(project, self.lead)
                    continue
                if task.unit is None or task.unit.kind == UnitKind.LEAD_OFFICE:
                    signer = self.lead
                elif task.unit.kind == UnitKind.GOVERNMENT:
                    signer = self.leadership
                else:
                    signer = User.objects.filter(role_assignments__role=Role.MEMBER_REVIEWER,
                                                 role_assignments__unit=task.unit).first()
                opinion_submit(task=task, actor=signer, opinion="agree", comments="")
            project.refresh_from_db()

    def plan(self) -> Any:
        from govit.planning.models import AnnualPlan
        from govit.planning.services import plan_create

        if "plan" not in self.plan_holder:
            year = timezone.localdate().year + 1
            plan = AnnualPlan.objects.filter(jurisdiction=self.jurisdiction, year=year).first()
            self.plan_holder["plan"] = plan or plan_create(jurisdiction=self.jurisdiction, year=year, actor=self.lead)
        return self.plan_holder["plan"]

    def steps(self) -> list[tuple[str, Callable[[Project], None]]]:
        """(stage reached, step) in the pack's order."""
        from govit.projects import services as ps
        from govit.projects.selectors import determination, project_evaluation
        from govit.reviews.services import review_route

        pack = self.pack_id
        sequence = lifecycle.main_sequence(pack)
        result: list[tuple[str, Callable[[Project], None]]] = []

        def submit(p: Project) -> None:
            from govit.projects.selectors import application_checklist

            self.upload(p, application_checklist(p)[0])
            ps.project_submit(project=p, actor=self.applicant)

        def preliminary(p: Project) -> None:
            ps.preliminary_review_start(project=p, actor=decider_user(p, S.PRELIMINARY_REVIEW))
            self.answer_tasks(p)

        def route(p: Project) -> None:
            review_route(project=p, actor=decider_user(p, S.UNDER_REVIEW))
            self.answer_tasks(p)

        def planned(p: Project) -> None:
            from govit.planning.services import plan_item_add

            plan_item_add(plan=self.plan(), project=p, actor=self.lead)

        def approve(p: Project) -> None:
            evaluation = project_evaluation(p)
            route_value, _ = determination(evaluation, "review_route")
            docs, _ = determination(evaluation, "approval_documents")
            self.upload(p, list(docs or []))
            ps.approval_decide(project=p, actor=decider_user(p, S.APPROVED, route_value), decision="approve",
                               document_no="演示批复〔2026〕1号", approved_on=self.on(p, "approved"))

        def construction(p: Project) -> None:
            from govit.projects.services.construction import supervision_rule

            _value, rule, _ = supervision_rule(p, project_evaluation(p))
            self.upload(p, list(rule.get("documents", [])))
            if rule.get("request_to"):
                ps.supervision_service_request(project=p, actor=self.applicant, note="申请统一监理服务。")
            ps.construction_start(project=p, actor=self.applicant, started_on=self.on(p, "construction_started"))
            self.file_quarterly_reports(p)

        def completion(p: Project) -> None:
            ps.completion_report(project=p, actor=self.applicant, completed_on=self.on(p, "completed"),
                                 trial_started_on=self.on(p, "trial_started"))

        def pre_acceptance(p: Project) -> None:
            entry = lifecycle.checklist(pack, "pre_acceptance") or {}
            if S.TRIAL_RUN not in sequence:
                completion(p)
            self.upload(p, list(entry.get("documents", [])))
            ps.pre_acceptance_request(project=p, actor=self.applicant)

        def accepted(p: Project) -> None:
            if p.state == S.PRE_ACCEPTANCE:
                ps.pre_acceptance_decide(project=p, actor=decider_user(p, S.PRE_ACCEPTANCE), decision="pass")
            docs, _ = determination(project_evaluation(p), "acceptance_documents")
            self.upload(p, list(docs or []))
            ps.acceptance_request(project=p, actor=self.applicant, requested_on=self.on(p, "acceptance_requested"))
            ps.acceptance_decide(project=p, actor=decider_user(p, S.ACCEPTED), decision="pass",
                                 accepted_on=self.on(p, "accepted"))

        actions: dict[str, Callable[[Project], None]] = {
            S.SUBMITTED: submit,
            S.PRELIMINARY_REVIEW: preliminary,
            S.IN_LIBRARY: lambda p: ps.preliminary_review_decide(project=p, actor=decider_user(p, S.IN_LIBRARY),
                                                                 decision="accept"),
            S.PLANNED: planned,
            S.UNDER_REVIEW: route,
            S.APPROVED: approve,
            S.FILED: lambda p: ps.filing_record(project=p, actor=decider_user(p, S.FILED)),
            S.PROCUREMENT: lambda p: ps.procurement_start(project=p, actor=self.applicant,
                                                          started_on=self.on(p, "procurement_started")),
            S.CONSTRUCTION: construction,
            S.TRIAL_RUN: completion,
            S.PRE_ACCEPTANCE: pre_acceptance,
            S.ACCEPTED: accepted,
            S.IN_OPERATION: lambda p: ps.go_live_record(project=p, actor=self.applicant,
                                                        go_live_on=self.on(p, "go_live")),
            S.EVALUATED: lambda p: ps.self_evaluation_submit(
                project=p, actor=self.applicant, summary="绩效目标基本实现，系统运行平稳。", goals_met=True
            ),
        }
        for stage in sequence[1:]:
            result.append((stage, actions[stage]))
        return result


STAGE_NAMES = {
    S.DRAFT: "政务服务事项库完善", S.SUBMITTED: "社区网格化治理平台", S.PRELIMINARY_REVIEW: "智慧养老服务平台",
    S.IN_LIBRARY: "校园安全监测系统", S.PLANNED: "电子证照共享应用", S.UNDER_REVIEW: "基层减负填报平台",
    S.APPROVED: "12345热线智能分派", S.FILED: "政务数据目录系统", S.PROCUREMENT: "公共卫生应急指挥系统",
    S.CONSTRUCTION: "不动产登记一网通办", S.TRIAL_RUN: "智慧教育资源平台", S.PRE_ACCEPTANCE: "惠民资金监管平台",
    S.ACCEPTED: "政务外网安全监测", S.IN_OPERATION: "统一身份认证平台", S.EVALUATED: "协同办公系统",
}


def _drive_jurisdiction(spec: DemoJurisdiction) -> int:
    from govit.projects.services import project_create

    holder: dict[str, Any] = {}
    driver = DemoDriver(spec, holder)
    steps = driver.steps()
    targets = [S.DRAFT] + [stage for stage, _ in steps]
    projects: list[tuple[Project, str]] = []
    for target in targets:
        name = f"{spec.short}{STAGE_NAMES.get(target, target)}（演示）"
        project = project_create(actor=driver.applicant, name=name, facts=dict(BASE_FACTS),
                                 year_amounts=[{"year": timezone.localdate().year + 1, "planned_wan": 300}])
        projects.append((project, target))
        driver.targets[project.pk] = target
    driver.file_reports = True
    driver.latest_report_unfiled = {project.pk for project, target in projects if target == S.CONSTRUCTION}
    plan_index = next((i for i, (stage, _) in enumerate(steps) if stage == S.PLANNED), None)
    for index, (_stage, step) in enumerate(steps):
        movers = [p for p, target in projects if targets.index(target) > index]
        for project in movers:
            step(project)
        if index == plan_index:
            from govit.planning.services import plan_approve, plan_submit

            plan = driver.plan()
            plan_submit(plan=plan, actor=driver.lead)
            plan_approve(plan=plan, actor=driver.leadership)
            # Plan items moved the projects: reload them.
            for project, _ in projects:
                project.refresh_from_db()
    # Projects that stop before construction have reported on their quarters too.
    for project, target in projects:
        if target in (S.APPROVED, S.FILED, S.PROCUREMENT):
            project.refresh_from_db()
            driver.file_quarterly_reports(project)
    return len(projects)


def load_projects_demo(*, stdout: TextIO) -> None:
    """Reviewer accounts, then one project per stage per demo jurisdiction (skipped if present)."""
    created_accounts = ensure_reviewer_accounts()
    made = 0
    for spec in DEMO_JURISDICTIONS:
        if Project.objects.filter(jurisdiction__code=spec.code, name__endswith="（演示）").exists():
            continue
        with transaction.atomic():
            made += _drive_jurisdiction(spec)
    stdout.write(
        f"演示项目：新建 {made} 个；新建审查员账号 {created_accounts} 个（用户名 <前缀>_reviewer_<单位类型>）。\n"
    )
