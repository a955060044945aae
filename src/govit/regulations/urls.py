"""URLs of the policy pack pages under /regulations/."""

from django.urls import path

from govit.regulations import views

app_name = "regulations"

urlpatterns = [
    path("", views.pack_list, name="pack-list"),
    path("compare/", views.compare, name="compare"),
    path("precheck/", views.precheck, name="precheck"),
    path("<slug:pack_id>/", views.pack_detail, name="pack-detail"),
]
