"""The activity log: append-only, one entry per state change, written in the same transaction."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    # Signing in and out, and one's own password.
    SIGNED_IN = "auth.signed_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    SIGN_IN_LOCKED = "auth.sign_in_locked", "Sign-in refused: locked out"
    SIGNED_OUT = "auth.signed_out", "Signed out"
    SESSION_EXPIRED = "auth.session_expired", "Session ended (12-hour limit)"
    PASSWORD_CHANGED = "auth.password_changed", "Changed own password"
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested", "Asked for a password reset"
    PASSWORD_SET_FROM_LINK = "auth.password_set_from_link", "Set password from emailed link"
    # Multi-factor sign-in (services/mfa.py).
    MFA_ENROLLED = "auth.mfa_enrolled", "Authenticator app added"
    MFA_REMOVED = "auth.mfa_removed", "Authenticator app removed"
    RECOVERY_CODES_GENERATED = "auth.recovery_codes_generated", "Recovery codes generated"
    RECOVERY_CODE_USED = "auth.recovery_code_used", "Signed in with a recovery code"
    MFA_FAILED = "auth.mfa_failed", "Second sign-in step failed"
    # Platform operators (the Django admin).
    PARTNER_CREATED = "partners.created", "Partner created with its first Global admin"
    MFA_POLICY_CHANGED = "partners.mfa_policy_changed", "Multi-factor sign-in requirement changed"
    # User management.
    USER_CREATED = "users.created", "User created"
    USER_UPDATED = "users.updated", "User details changed"
    ROLES_CHANGED = "users.roles_changed", "Roles changed"
    USER_DEACTIVATED = "users.deactivated", "User deactivated"
    USER_REACTIVATED = "users.reactivated", "User reactivated"
    PASSWORD_RESET = "users.password_reset", "Password reset by an admin"
    MFA_RESET = "users.mfa_reset", "Multi-factor sign-in reset by an admin"
    # Customers and relationships.
    CUSTOMER_CREATED = "customers.created", "Customer added"
    RELATIONSHIP_REMOVED = "relationships.removed", "Reseller relationship removed"
    REQUEST_CREATED = "relationships.request_created", "Relationship request created"
    REQUEST_SENT = "relationships.request_sent", "Relationship request emailed"
    REQUEST_REVOKED = "relationships.request_revoked", "Relationship request revoked"
    REQUEST_EXPIRED = "relationships.request_expired", "Relationship request expired"
    REQUEST_ACCEPTED = "relationships.request_accepted", "Relationship request accepted"
    REQUEST_DECLINED = "relationships.request_declined", "Relationship request declined"
    # Subscriptions.
    SUBSCRIPTION_ENTERED = "subscriptions.entered", "Subscription entered by hand"
    SEATS_CHANGED = "subscriptions.seats_changed", "Seats changed"
    AUTO_RENEW_CHANGED = "subscriptions.auto_renew_changed", "Auto-renew changed"
    SUBSCRIPTION_SUSPENDED = "subscriptions.suspended", "Subscription suspended"
    SUBSCRIPTION_REACTIVATED = "subscriptions.reactivated", "Subscription reactivated"
    SUBSCRIPTION_CANCELLED = "subscriptions.cancelled", "Subscription cancelled"
    # Azure onboarding and planned moves.
    ONBOARDING_STARTED = "onboarding.started", "Azure onboarding started"
    ONBOARDING_SOURCE_CONFIRMED = "onboarding.source_confirmed", "Existing subscription confirmed"
    ONBOARDING_SUBSCRIPTION_CREATED = (
        "onboarding.subscription_created",
        "Azure subscription created under us",
    )
    ONBOARDING_SERVICES_RECORDED = "onboarding.services_recorded", "Services to move recorded"
    ONBOARDING_FINISHED = "onboarding.finished", "Azure onboarding finished"
    MOVE_PLANNED = "moves.planned", "Move planned for the term end"
    MOVE_UPDATED = "moves.updated", "Planned move checklist updated"
    MOVE_DUE = "moves.due", "Planned move due: reminder sent"
    MOVE_DONE = "moves.done", "Planned move done"
    MOVE_CANCELLED = "moves.cancelled", "Planned move cancelled"
    # Transfers between partners.
    TRANSFER_CREATED = "transfers.created", "Transfer request created"
    TRANSFER_ACCEPTED = "transfers.accepted", "Transfer request accepted"
    TRANSFER_COMPLETED = "transfers.completed", "Transfer completed"
    TRANSFER_DECLINED = "transfers.declined", "Transfer request declined"
    TRANSFER_CANCELLED = "transfers.cancelled", "Transfer request cancelled"
    TRANSFER_EXPIRED = "transfers.expired", "Transfer request expired"
    # Support requests.
    SUPPORT_FILED = "support.filed", "Support request filed"
    SUPPORT_NOTE_ADDED = "support.note_added", "Note added to a support request"
    SUPPORT_STATUS_CHANGED = "support.status_changed", "Support request status changed"
    SUPPORT_ASSIGNED = "support.assigned", "Support request assigned"
    # The log itself.
    ACTIVITY_EXPORTED = "activity.exported", "Activity log exported"

    @property
    def category(self) -> str:
        return self.value.split(".", 1)[0]


class Category(models.TextChoices):
    AUTH = "auth", "Sign-in and passwords"
    PARTNERS = "partners", "Partner account"
    USERS = "users", "User management"
    CUSTOMERS = "customers", "Customers"
    RELATIONSHIPS = "relationships", "Relationships"
    SUBSCRIPTIONS = "subscriptions", "Subscriptions"
    ONBOARDING = "onboarding", "Azure onboarding"
    MOVES = "moves", "Planned moves"
    TRANSFERS = "transfers", "Transfers"
    SUPPORT = "support", "Support"
    ACTIVITY = "activity", "Activity log"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Succeeded"
    FAILURE = "failure", "Failed"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an activity-log entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Activity-log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Activity-log entries cannot be deleted.")


class AuditEntry(models.Model):
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        "multichannel.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    customer = models.ForeignKey(
        "multichannel.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The customer the change concerns, if any.",
    )
    action = models.CharField(max_length=64, choices=Action.choices)
    category = models.CharField(max_length=32, choices=Category.choices)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    old_values = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    new_values = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "activity-log entry"
        verbose_name_plural = "activity-log entries"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("view_all_auditentries", "See every activity-log entry of the partner")]
        indexes = [
            models.Index(fields=["partner", "-created_at", "-id"], name="audit_partner_time"),
            models.Index(
                fields=["partner", "category", "-created_at"], name="audit_partner_category_time"
            ),
            models.Index(
                fields=["partner", "actor", "-created_at"], name="audit_partner_actor_time"
            ),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(
                fields=["partner", "customer", "-created_at"], name="audit_partner_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Activity-log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Activity-log entries cannot be deleted.")

    @property
    def action_label(self) -> str:
        """What `get_action_display` says, read from a table built once: Django's rebuilds it
        from the long list of actions on every call, and the log shows many entries."""
        return _ACTION_LABELS.get(self.action, self.action)

    @property
    def changes(self) -> list[tuple[str, str | None, str | None]]:
        """(field, old, new) for every field named in either side, as text for display."""
        keys = list(dict.fromkeys([*self.old_values, *self.new_values]))
        return [
            (k.replace("_", " "), _as_text(self.old_values, k), _as_text(self.new_values, k))
            for k in keys
        ]


_ACTION_LABELS = dict(Action.choices)


def _as_text(values: dict, key: str) -> str | None:
    if key not in values:
        return None
    value = values[key]
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
