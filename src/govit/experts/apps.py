"""App config for govit.experts: navigation, audit labels, demo data and key rotation."""

from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "govit.experts"
    label = "experts"
    verbose_name = "专家库"

    def ready(self) -> None:
        from govit.core.audit_actions import register_audit_action
        from govit.core.demo import register_demo_loader
        from govit.core.keyrotation import register_key_rotator
        from govit.core.models import Role
        from govit.experts import selectors
        from govit.experts.demo import load_experts_demo
        from govit.experts.services import rotate_expert_keys
        from govit.web.navigation import register_nav_item

        register_nav_item(label="专家库", url_name="experts:list", roles={Role.LEAD_OFFICE}, order=200)
        register_nav_item(label="专家抽取", url_name="experts:draws", roles={Role.LEAD_OFFICE}, order=210)
        register_nav_item(label="专家费", url_name="experts:fees", roles={Role.LEAD_OFFICE}, order=220)
        register_nav_item(label="我的评审", url_name="experts:workspace", roles={Role.EXPERT}, order=200,
                          count=selectors.reviews_waiting_count, audited=True)
        for code, label in {
            "expert.create": "新增专家",
            "expert.update": "修改专家信息",
            "expert.import": "导入专家",
            "expert.reveal": "查看专家敏感信息",
            "expert.import_start": "上传专家导入文件",
            "expert_draw.commit": "专家抽取承诺（公布种子摘要）",
            "expert_draw.execute": "执行专家抽取（公开种子）",
            "expert_draw.accept": "专家确认参加评审",
            "expert_draw.decline": "专家谢绝评审（备选递补）",
            "expert_draw.open": "开始专家评审",
            "expert_draw.cancel": "取消专家抽取",
            "expert_draw.complete": "专家评审完成",
            "expert_review.sign": "专家签名评审意见",
            "expert_fee.record": "登记专家费",
            "keys.rotate": "密钥轮换（重新加密）",
            "expert.project_read": "评审专家查阅项目资料",
            "expert.material_read": "评审专家下载项目材料",
        }.items():
            register_audit_action(code, label)
        register_demo_loader(load_experts_demo, order=200)
        register_key_rotator("experts", rotate_expert_keys)
