"""URLs of the project pages under /projects/."""

from django.urls import path

from govit.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_new, name="new"),
    path("new/precheck/", views.precheck_new, name="precheck-new"),
    path("inbox/", views.inbox, name="inbox"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/precheck/", views.precheck_edit, name="precheck-edit"),
    path("<int:pk>/do/<slug:slug>/", views.project_action, name="action"),
    path("<int:pk>/materials/", views.material_upload, name="upload"),
    path("<int:pk>/materials/<int:material_id>/", views.material_download, name="download"),
    path("<int:pk>/application-form.docx", views.application_form, name="application-form"),
    path("<int:pk>/reports/new/", views.report_new, name="report-new"),
    path("<int:pk>/changes/new/", views.change_new, name="change-new"),
    path("<int:pk>/changes/preview/", views.change_preview_partial, name="change-preview"),
    path("<int:pk>/changes/<int:change_id>/decide/", views.change_decide, name="change-decide"),
]
