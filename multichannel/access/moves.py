"""Azure onboarding and planned moves of subscriptions bought outside CSP."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _missing, has, require
from multichannel.access.customers import manages_customer
from multichannel.models import AzureOnboarding, BillingType, Channel, PlannedMove, Subscription
from multichannel.roles import Perm

ONBOARDING_CHANNELS = (
    Channel.DIRECT,
    Channel.ADVISOR,
    Channel.OPEN,
    Channel.EA,
    Channel.THIRD_PARTY,
)


def onboardings_for(viewer) -> QuerySet[AzureOnboarding]:
    require(viewer, Perm.VIEW_ONBOARDINGS)
    return AzureOnboarding.objects.filter(partner_id=viewer.partner_id)


def get_onboarding_for(viewer, onboarding_uuid) -> AzureOnboarding:
    return get_object_or_404(
        onboardings_for(viewer).select_related("customer", "source", "new_subscription"),
        uuid=onboarding_uuid,
    )


def can_onboard(viewer, source: Subscription, *, managed: bool | None = None) -> Check:
    """Azure onboarding starts from a live usage-based subscription bought outside CSP."""
    if not has(viewer, Perm.ONBOARD_AZURE):
        return _missing(Perm.ONBOARD_AZURE)
    if managed is None:
        managed = manages_customer(viewer, source.customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if source.billing_type != BillingType.USAGE:
        return Check(
            False,
            "Only usage-based (Azure) subscriptions are onboarded; a license-based one moves "
            "to us at its term end.",
        )
    if source.held_by(viewer.partner_id):
        return Check(False, "We already hold it: there is nothing to onboard.")
    if source.channel not in ONBOARDING_CHANNELS:
        return Check(
            False,
            "Azure held by another CSP partner is switched to us with a transfer request, "
            "not onboarded.",
        )
    if not source.is_live:
        return Check(False, f"It is {source.get_status_display().lower()}.")
    return ALLOWED


def moves_for(viewer) -> QuerySet[PlannedMove]:
    require(viewer, Perm.VIEW_MOVES)
    return PlannedMove.objects.filter(partner_id=viewer.partner_id)


def get_move_for(viewer, move_uuid) -> PlannedMove:
    return get_object_or_404(
        moves_for(viewer).select_related("customer", "subscription", "created_by"),
        uuid=move_uuid,
    )


def can_plan_move(viewer, subscription: Subscription, today, *, managed=None) -> Check:
    """Rule 10: a license-based subscription bought elsewhere moves to us at its term end."""
    if not has(viewer, Perm.PLAN_MOVES):
        return _missing(Perm.PLAN_MOVES)
    if managed is None:
        managed = manages_customer(viewer, subscription.customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based (Azure) subscriptions are onboarded or switched instead.")
    if subscription.held_by(viewer.partner_id):
        return Check(False, "We already hold it.")
    if not subscription.is_live:
        return Check(False, f"It is {subscription.get_status_display().lower()}: nothing to move.")
    if subscription.term_end is None:
        return Check(False, "Record its term end first: the move is planned for that date.")
    if subscription.term_end < today:
        return Check(
            False,
            f"Its term ended on {subscription.term_end:%Y-%m-%d}: it can move now. Check its "
            "renewal with the customer and buy the same offer under us.",
        )
    return ALLOWED
