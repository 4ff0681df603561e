"""Subscriptions from every channel: what a customer holds, through whom, and on what terms."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from multichannel.urlutils import object_url


class BillingType(models.TextChoices):
    LICENSE = "license", "License-based"
    USAGE = "usage", "Usage-based (Azure)"


class Channel(models.TextChoices):
    CSP = "csp", "CSP partner"
    DIRECT = "direct", "Direct from Microsoft"
    ADVISOR = "advisor", "Advisor"
    OPEN = "open", "Open"
    EA = "ea", "Enterprise Agreement"
    THIRD_PARTY = "third_party", "Third party (not CSP)"


# How the dashboard and a customer's page group subscriptions: bought from us (CSP, our partner
# of record), each other channel, and other CSP partners. One label per group, everywhere.
CHANNEL_GROUPS = [
    ("ours", "Bought from us"),
    *[
        (channel.value, channel.label)
        for channel in (
            Channel.DIRECT,
            Channel.ADVISOR,
            Channel.OPEN,
            Channel.EA,
            Channel.THIRD_PARTY,
        )
    ],
    ("other_csp", "Other CSP partners"),
]


def channel_group(channel: str, partner_of_record_id, partner_id) -> str:
    """The key of the group in CHANNEL_GROUPS a subscription belongs to, for `partner_id`."""
    if channel == Channel.CSP:
        return "ours" if partner_of_record_id == partner_id else "other_csp"
    return channel


class Term(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"
    TRIENNIAL = "triennial", "Three years"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


LIVE_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)


class CommerceType(models.TextChoices):
    NEW_COMMERCE = "new_commerce", "New commerce"
    LEGACY = "legacy", "Legacy"


class Source(models.TextChoices):
    ENTERED = "entered", "Entered by hand"
    CREATED = "created", "Created in the portal"
    TRANSFERRED = "transferred", "Transferred from another partner"


# New-commerce subscriptions can be cancelled only this long after purchase or renewal.
CANCELLATION_WINDOW = timedelta(days=7)


class SubscriptionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def held_by(self, partner_id):
        return self.filter(channel=Channel.CSP, partner_of_record_id=partner_id)


class Subscription(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="subscriptions"
    )
    offer_name = models.CharField(max_length=200)
    offer_id = models.CharField("offer ID", max_length=100)
    billing_type = models.CharField(max_length=10, choices=BillingType.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    partner_of_record = models.ForeignKey(
        "multichannel.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subscriptions_of_record",
        help_text="The CSP partner holding it (CSP channel only).",
    )
    external_id = models.UUIDField("subscription ID")
    quantity = models.PositiveIntegerField("seats", null=True, blank=True)
    term = models.CharField(max_length=10, choices=Term.choices, blank=True)
    term_start = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)
    auto_renew = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    commerce_type = models.CharField(
        max_length=20, choices=CommerceType.choices, default=CommerceType.NEW_COMMERCE
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ENTERED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["offer_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_id"], name="subscription_id_unique_per_customer"
            ),
            models.CheckConstraint(
                condition=(
                    Q(billing_type="license", quantity__isnull=False, quantity__gt=0)
                    | Q(billing_type="usage", quantity__isnull=True)
                ),
                name="seats_only_on_license_subscriptions",
            ),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_end__gt=models.F("term_start")),
                name="term_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=(
                    Q(channel="csp", partner_of_record__isnull=False)
                    | (~Q(channel="csp") & Q(partner_of_record__isnull=True))
                ),
                name="partner_of_record_only_for_csp",
            ),
            models.CheckConstraint(
                condition=Q(billing_type="usage")
                | (~Q(term="") & Q(term_start__isnull=False) & Q(term_end__isnull=False)),
                name="license_subscriptions_have_a_term",
            ),
            models.CheckConstraint(
                condition=Q(billing_type__in=BillingType.values)
                & Q(channel__in=Channel.values)
                & Q(status__in=SubscriptionStatus.values)
                & Q(commerce_type__in=CommerceType.values),
                name="subscription_choices_are_known",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="subscription_customer_status"),
            models.Index(fields=["partner_of_record", "status"], name="subscription_por_status"),
            models.Index(fields=["status", "term_end"], name="subscription_status_term_end"),
            models.Index(
                fields=["customer", "term_end"],
                condition=Q(status__in=["active", "suspended"]),
                name="subscription_live_term_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_name} ({self.customer.company_name})"

    def get_absolute_url(self) -> str:
        return object_url("subscriptions:detail", self.uuid)

    def clean(self):
        """The same rules as the database constraints, said beside the field they concern."""
        errors = {}
        if self.billing_type == BillingType.LICENSE:
            if not self.quantity:
                errors["quantity"] = "License-based subscriptions have seats: enter how many."
            for field, what in (
                ("term", "their term (monthly, annual or triennial)"),
                ("term_start", "the date their term started"),
                ("term_end", "the date their term ends"),
            ):
                if not getattr(self, field):
                    errors[field] = f"License-based subscriptions need {what}."
        elif self.billing_type == BillingType.USAGE and self.quantity is not None:
            errors["quantity"] = "Usage-based (Azure) subscriptions have no seats."
        if self.term_start and self.term_end and self.term_end <= self.term_start:
            errors["term_end"] = "The term must end after it starts."
        if self.channel == Channel.CSP and self.partner_of_record_id is None:
            errors["partner_of_record"] = "Choose the CSP partner that holds it."
        if self.channel != Channel.CSP and self.partner_of_record_id is not None:
            errors["partner_of_record"] = "Only CSP subscriptions have a partner of record."
        if errors:
            raise ValidationError(errors)

    @property
    def friendly_name(self) -> str:
        """The name the customer knows an Azure subscription by: the portal names the Azure
        plans it creates "Azure plan — <name>"; "" when the offer name carries none."""
        _, separator, name = self.offer_name.partition(" — ")
        return name.strip() if separator else ""

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def held_by(self, partner_id) -> bool:
        return self.channel == Channel.CSP and self.partner_of_record_id == partner_id

    def cancellation_deadline(self):
        """The last day a new-commerce subscription may be cancelled (rule 13), else None."""
        if self.commerce_type != CommerceType.NEW_COMMERCE or self.term_start is None:
            return None
        return self.term_start + CANCELLATION_WINDOW
