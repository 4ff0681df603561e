"""Two of the multichannel paths that bring a subscription to us: Azure onboarding (usage-based,
bought directly or through Advisor, Open or EA) and the planned move of a license-based
subscription that cannot switch before its term ends (rule 10)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from multichannel.urlutils import object_url


class OnboardingStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"


class OnboardingStep(models.IntegerChoices):
    SOURCE = 1, "Existing subscription"
    NEW_SUBSCRIPTION = 2, "New Azure subscription"
    SERVICES = 3, "Services"
    REVIEW = 4, "Review and finish"


ONBOARDING_STEP_URLS: dict[int, str] = {
    OnboardingStep.SOURCE: "onboardings:source",
    OnboardingStep.NEW_SUBSCRIPTION: "onboardings:subscription",
    OnboardingStep.SERVICES: "onboardings:services",
    OnboardingStep.REVIEW: "onboardings:review",
}


class AzureOnboarding(models.Model):
    """A resumable walk-through moving one usage-based subscription's services to a new Azure
    subscription under our partner. Each step is saved as it is done."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="onboardings"
    )
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="onboardings"
    )
    source = models.ForeignKey(
        "multichannel.Subscription",
        on_delete=models.PROTECT,
        related_name="onboardings_from",
        help_text="The existing subscription, bought elsewhere.",
    )
    new_subscription = models.OneToOneField(
        "multichannel.Subscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboarded_by",
        help_text="The Azure subscription created under our partner.",
    )
    friendly_name = models.CharField(max_length=100, blank=True)
    reached = models.PositiveSmallIntegerField(
        choices=OnboardingStep.choices,
        default=OnboardingStep.SOURCE,
        help_text="The furthest step the walk-through has reached.",
    )
    cancel_source = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=OnboardingStatus.choices, default=OnboardingStatus.IN_PROGRESS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "source"],
                condition=Q(status="in_progress"),
                name="one_onboarding_in_progress_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OnboardingStatus.values), name="onboarding_status_is_known"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status", "-updated_at"], name="onboarding_partner"),
        ]

    def __str__(self) -> str:
        return f"Azure onboarding of {self.source.offer_name} ({self.customer.company_name})"

    def get_absolute_url(self) -> str:
        return object_url("onboardings:detail", self.uuid)

    def get_step_url(self, step: int | None = None) -> str:
        """The page of `step` (by default the step it has reached: where to resume it); once
        finished, its summary."""
        if self.is_finished:
            return self.get_absolute_url()
        return object_url(ONBOARDING_STEP_URLS[step or self.reached], self.uuid)

    @property
    def is_finished(self) -> bool:
        return self.status == OnboardingStatus.FINISHED


class ServiceDisposition(models.TextChoices):
    CANCEL = "cancel", "Moves to us: cancel it on the old subscription"
    KEEP = "keep", "Stays: keep it on the old subscription"


class AzureService(models.Model):
    """A service or resource running on the old subscription, and what happens to it."""

    onboarding = models.ForeignKey(
        AzureOnboarding, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=200)
    # Empty until the user decides in step 3: nothing destructive is chosen for them.
    disposition = models.CharField(
        max_length=10, choices=ServiceDisposition.choices, blank=True, default=""
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["onboarding", "name"], name="service_named_once")
        ]

    def __str__(self) -> str:
        return self.name


class MoveStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DUE = "due", "Due"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_MOVE_STATUSES = (MoveStatus.PLANNED, MoveStatus.DUE)

# After a license-based subscription's term ends, the customer has this long to buy the same
# offer under the new partner without a gap (the expired window).
EXPIRED_WINDOW = timedelta(days=30)


class PlannedMove(models.Model):
    """A reminder to move a license-based subscription to us when its term ends (rule 10)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "multichannel.Partner", on_delete=models.PROTECT, related_name="planned_moves"
    )
    customer = models.ForeignKey(
        "multichannel.Customer", on_delete=models.PROTECT, related_name="planned_moves"
    )
    subscription = models.ForeignKey(
        "multichannel.Subscription", on_delete=models.PROTECT, related_name="planned_moves"
    )
    term_end = models.DateField(help_text="The subscription's term end when the move was planned.")
    remind_days_before = models.PositiveSmallIntegerField(default=30)
    remind_on = models.DateField()
    status = models.CharField(max_length=10, choices=MoveStatus.choices, default=MoveStatus.PLANNED)
    same_offer_and_seats = models.BooleanField(
        "same offer and seat count ready to buy under us", default=False
    )
    auto_renew_off = models.BooleanField("the customer turned off auto-renew", default=False)
    bought_under_us = models.BooleanField(
        "bought under us within 30 days of the term end", default=False
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["remind_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "subscription"],
                condition=Q(status__in=["planned", "due"]),
                name="one_open_move_per_subscription",
            ),
            models.CheckConstraint(
                condition=Q(remind_days_before__gte=1, remind_days_before__lte=180),
                name="reminder_1_to_180_days_before",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MoveStatus.values), name="move_status_is_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "remind_on"], name="move_status_remind_on"),
            models.Index(fields=["partner", "status", "remind_on"], name="move_partner"),
        ]

    def __str__(self) -> str:
        return f"Move of {self.subscription.offer_name} ({self.customer.company_name})"

    def get_absolute_url(self) -> str:
        return object_url("moves:detail", self.uuid)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MOVE_STATUSES

    @property
    def buy_by(self):
        """The last day to buy under us without a gap."""
        return self.term_end + EXPIRED_WINDOW
