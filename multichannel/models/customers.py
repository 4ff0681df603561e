"""Customer tenants and partners' relationships with them (their subscriptions are in
`subscriptions.py`)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from multichannel.models.partners import Cloud
from multichannel.models.subscriptions import LIVE_STATUSES, Channel, Subscription
from multichannel.urlutils import object_url


def summary_annotations(partner_id, today) -> dict:
    """What the customer list shows for each customer, as correlated subqueries. PostgreSQL
    computes them for the rows a query returns, after its sort and LIMIT: 25 of each for a page
    of the list (every row only for the one the list is sorted by)."""
    live = Subscription.objects.filter(customer=models.OuterRef("pk"), status__in=LIVE_STATUSES)
    ours = Relationship.objects.filter(
        customer=models.OuterRef("pk"), partner_id=partner_id, status=RelationshipStatus.ACTIVE
    )
    count = live.order_by().annotate(n=models.Func(models.F("pk"), function="COUNT")).values("n")
    return {
        "subscription_count": models.functions.Coalesce(
            models.Subquery(count, output_field=models.IntegerField()), 0
        ),
        # A scalar subquery rather than EXISTS: it cannot be turned into one scan of every
        # subscription, which is what the database does with EXISTS over many rows.
        "has_other_channels": models.Subquery(
            live.exclude(channel=Channel.CSP, partner_of_record_id=partner_id)
            .annotate(yes=models.Value(True))
            .values("yes")[:1],
            output_field=models.BooleanField(),
        ),
        "next_term_end": models.Subquery(
            live.filter(term_end__gte=today).order_by("term_end").values("term_end")[:1]
        ),
        "relationship_since": models.Subquery(ours.values("started_at")[:1]),
        "delegated_admin_until": models.Subquery(ours.values("delegated_admin_until")[:1]),
    }


def other_channels_exist(partner_id):
    """A filter: the customer has a live subscription not held by `partner_id`."""
    return models.Exists(
        Subscription.objects.filter(
            customer=models.OuterRef("pk"), status__in=LIVE_STATUSES
        ).exclude(channel=Channel.CSP, partner_of_record_id=partner_id)
    )


class CustomerQuerySet(models.QuerySet):
    def with_summary(self, partner_id, today):
        return self.annotate(**summary_annotations(partner_id, today))


class Customer(models.Model):
    """A customer tenant. Facts about it are shared; who may see it is decided per partner."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant_id = models.UUIDField("tenant ID", unique=True)
    company_name = models.CharField(max_length=200)
    primary_domain = models.CharField(
        max_length=253, unique=True, help_text="e.g. contoso.onmicrosoft.com"
    )
    # Blank for a tenant a relationship request added: nobody told us its country.
    country = CountryField(blank=True)
    cloud = models.CharField(max_length=20, choices=Cloud.choices, default=Cloud.COMMERCIAL)
    contact_name = models.CharField("primary contact", max_length=150, blank=True)
    contact_email = models.EmailField("contact email")
    contact_phone = models.CharField("contact phone", max_length=40, blank=True)
    created_by_partner = models.ForeignKey(
        "multichannel.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner that created this tenant in the portal, if one did.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["company_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(primary_domain=Lower("primary_domain")),
                name="customer_domain_is_lowercase",
            ),
            models.CheckConstraint(
                condition=Q(cloud__in=Cloud.values), name="customer_cloud_is_known"
            ),
        ]
        indexes = [
            models.Index(Lower("company_name"), name="customer_company_lower"),
            models.Index(fields=["company_name", "id"], name="customer_company_id"),
        ]

    def __str__(self) -> str:
        return self.company_name

    def get_absolute_url(self) -> str:
        return object_url("customers:detail", self.uuid)


class CustomerUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CustomerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class RelationshipType(models.TextChoices):
    RESELLER = "reseller", "Reseller"


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REMOVED = "removed", "Removed"


class Relationship(models.Model):
    """A partner's reseller relationship with a customer. A customer may have several partners."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="relationships"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="relationships")
    type = models.CharField(
        max_length=20, choices=RelationshipType.choices, default=RelationshipType.RESELLER
    )
    status = models.CharField(
        max_length=20, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    delegated_admin_roles = models.JSONField(default=list, blank=True)
    delegated_admin_until = models.DateField("delegated admin roles end", null=True, blank=True)
    accepted_by_name = models.CharField(max_length=150, blank=True)
    accepted_by_email = models.EmailField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    customer_agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        permissions = [("remove_relationship", "Remove a reseller relationship")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "customer"],
                condition=Q(status="active"),
                name="one_active_relationship_per_partner_and_customer",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RelationshipStatus.values),
                name="relationship_status_is_known",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="relationship_customer_status"),
            models.Index(fields=["partner", "status"], name="relationship_partner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.partner.name} ↔ {self.customer.company_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == RelationshipStatus.ACTIVE
