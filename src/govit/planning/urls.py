"""URLs of the annual plan pages under /plans/."""

from django.urls import path

from govit.planning import views, views_proposal
from govit.projects import views_exports

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("proposal/", views_proposal.proposal, name="proposal"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/plan.xlsx", views_exports.plan_export, name="export"),
    path("<int:plan_id>/<slug:action>/", views.plan_action, name="action"),
]
