from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from multichannel.models import (
    AuditEntry,
    AzureOnboarding,
    AzureService,
    Customer,
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
    Partner,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RoleGroup,
    Subscription,
    SupportAttachment,
    SupportGroupObjectPermission,
    SupportNote,
    SupportRequest,
    SupportUserObjectPermission,
    TransferGroupObjectPermission,
    TransferLineItem,
    TransferRequest,
    TransferUserObjectPermission,
    User,
)


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
    view_on_site = False  # a user's page in the portal is for their partner's admins
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


# --- Domain models: for platform operators. Lists stay fast on large tables: related objects
# are joined, not fetched per row, and the full count is not computed.


class FastListAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50
    # The portal's pages are for the partner's own employees, not for platform operators.
    view_on_site = False


@admin.register(Customer)
class CustomerAdmin(FastListAdmin):
    list_display = ["company_name", "primary_domain", "tenant_id", "country", "cloud", "created_at"]
    list_filter = ["cloud"]
    search_fields = ["company_name", "primary_domain"]
    readonly_fields = ["uuid", "created_at"]
    raw_id_fields = ["created_by_partner"]


@admin.register(Relationship)
class RelationshipAdmin(FastListAdmin):
    list_display = ["partner", "customer", "status", "delegated_admin_until", "started_at"]
    list_filter = ["status", "partner"]
    list_select_related = ["partner", "customer"]
    search_fields = ["customer__company_name"]
    raw_id_fields = ["customer", "created_by", "removed_by"]


@admin.register(Subscription)
class SubscriptionAdmin(FastListAdmin):
    list_display = [
        "offer_name",
        "customer",
        "billing_type",
        "channel",
        "partner_of_record",
        "status",
        "term_end",
    ]
    list_filter = ["billing_type", "channel", "status", "commerce_type"]
    list_select_related = ["customer", "partner_of_record"]
    search_fields = ["offer_name", "customer__company_name"]
    raw_id_fields = ["customer", "created_by"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(RelationshipRequest)
class RelationshipRequestAdmin(FastListAdmin):
    list_display = ["company_name", "partner", "status", "created_at", "expires_at"]
    list_filter = ["status", "partner"]
    list_select_related = ["partner"]
    search_fields = ["company_name", "domain"]
    raw_id_fields = ["customer", "created_by", "revoked_by"]
    readonly_fields = ["uuid", "token_nonce", "token_hash"]


@admin.register(AzureOnboarding)
class AzureOnboardingAdmin(FastListAdmin):
    list_display = ["customer", "partner", "source", "status", "reached", "updated_at"]
    list_filter = ["status", "partner"]
    list_select_related = ["customer", "partner", "source"]
    raw_id_fields = ["customer", "source", "new_subscription", "created_by", "updated_by"]


@admin.register(AzureService)
class AzureServiceAdmin(FastListAdmin):
    list_display = ["name", "onboarding", "disposition", "cancelled_at"]
    raw_id_fields = ["onboarding"]


@admin.register(PlannedMove)
class PlannedMoveAdmin(FastListAdmin):
    list_display = ["subscription", "customer", "partner", "status", "term_end", "remind_on"]
    list_filter = ["status", "partner"]
    list_select_related = ["subscription", "customer", "partner"]
    raw_id_fields = ["customer", "subscription", "created_by"]


class TransferLineItemInline(admin.TabularInline):
    model = TransferLineItem
    raw_id_fields = ["subscription"]
    extra = 0


@admin.register(TransferRequest)
class TransferRequestAdmin(FastListAdmin):
    list_display = ["customer", "source_partner", "target_partner", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["customer", "source_partner", "target_partner"]
    raw_id_fields = ["customer", "created_by", "answered_by", "cancelled_by"]
    inlines = [TransferLineItemInline]


class SupportNoteInline(admin.StackedInline):
    model = SupportNote
    raw_id_fields = ["author"]
    extra = 0


@admin.register(SupportRequest)
class SupportRequestAdmin(FastListAdmin):
    list_display = ["number", "title", "partner", "customer", "severity", "status", "created_at"]
    list_filter = ["status", "severity", "partner"]
    list_select_related = ["partner", "customer"]
    search_fields = ["title"]
    raw_id_fields = ["customer", "subscription", "created_by", "assigned_to"]
    inlines = [SupportNoteInline]


@admin.register(SupportAttachment)
class SupportAttachmentAdmin(FastListAdmin):
    list_display = ["name", "request", "size", "created_at"]
    raw_id_fields = ["request", "note", "uploaded_by"]


for permission_table in (
    CustomerUserObjectPermission,
    CustomerGroupObjectPermission,
    TransferUserObjectPermission,
    TransferGroupObjectPermission,
    SupportUserObjectPermission,
    SupportGroupObjectPermission,
):
    admin.site.register(
        permission_table,
        type(
            f"{permission_table.__name__}Admin",
            (FastListAdmin,),
            {
                "list_display": ["content_object", "permission"],
                "raw_id_fields": ["content_object"],
            },
        ),
    )


@admin.register(SupportNote)
class SupportNoteAdmin(FastListAdmin):
    list_display = ["request", "author", "created_at"]
    list_select_related = ["request", "author"]
    raw_id_fields = ["request", "author"]


@admin.register(TransferLineItem)
class TransferLineItemAdmin(FastListAdmin):
    list_display = ["transfer", "subscription", "status", "error"]
    list_filter = ["status"]
    list_select_related = ["transfer", "subscription"]
    raw_id_fields = ["transfer", "subscription"]
