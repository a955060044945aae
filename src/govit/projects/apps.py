from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "govit.projects"
    label = "projects"
    verbose_name = "项目"

    def ready(self) -> None:
        from govit.core.demo import register_demo_loader
        from govit.projects.demo import load_projects_demo

        register_demo_loader(load_projects_demo, order=100)

        from govit.core.models import Role
        from govit.projects.selectors import lead_office_inbox_count
        from govit.web.navigation import register_nav_item

        register_nav_item(label="我的项目", url_name="projects:list", roles={Role.APPLICANT}, order=10)
        register_nav_item(label="新建项目", url_name="projects:new", roles={Role.APPLICANT}, order=11)
        register_nav_item(label="待办", url_name="projects:inbox", roles={Role.LEAD_OFFICE}, order=10,
                          count=lead_office_inbox_count, audited=True)
        register_nav_item(label="项目", url_name="projects:list",
                          roles={Role.LEAD_OFFICE, Role.LEADERSHIP}, order=12)
        register_nav_item(label="项目总览", url_name="projects:portfolio", roles={Role.LEADERSHIP}, order=11)
