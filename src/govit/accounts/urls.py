"""URLs of the account security pages under /accounts/."""

from django.urls import path

from govit.accounts import views

app_name = "accounts"

urlpatterns = [
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("otp/setup/", views.otp_setup, name="otp-setup"),
    path("password/change/", views.password_change, name="password-change"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke, name="role-revoke"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/active/", views.user_active, name="user-active"),
    path("users/<int:user_id>/otp-reset/", views.user_otp_reset, name="user-otp-reset"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.<slug:fmt>", views.audit_export, name="audit-export"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
]
