from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "govit.reviews"
    label = "reviews"
    verbose_name = "审查意见"

    def ready(self) -> None:
        from govit.core.models import Role
        from govit.reviews.selectors import open_task_count
        from govit.web.navigation import register_nav_item

        register_nav_item(label="审查意见任务", url_name="reviews:tasks", roles={Role.MEMBER_REVIEWER}, order=10,
                          count=open_task_count, audited=True)
