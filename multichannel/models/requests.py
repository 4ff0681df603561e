"""Reseller relationship requests: the invitation a partner sends and a customer's admin accepts."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from multichannel.current_request import absolute_url
from multichannel.urlutils import object_url

INVITATION_LIFETIME = timedelta(days=90)

# Delegated admin roles a partner may ask for (GDAP: least privilege, time-bound, no Global
# administrator).
DELEGATED_ADMIN_ROLES = [
    "Directory readers",
    "Global reader",
    "Helpdesk administrator",
    "License administrator",
    "User administrator",
    "Service support administrator",
    "Exchange administrator",
    "SharePoint administrator",
    "Teams administrator",
    "Billing administrator",
    "Security reader",
]


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class RelationshipRequestQuerySet(models.QuerySet):
    def with_effective_status(self, now: datetime | None = None) -> RelationshipRequestQuerySet:
        """`effective_status`: a pending request past its expiry reads as expired, whether or not
        the expiry command has run yet."""
        now = now or timezone.now()
        return self.annotate(
            effective_status=models.Case(
                models.When(
                    status=RequestStatus.PENDING, expires_at__lte=now, then=models.Value("expired")
                ),
                default="status",
                output_field=models.CharField(),
            )
        )

    def open(self, now: datetime | None = None) -> RelationshipRequestQuerySet:
        return self.filter(status=RequestStatus.PENDING, expires_at__gt=now or timezone.now())


class RelationshipRequest(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="relationship_requests"
    )
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="relationship_requests"
    )
    # What the partner typed: the company and contact as it knows them.
    company_name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253)
    contact_email = models.EmailField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    email_text = models.TextField()
    delegated_admin_roles = models.JSONField(default=list, blank=True)
    delegated_admin_days = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    # The link's secret is derived from the server's secret key and this nonce; only its hash
    # is stored, to find the request from a link.
    token_nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_by_name = models.CharField(max_length=150, blank=True)
    accepted_by_email = models.EmailField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RelationshipRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="request_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(delegated_admin_days__isnull=True)
                | Q(delegated_admin_days__gte=1, delegated_admin_days__lte=730),
                name="delegated_admin_lasts_1_to_730_days",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="request_expires_after_creation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["partner", "status", "-created_at"], name="request_partner_status"
            ),
            models.Index(fields=["status", "expires_at"], name="request_status_expiry"),
            models.Index(fields=["customer", "status"], name="request_customer_status"),
        ]

    def __str__(self) -> str:
        return f"Reseller relationship request to {self.company_name}"

    def get_absolute_url(self) -> str:
        return object_url("relationship_requests:detail", self.uuid)

    def get_invitation_url(self, base_url: str | None = None) -> str:
        """The link the customer's admin opens to answer, with the token in it (absolute: it is
        sent by email). `base_url`: the portal's address, when not that of the request served."""
        return absolute_url(reverse("invitation-link", args=[self.token()]), base_url)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def token(self) -> str:
        """The secret in the invitation link (256 bits), the same each time it is asked for.

        It is derived from the secret key; after a key rotation (the old key listed in
        SECRET_KEY_FALLBACKS) the link made with the old key is found again."""
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        candidates = [self._token_with(secret) for secret in secrets]
        if self.token_hash:
            for candidate in candidates:
                if self.hash_token(candidate) == self.token_hash:
                    return candidate
        return candidates[0]

    def _token_with(self, secret: str) -> str:
        return salted_hmac(
            "multichannel.invitation",
            f"{self.uuid}:{self.token_nonce}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def current_status(self, now: datetime | None = None) -> str:
        """The status as it stands now: a pending one past its expiry is already expired,
        before the expiry run records it."""
        if self.status == RequestStatus.PENDING and self.is_expired(now):
            return RequestStatus.EXPIRED
        return self.status

    def delegated_admin_until(self, accepted_on: date | None = None) -> date | None:
        if not self.delegated_admin_roles or not self.delegated_admin_days:
            return None
        start = accepted_on or timezone.localdate()
        return start + timedelta(days=self.delegated_admin_days)

    @property
    def includes_delegated_admin(self) -> bool:
        return bool(self.delegated_admin_roles)
