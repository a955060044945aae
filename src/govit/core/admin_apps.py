"""django.contrib.admin with govit's site (second factor, audited writes: govit.core.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class GovitAdminConfig(AdminConfig):
    default_site = "govit.core.admin_site.GovitAdminSite"
