"""URLs of the project pages under /projects/."""

from django.urls import path

from govit.projects import views, views_exports, views_followup

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
    path("<int:pk>/application-form/print/", views_exports.application_form_print, name="application-form-print"),
    path("<int:pk>/print/", views_exports.project_summary_print, name="summary-print"),
    path("export.xlsx", views_exports.project_list_xlsx, name="export-xlsx"),
    path("<int:pk>/reports/new/", views_followup.report_new, name="report-new"),
    path("<int:pk>/changes/new/", views_followup.change_new, name="change-new"),
    path("<int:pk>/changes/preview/", views_followup.change_preview_partial, name="change-preview"),
    path("<int:pk>/changes/<int:change_id>/decide/", views_followup.change_decide, name="change-decide"),
    path("<int:pk>/acceptance-extensions/new/", views_followup.extension_new, name="extension-new"),
    path("<int:pk>/acceptance-extensions/<int:extension_id>/decide/", views_followup.extension_decide,
         name="extension-decide"),
]
