from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "govit.planning"
    label = "planning"
    verbose_name = "年度计划"

    def ready(self) -> None:
        from govit.core.audit_actions import register_audit_action
        from govit.core.demo import register_demo_loader
        from govit.core.models import Role
        from govit.planning.demo import load_proposal_demo
        from govit.planning.selectors import plans_awaiting_decision_count
        from govit.web.navigation import register_nav_item

        register_nav_item(label="年度计划", url_name="planning:list", roles={Role.LEAD_OFFICE, Role.LEADERSHIP},
                          order=20, count=plans_awaiting_decision_count, audited=True)
        register_audit_action("plan.proposal_adopt", "按年度计划建议方案编入计划")
        # After the projects demo (100): the 通州 reserve pool for the year after next, planned from the proposal.
        register_demo_loader(load_proposal_demo, order=150)
