from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "govit.analysis"
    label = "analysis"
    verbose_name = "重复建设与拆分分析"

    def ready(self) -> None:
        from govit.analysis.demo import load_analysis_demo
        from govit.core.audit_actions import register_audit_action
        from govit.core.demo import register_demo_loader
        from govit.core.models import Role
        from govit.web.navigation import register_nav_item

        # After the projects demo (100) and before the supervision sweep (900).
        register_demo_loader(load_analysis_demo, order=500)
        register_nav_item(label="重复建设与拆分分析", url_name="analysis:findings",
                          roles={Role.LEAD_OFFICE, Role.LEADERSHIP}, order=40)
        register_nav_item(label="存量系统台账", url_name="analysis:systems", roles={Role.LEAD_OFFICE}, order=41)
        for code, label in {
            "analysis.system_create": "登记存量系统",
            "analysis.system_update": "修改存量系统",
            "analysis.inventory_import": "导入存量台账",
            "analysis.scan": "重复建设与拆分比对",
            "analysis.finding_confirm": "确认分析结论",
            "analysis.finding_dismiss": "排除分析结论",
            "analysis.index": "更新相似度索引",
        }.items():
            register_audit_action(code, label)
