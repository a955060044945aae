"""URLs of the expert library pages under /experts/."""

from django.urls import path

from govit.experts import views

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="list"),
    path("new/", views.expert_new, name="new"),
    path("import/", views.expert_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<int:job_id>/", views.import_job, name="import-job"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/new/", views.draw_new, name="draw-new"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw"),
    path("draws/<int:draw_id>/<slug:action>/", views.draw_action, name="draw-action"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/<int:member_id>/", views.review_page, name="review"),
    path("workspace/<int:member_id>/project/", views.review_project, name="review-project"),
    path("workspace/<int:member_id>/materials/<int:material_id>/", views.review_material, name="review-material"),
    path("fees/", views.fee_report_page, name="fees"),
]
