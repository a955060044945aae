from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "govit.projects"
    label = "projects"
    verbose_name = "项目"

    def ready(self) -> None:
        from govit.core.demo import register_demo_loader
        from govit.projects.demo import load_projects_demo

        register_demo_loader(load_projects_demo, order=100)
