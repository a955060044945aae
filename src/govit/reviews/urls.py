"""URLs of the opinion-task pages under /reviews/."""

from django.urls import path

from govit.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("<int:task_id>/", views.task_detail, name="task"),
]
