"""URLs of the supervision pages."""

from django.urls import path

from govit.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="projects"),
]
