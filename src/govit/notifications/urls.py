"""URLs of the notification centre (/notifications/) and 通知公告 (/notices/)."""

from django.urls import path

from govit.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.notification_read_all, name="read-all"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/withdraw/", views.notice_withdraw, name="notice-withdraw"),
    path("notices/<int:notice_id>/restore/", views.notice_restore, name="notice-restore"),
]
