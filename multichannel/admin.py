from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from multichannel.models import AuditEntry, Partner, RoleGroup, User


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_id", "country", "cloud", "created_at"]
    list_filter = ["cloud", "country"]
    search_fields = ["name", "partner_id"]


@admin.register(RoleGroup)
class RoleGroupAdmin(admin.ModelAdmin):
    list_display = ["partner", "role", "group"]
    list_filter = ["role"]
    list_select_related = ["partner", "group"]
    readonly_fields = ["partner", "role", "group"]

    def has_add_permission(self, request):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "partner", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "partner"]
    list_select_related = ["partner"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["uuid", "email", "password"]}),
        ("Person", {"fields": ["full_name", "partner"]}),
        (
            "Access",
            {"fields": ["is_active", "must_change_password", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "partner", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = ["groups"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the activity log is append-only."""

    list_display = [
        "created_at",
        "partner",
        "actor_label",
        "action",
        "target_label",
        "outcome",
        "ip_address",
    ]
    list_filter = ["category", "outcome", "action"]
    list_select_related = ["partner"]
    search_fields = ["actor_label", "target_label"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
