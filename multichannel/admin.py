"""The Django admin: platform operators browse every partner's data here, read-only.

Nothing is added, changed or deleted through the admin's own forms: every change to partner
data goes through a service that checks it, locks what could race and records it in the
activity log. An operator's few tasks go through those same services: "Add partner" (a partner
and its first Global admin) and the users' actions "Deactivate" and "Reactivate".
"""

# What the apps before us registered (auth's groups, the sign-in lockouts) is made view-only below.
import axes.admin  # noqa: F401
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa, notifications, operators
from multichannel.forms.partners import NewPartnerForm
from multichannel.models import (
    AuditEntry,
    AzureOnboarding,
    AzureService,
    Customer,
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
    Partner,
    PlannedMove,
    RecoveryCode,
    RecoveryCodeDevice,
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
from multichannel.services import partners as partner_services
from multichannel.services import users as user_services
from multichannel.services.errors import RuleViolation

admin.site.disable_action("delete_selected")


def _operators_only(request) -> bool:
    """Partner employees use the portal, which shows them their own partner's data only. An
    operator signs in with a code too (django-otp's admin sign-in form: email, password and a
    code from their authenticator app or a static token), so the session must be verified."""
    return operators.is_operator(request.user) and mfa.is_verified(request.user)


class OperatorSignInForm(OTPAdminAuthenticationForm):
    """Email, password and a code: the code is checked against the operator's authenticator app
    unless another of their devices is chosen (the form offers the choice once the password
    is right)."""

    def _chosen_device(self, user):
        return super()._chosen_device(user) or mfa.authenticator(user)


admin.site.has_permission = _operators_only  # type: ignore[method-assign]
admin.site.login_form = OperatorSignInForm
admin.site.login_template = "otp/admin111/login.html"


class ReadOnly:
    """View only, for a model admin or an inline: partner data changes through the portal's
    services, which record every change. `operator_actions` names the only actions offered."""

    operator_actions: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        return {name: act for name, act in actions.items() if name in self.operator_actions}


SHOWN_ONCE = "admin_temporary_password"


@admin.register(Partner)
class PartnerAdmin(ReadOnly, admin.ModelAdmin):
    """ "Add partner" asks for the partner and its first Global admin and creates both through
    `services.partners.create_partner`; the partner's page then shows the one-time password."""

    list_display = ["name", "partner_id", "country", "cloud", "created_at"]
    list_filter = ["cloud", "country"]
    search_fields = ["name", "partner_id"]
    add_form_template = "admin/multichannel/partner/add_form.html"
    change_form_template = "admin/multichannel/partner/change_form.html"

    def has_add_permission(self, request, obj=None):
        return operators.may(request.user, operators.CREATE_PARTNERS)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NewPartnerForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                created = partner_services.create_partner(by=request.user, **form.cleaned_data)
            except RuleViolation as error:
                form.add_error(error.field, error.message)
            else:
                return self._created(request, created)
        fieldsets = [
            ("Partner", {"fields": NewPartnerForm.PARTNER_FIELDS}),
            ("Its first Global admin", {"fields": NewPartnerForm.ADMIN_FIELDS}),
        ]
        # The admin's helpers take any form; the stubs ask for a model form.
        admin_form = helpers.AdminForm(form, fieldsets, {}, model_admin=self)  # type: ignore[arg-type]
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a partner and its first Global admin",
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _created(self, request, created):
        partner, given = created.partner, created.global_admin
        if given.temporary_password:
            request.session[SHOWN_ONCE] = {
                "partner": partner.pk,
                "user": given.user.email,
                "password": given.temporary_password,
            }
            messages.success(request, f"{partner.name} was added; {given.user} can now sign in.")
        elif notifications.delivery_failed():
            messages.warning(
                request,
                f"{partner.name} was added, but the link to set a password could not be emailed "
                f"to {given.user.email}: the mail server did not take it. Once mail works, they "
                "can ask for a new link with “Forgot your password?” on the sign-in page.",
            )
        else:
            messages.success(
                request,
                f"{partner.name} was added; a link to set a password was emailed to "
                f"{given.user.email}.",
            )
        return redirect("admin:multichannel_partner_change", partner.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {**(extra_context or {})}
        shown = request.session.get(SHOWN_ONCE)
        if shown and str(shown.get("partner")) == str(object_id):
            context["temporary_password"] = request.session.pop(SHOWN_ONCE)
        context["users_url"] = (
            reverse("admin:multichannel_user_changelist") + f"?partner__id__exact={object_id}"
        )
        return super().change_view(request, object_id, form_url, context)


@admin.register(RoleGroup)
class RoleGroupAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["partner", "role", "group"]
    list_filter = ["role"]
    list_select_related = ["partner", "group"]
    readonly_fields = ["partner", "role", "group"]


@admin.register(User)
class UserAdmin(ReadOnly, BaseUserAdmin):
    """Operators deactivate or reactivate users with the list's actions (or the buttons on a
    user's page), through the same service as the portal's Users pages."""

    ordering = ["email"]
    view_on_site = False  # a user's page in the portal is for their partner's admins
    list_display = ["email", "full_name", "partner", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "partner"]
    list_select_related = ["partner"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["uuid", "password_state", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["uuid", "email", "password_state"]}),
        ("Person", {"fields": ["full_name", "partner"]}),
        (
            "Access",
            {"fields": ["is_active", "must_change_password", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    change_form_template = "admin/multichannel/user/change_form.html"
    actions = ["deactivate_users", "reactivate_users"]
    operator_actions = ("deactivate_users", "reactivate_users")

    @admin.display(description="Password")
    def password_state(self, user):
        if not user.has_usable_password():
            return "Not set yet (a link to set one was emailed)"
        if user.must_change_password:
            return "Temporary; must be changed at the next sign-in"
        return "Set by the user"

    def has_activate_permission(self, request):
        return operators.may(request.user, operators.ACTIVATE_USERS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            **(extra_context or {}),
            "may_activate": self.has_activate_permission(request),
        }
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description="Deactivate the selected users", permissions=["activate"])
    def deactivate_users(self, request, queryset):
        users = list(queryset.select_related("partner").order_by("email"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/multichannel/user/confirm_deactivate.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Deactivate users?",
                    "subtitle": None,
                    "opts": self.opts,
                    "users": users,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        self._set_active(request, users, active=False)
        return None

    @admin.action(description="Reactivate the selected users", permissions=["activate"])
    def reactivate_users(self, request, queryset):
        self._set_active(request, list(queryset), active=True)

    def _set_active(self, request, users, *, active: bool) -> None:
        """Through the users service: one activity entry per user changed; a user the rules
        keep as they are is named with the reason."""
        try:
            result = user_services.set_active_as_operator(
                by=request.user, users=users, active=active
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return
        for refusal in result.refused:
            messages.error(request, f"{refusal.user.email} is unchanged: {refusal.reason}")
        if result.changed:
            verb = "Reactivated" if active else "Deactivated"
            emails = ", ".join(user.email for user in result.changed)
            messages.success(request, f"{verb}: {emails}.")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
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


# --- Domain models: for platform operators. Lists stay fast on large tables: related objects
# are joined, not fetched per row, and the full count is not computed.


class FastListAdmin(ReadOnly, admin.ModelAdmin):
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


class TransferLineItemInline(ReadOnly, admin.TabularInline):
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


class SupportNoteInline(ReadOnly, admin.StackedInline):
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


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnly, BaseGroupAdmin):
    """A role group's permissions are its role's (roles.py), kept in line by migrations."""

    def get_queryset(self, request):
        permissions = Permission.objects.select_related("content_type")
        return super().get_queryset(request).prefetch_related(Prefetch("permissions", permissions))


def _read_only_everywhere(site: admin.AdminSite) -> None:
    """What other apps registered (auth's groups, the sign-in lockouts) is view-only too: a
    role group's permissions are the partner's roles, and a lockout ends on its own or when the
    user sets a new password from an emailed link."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ReadOnly):
            continue
        site.unregister(model)
        base = type(model_admin)
        site.register(model, type(f"ReadOnly{base.__name__}", (ReadOnly, base), {}))


# Multi-factor sign-in: who has which factor, never an authenticator app's key or a recovery
# code's hash (django-otp's own device admin, which shows the key, is replaced).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(FastListAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(FastListAdmin):
    list_display = ["user", "confirmed", "created_at"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at"]


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(FastListAdmin):
    list_display = ["device", "used_at"]
    list_select_related = ["device__user"]
    fields = ["device", "used_at"]


_read_only_everywhere(admin.site)
