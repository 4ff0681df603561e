"""What the partner can do about a subscription: one function over billing type, channel,
partner of record, relationship state and term (DESIGN §1, rules 10 and 13).

A step names its kind; `action_for()` links it to the flow that carries it out where that flow
exists. Where it does not, the step is guidance text, never a dead button.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from multichannel import access
from multichannel.models import (
    AzureOnboarding,
    BillingType,
    Channel,
    OnboardingStatus,
    Subscription,
    SubscriptionStatus,
    User,
)
from multichannel.roles import Perm
from multichannel.urlutils import object_url


class Kind:
    MANAGED = "managed"
    ENDED = "ended"
    REQUEST_RELATIONSHIP = "request_relationship"
    PLAN_MOVE = "plan_move"
    ONBOARD_AZURE = "onboard_azure"
    ONBOARDING = "onboarding"  # an onboarding of it is under way
    SWITCH_PARTNER = "switch_partner"


@dataclass(frozen=True)
class NextStep:
    kind: str
    title: str
    detail: str
    tone: str  # a Bootstrap colour name for the badge
    actionable: bool = True  # False: guidance only, whatever flows exist
    url: str = ""  # where the step goes on, when it is already under way


@dataclass(frozen=True)
class StepAction:
    label: str
    url: str


def onboardings_in_progress(
    viewer: User, subscriptions: Iterable[Subscription]
) -> dict[int, AzureOnboarding]:
    """The partner's onboardings under way of these subscriptions, by subscription id: one query
    whatever the subscriptions (a page costs the same with one row or many)."""
    ids = [s.pk for s in subscriptions]
    if not ids or not access.has(viewer, Perm.VIEW_ONBOARDINGS):
        return {}
    return {
        onboarding.source_id: onboarding
        for onboarding in access.onboardings_for(viewer)
        .filter(status=OnboardingStatus.IN_PROGRESS, source_id__in=ids)
        .only("uuid", "source_id", "reached", "status")
    }


def next_step(
    subscription: Subscription,
    *,
    partner_id: int,
    relationship_active: bool,
    today: date,
    onboarding: AzureOnboarding | None = None,
) -> NextStep:
    """`onboarding`: our onboarding of it in progress, if any (see `onboardings_in_progress`)."""
    status = subscription.status
    if status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED):
        return NextStep(
            Kind.ENDED,
            f"{subscription.get_status_display()} — nothing to do",
            "It no longer runs; it is kept here for the record.",
            "secondary",
        )

    if subscription.held_by(partner_id):
        if status == SubscriptionStatus.SUSPENDED:
            detail = "We hold it, but it is suspended: reactivate it to restore service."
        else:
            detail = "We hold it: change seats or auto-renew, suspend or cancel it here."
        return NextStep(Kind.MANAGED, "Managed by us", detail, "success")

    license_based = subscription.billing_type == BillingType.LICENSE
    other_partner = subscription.channel == Channel.CSP

    if not relationship_active:
        then = (
            "Once the customer accepts, we manage and support it."
            if license_based
            else "With it in place we can then "
            + ("switch it to us." if other_partner else "onboard it to Azure under us.")
        )
        return NextStep(
            Kind.REQUEST_RELATIONSHIP,
            "Request a reseller relationship to support it",
            then,
            "warning",
        )

    if license_based:
        return _license_step(subscription, today)

    if other_partner:
        holder = subscription.partner_of_record.name if subscription.partner_of_record else "it"
        if status == SubscriptionStatus.SUSPENDED:  # rule 12: only active ones are transferred
            return NextStep(
                Kind.SWITCH_PARTNER,
                "Switch to our partner once it is active again",
                f"It is suspended, and only an active subscription can be transferred. Once "
                f"{holder} or the customer reactivates it, ask for the transfer.",
                "warning",
                actionable=False,
            )
        return NextStep(
            Kind.SWITCH_PARTNER,
            "Switch to our partner",
            f"{holder} transfers this Azure subscription to us when it accepts our transfer "
            "request; the services keep running.",
            "primary",
        )
    if onboarding is not None and not onboarding.is_finished:
        return NextStep(
            Kind.ONBOARDING,
            f"Onboarding in progress — step {onboarding.reached} of 4",
            "Its onboarding to Azure under us is under way: resume it where it stands.",
            "warning",
            url=onboarding.get_step_url(),
        )
    return NextStep(
        Kind.ONBOARD_AZURE,
        "Onboard to Azure under our partner",
        "Create a new Azure subscription under us, record the services of this one, then "
        "cancel what moves. Azure under CSP coexists with the customer's other channels.",
        "primary",
    )


def _license_step(subscription: Subscription, today: date) -> NextStep:
    """Rule 10: a license-based subscription cannot switch partner before its term ends."""
    end = subscription.term_end
    if end is None:
        return NextStep(
            Kind.PLAN_MOVE,
            "Can move to us at its term end — record the term dates first",
            "We support it under our reseller relationship. It cannot switch partner before its "
            "term ends or it is cancelled.",
            "info",
            actionable=False,
        )
    if end < today:
        return NextStep(
            Kind.PLAN_MOVE,
            f"Term end {end:%Y-%m-%d} has passed — check its renewal",
            "If it renewed, record the new term dates; if not, buy the same offer under us now.",
            "warning",
            actionable=False,
        )
    return NextStep(
        Kind.PLAN_MOVE,
        f"Can move to us after {end:%Y-%m-%d} (term end) — plan it",
        "License-based subscriptions cannot switch partner before their term ends or they are "
        "cancelled. Until then we support it under our reseller relationship.",
        "info",
    )


def action_for(step: NextStep, subscription: Subscription) -> StepAction | None:
    """The flow that carries the step out, where there is one."""
    if not step.actionable:
        return None
    if step.kind == Kind.MANAGED:
        return StepAction("Manage", subscription.get_absolute_url())
    if step.kind == Kind.REQUEST_RELATIONSHIP:
        url = reverse("relationship_requests:new") + f"?customer={subscription.customer.uuid}"
        return StepAction("Request a reseller relationship", url)
    if step.kind == Kind.ONBOARD_AZURE:
        return StepAction("Onboard", object_url("subscriptions:onboard", subscription.uuid))
    if step.kind == Kind.ONBOARDING:
        return StepAction("Resume", step.url)
    if step.kind == Kind.SWITCH_PARTNER and subscription.partner_of_record_id:
        query = (
            f"?customer={subscription.customer.uuid}&source={subscription.partner_of_record.uuid}"
        )
        return StepAction("Ask for a transfer", reverse("transfers:new") + query)
    if step.kind == Kind.PLAN_MOVE:
        return StepAction(
            "Plan the move", reverse("subscriptions:plan-move", args=[subscription.uuid])
        )
    return None
