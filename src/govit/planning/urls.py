"""URLs of the annual plan pages under /plans/."""

from django.urls import path

from govit.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/<slug:action>/", views.plan_action, name="action"),
]
