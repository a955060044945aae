"""Django admin for core data. The audit log is read-only here; writes go through services."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from govit.core.models import ApiToken, AuditEntry, Jurisdiction, RoleAssignment, Unit, User


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "pack_ids")
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "jurisdiction")
    list_filter = ("jurisdiction", "kind")
    search_fields = ("name",)


class RoleAssignmentInline(admin.TabularInline):
    """Read-only: roles are granted only by a security administrator (services.role_assign, which
    also writes the role ledger); an edit here would be flagged by `govit roles verify`."""

    model = RoleAssignment
    extra = 0
    readonly_fields = ("role", "jurisdiction", "unit")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("govit", {"fields": ("full_name",)}))
    list_display = ("username", "full_name", "is_active", "last_login")
    search_fields = ("username", "full_name")
    inlines = (RoleAssignmentInline,)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued through services.api_token_create, which shows the raw token once


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "timestamp",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "source_ip",
    )
    list_filter = ("outcome", "action")
    search_fields = ("actor_name", "action", "object_repr")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
