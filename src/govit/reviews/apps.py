from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "govit.reviews"
    label = "reviews"
    verbose_name = "审查意见"
