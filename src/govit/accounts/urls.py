"""URLs of the account security pages under /accounts/."""

from django.urls import path

from govit.accounts import units, views, views_admin, views_tokens

app_name = "accounts"

urlpatterns = [
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("otp/setup/", views.otp_setup, name="otp-setup"),
    path("password/change/", views.password_change, name="password-change"),
    path("tokens/", views_tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_tokens.token_revoke, name="token-revoke"),
    path("grants/", views_admin.grants, name="grants"),
    path("users/<int:user_id>/password-reset/", views_admin.user_password_reset, name="user-password-reset"),
    path("users/<int:user_id>/unlock/", views_admin.user_unlock, name="user-unlock"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke, name="role-revoke"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/active/", views.user_active, name="user-active"),
    path("users/<int:user_id>/otp-reset/", views.user_otp_reset, name="user-otp-reset"),
    path("units/", units.units, name="units"),
    path("units/users/<int:user_id>/initial-password/", units.initial_password, name="user-initial-password"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.<slug:fmt>", views.audit_export, name="audit-export"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
]
