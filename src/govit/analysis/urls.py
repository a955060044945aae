from django.urls import path

from govit.analysis import views

app_name = "analysis"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("scan/", views.scan, name="scan"),
    path("findings/<int:finding_id>/decide/", views.decide, name="decide"),
    path("systems/", views.systems, name="systems"),
    path("systems/new/", views.system_new, name="system-new"),
    path("systems/<int:system_id>/", views.system_edit, name="system-edit"),
    path("import/", views.inventory_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<int:import_id>/", views.import_job, name="import-job"),
    path("precheck/", views.precheck_duplicates, name="precheck"),
]
