"""URLs of the 系统对接 pages under /integrations/."""

from django.urls import path

from govit.integrations import views

app_name = "integrations"

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>/disable/", views.webhook_disable, name="webhook-disable"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
