"""Support requests filed by partner employees for their customers (rule 14)."""

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from multichannel.urlutils import object_url


class Topic(models.TextChoices):
    BILLING = "billing", "Billing"
    SUBSCRIPTION = "subscription", "Subscription management"
    TECHNICAL = "technical", "Technical"
    RELATIONSHIP = "relationship", "Relationship"
    TRANSFER = "transfer", "Transfer"


class Severity(models.TextChoices):
    A = "A", "A — critical"
    B = "B", "B — moderate"
    C = "C", "C — minimal"


# Rule 14: the severity sets the initial response target.
RESPONSE_TARGETS = {
    Severity.A: timedelta(hours=2),
    Severity.B: timedelta(hours=4),
    Severity.C: timedelta(hours=8),
}


class SupportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ATTENTION_NEEDED = "attention_needed", "Attention needed"
    CLOSED = "closed", "Closed"


# The life cycle: which status may follow which (anything else is refused).
TRANSITIONS = {
    SupportStatus.OPEN: {SupportStatus.ATTENTION_NEEDED, SupportStatus.CLOSED},
    SupportStatus.ATTENTION_NEEDED: {SupportStatus.OPEN, SupportStatus.CLOSED},
    SupportStatus.CLOSED: {SupportStatus.OPEN},  # reopen
}


class SupportRequestQuerySet(models.QuerySet):
    def overdue(self, now=None):
        """Past the initial response target with no response yet, and not closed."""
        return self.filter(
            response_due_at__lt=now or timezone.now(), first_response_at__isnull=True
        ).exclude(status=SupportStatus.CLOSED)


class SupportRequest(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(editable=False, help_text="Shown to people: #1042.")
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="support_requests"
    )
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="support_requests"
    )
    subscription = models.ForeignKey(
        "multichannel.Subscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    severity = models.CharField(max_length=1, choices=Severity.choices, default=Severity.C)
    title = models.CharField(max_length=200)
    description = models.TextField()
    contact_name = models.CharField("contact name", max_length=150)
    contact_email = models.EmailField("contact email")
    contact_phone = models.CharField("contact phone", max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=SupportStatus.choices, default=SupportStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_support_requests",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    response_due_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_supportrequests", "See every support request of the partner")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "number"], name="support_number_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="support_severity_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SupportStatus.values), name="support_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(topic__in=Topic.values), name="support_topic_is_known"
            ),
        ]
        indexes = [
            models.Index(
                fields=["partner", "status", "-created_at"], name="support_partner_status"
            ),
            models.Index(fields=["partner", "response_due_at"], name="support_partner_due"),
            models.Index(fields=["partner", "-updated_at", "-id"], name="support_partner_updated"),
            models.Index(fields=["customer", "-created_at"], name="support_customer"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return object_url("support:detail", self.uuid)

    @property
    def response_target(self) -> timedelta:
        return RESPONSE_TARGETS[Severity(self.severity)]

    def is_overdue(self, now=None) -> bool:
        return (
            self.status != SupportStatus.CLOSED
            and self.first_response_at is None
            and self.response_due_at < (now or timezone.now())
        )

    def time_to_target(self, now=None) -> timedelta | None:
        """Positive: time left to respond; negative: how late. None once responded or closed."""
        if self.first_response_at is not None or self.status == SupportStatus.CLOSED:
            return None
        return self.response_due_at - (now or timezone.now())


class SupportUserObjectPermission(UserObjectPermissionBase):
    """Who filed a request and who is assigned to it may see and follow it."""

    content_object = models.ForeignKey(SupportRequest, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class SupportGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SupportRequest, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class SupportNote(models.Model):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on #{self.request.number} by {self.author}"


class AttachmentStorage(LazyObject):
    """Attachments live outside the web root and are only ever served through a view that
    checks who asks (PORTAL_ATTACHMENTS_DIR)."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=Path(settings.PORTAL_ATTACHMENTS_DIR))


attachment_storage = AttachmentStorage()


def _attachments_dir_changed(setting, **kwargs):
    if setting == "PORTAL_ATTACHMENTS_DIR":
        attachment_storage._wrapped = empty


setting_changed.connect(_attachments_dir_changed)


def get_attachment_storage():
    """The field's storage as a callable, so that migrations name this function rather than
    the directory of the machine that made them."""
    return attachment_storage


def attachment_path(instance, filename: str) -> str:
    return f"{instance.request.partner_id}/{uuid.uuid4().hex}"


class SupportAttachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    note = models.ForeignKey(
        SupportNote, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(
        storage=get_attachment_storage, upload_to=attachment_path, max_length=200
    )
    name = models.CharField(max_length=150, help_text="The cleaned original file name.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
