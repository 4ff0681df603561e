"""Switching Azure subscriptions between partners (rule 12): the target partner asks, the source
partner's Global admin accepts or declines, completion moves the partner of record."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from multichannel.urlutils import object_url

TRANSFER_LIFETIME = timedelta(days=30)


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


# The life cycle: which status may follow which (anything else is refused).
TRANSITIONS = {
    TransferStatus.PENDING: {
        TransferStatus.ACCEPTED,
        TransferStatus.DECLINED,
        TransferStatus.CANCELLED,
        TransferStatus.EXPIRED,
    },
    TransferStatus.ACCEPTED: {TransferStatus.COMPLETED},
    TransferStatus.COMPLETED: set(),
    TransferStatus.DECLINED: set(),
    TransferStatus.CANCELLED: set(),
    TransferStatus.EXPIRED: set(),
}


class ProductType(models.TextChoices):
    AZURE = "azure", "Azure subscriptions (usage-based)"


class TransferRequestQuerySet(models.QuerySet):
    def with_effective_status(self, now=None):
        now = now or timezone.now()
        return self.annotate(
            effective_status=models.Case(
                models.When(
                    status=TransferStatus.PENDING, expires_at__lte=now, then=models.Value("expired")
                ),
                default="status",
                output_field=models.CharField(),
            )
        )


class TransferRequest(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="transfer_requests"
    )
    source_partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="outgoing_transfers"
    )
    target_partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    product_types = models.JSONField(default=list)
    notify_email = models.EmailField("customer contact to notify")
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TransferRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("accept_transferrequest", "Accept or decline an outgoing transfer")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_partner=models.F("target_partner")),
                name="transfer_between_two_partners",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TransferStatus.values), name="transfer_status_is_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="transfer_status_expiry"),
            models.Index(fields=["customer", "status"], name="transfer_customer_status"),
        ]

    def __str__(self) -> str:
        return (
            f"Transfer of {self.customer.company_name}'s Azure from {self.source_partner.name} "
            f"to {self.target_partner.name}"
        )

    def get_absolute_url(self) -> str:
        return object_url("transfers:detail", self.uuid)

    def current_status(self, now=None) -> str:
        """The status as it stands now: a pending one past its expiry is already expired,
        before the expiry run records it."""
        if self.status == TransferStatus.PENDING and self.expires_at <= (now or timezone.now()):
            return TransferStatus.EXPIRED
        return self.status

    @staticmethod
    def default_expiry(now=None):
        return (now or timezone.now()) + TRANSFER_LIFETIME


class TransferGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TransferRequest, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class TransferUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TransferRequest, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class LineItemStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the source partner"
    MOVED = "moved", "Moved"
    FAILED = "failed", "Not moved (error)"
    NOT_SELECTED = "not_selected", "Not selected by the source partner"
    WITHDRAWN = "withdrawn", "Not moved (transfer declined, cancelled or expired)"


class TransferLineItem(models.Model):
    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="items")
    subscription = models.ForeignKey(
        "multichannel.Subscription", on_delete=models.PROTECT, related_name="transfer_items"
    )
    status = models.CharField(
        max_length=15, choices=LineItemStatus.choices, default=LineItemStatus.PENDING
    )
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="pending"),
                name="subscription_in_one_pending_transfer",
            ),
            models.UniqueConstraint(
                fields=["transfer", "subscription"], name="subscription_once_per_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription.offer_name}: {self.get_status_display()}"
