"""Who sees a customer's subscriptions, and what the partner of record may do to one."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _granted_customers, _missing, has, require
from multichannel.access.customers import manages_customer
from multichannel.models import (
    BillingType,
    CommerceType,
    Customer,
    Subscription,
    SubscriptionStatus,
)
from multichannel.roles import Perm


def subscriptions_for(viewer) -> QuerySet[Subscription]:
    """Every subscription of the customers the partner manages, whatever the channel."""
    require(viewer, Perm.VIEW_SUBSCRIPTIONS)
    return Subscription.objects.filter(customer_id__in=_granted_customers(viewer, "change"))


def get_subscription_for(viewer, subscription_uuid) -> Subscription:
    return get_object_or_404(
        subscriptions_for(viewer).select_related("customer", "partner_of_record"),
        uuid=subscription_uuid,
    )


def can_enter_subscription(viewer, customer: Customer, *, managed: bool | None = None) -> Check:
    if not has(viewer, Perm.ADD_SUBSCRIPTIONS):
        return _missing(Perm.ADD_SUBSCRIPTIONS)
    if managed is None:
        managed = manages_customer(viewer, customer)
    if not managed:
        return Check(
            False,
            f"We need an active reseller relationship with {customer} to enter its subscriptions.",
        )
    return ALLOWED


def can_manage_subscription(viewer, subscription: Subscription) -> Check:
    if not has(viewer, Perm.CHANGE_SUBSCRIPTIONS):
        return _missing(Perm.CHANGE_SUBSCRIPTIONS)
    if not subscription.held_by(viewer.partner_id):
        holder = (
            subscription.partner_of_record.name
            if subscription.partner_of_record is not None
            else f"the customer's {subscription.get_channel_display()} channel"
        )
        return Check(False, f"Only the partner of record changes it; it is held by {holder}.")
    if not subscription.is_live:
        return Check(False, f"It is {subscription.get_status_display().lower()}.")
    return ALLOWED


def can_change_seats(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based subscriptions have no seats.")
    if check and subscription.status != SubscriptionStatus.ACTIVE:
        return Check(False, "Reactivate it before changing seats.")
    return check


def can_set_auto_renew(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based subscriptions do not renew; they run until cancelled.")
    return check


def can_suspend(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.status != SubscriptionStatus.ACTIVE:
        return Check(False, "It is already suspended.")
    return check


def can_reactivate_subscription(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.status != SubscriptionStatus.SUSPENDED:
        return Check(False, "It is not suspended.")
    return check


def can_cancel(viewer, subscription: Subscription, today) -> Check:
    """Rule 13: new commerce cancels only within 7 days of purchase or renewal."""
    check = can_manage_subscription(viewer, subscription)
    if not check:
        return check
    deadline = subscription.cancellation_deadline()
    if deadline is not None and today > deadline:
        ending = (
            f"Turn off auto-renew so that it ends on {subscription.term_end:%Y-%m-%d}."
            if subscription.auto_renew
            else f"Auto-renew is off, so it ends on {subscription.term_end:%Y-%m-%d}."
        )
        return Check(
            False,
            "New-commerce subscriptions can be cancelled only within 7 days of purchase or "
            f"renewal; this one's window closed on {deadline:%Y-%m-%d}. {ending}",
        )
    return ALLOWED


@dataclass(frozen=True)
class SubscriptionActions:
    seats: Check
    auto_renew: Check
    suspend: Check
    reactivate: Check
    cancel: Check

    @property
    def any(self) -> bool:
        return any((self.seats, self.auto_renew, self.suspend, self.reactivate, self.cancel))


def subscription_actions(viewer, subscription: Subscription, today) -> SubscriptionActions:
    return SubscriptionActions(
        seats=can_change_seats(viewer, subscription),
        auto_renew=can_set_auto_renew(viewer, subscription),
        suspend=can_suspend(viewer, subscription),
        reactivate=can_reactivate_subscription(viewer, subscription),
        cancel=can_cancel(viewer, subscription, today),
    )


def seat_decrease_allowed(subscription: Subscription, today) -> bool:
    """New commerce lowers seats only within the same 7-day window as cancelling."""
    deadline = subscription.cancellation_deadline()
    return subscription.commerce_type != CommerceType.NEW_COMMERCE or (
        deadline is not None and today <= deadline
    )
