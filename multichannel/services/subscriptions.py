"""Changes to a subscription our partner holds: seats, auto-renew, suspend, reactivate, cancel.

Each locks the subscription's row, re-checks what is allowed as things are now (so that of two
people acting at once one wins and the other is told why), writes and records one entry."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from multichannel import access
from multichannel.models import Action, Subscription, SubscriptionStatus, User
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import lock_then_read


def _locked(subscription: Subscription) -> Subscription:
    return lock_then_read(
        Subscription.objects.select_related("customer", "partner_of_record"), pk=subscription.pk
    )


def _fresh(by: User) -> User:
    return User.objects.select_related("partner").get(pk=by.pk)


def _change(
    by: User,
    subscription: Subscription,
    check: Callable[[User, Subscription], access.Check],
    action: Action,
    **changes,
) -> Subscription:
    with transaction.atomic():
        actor = _fresh(by)
        locked = _locked(subscription)
        check(actor, locked).enforce()
        old = {field: getattr(locked, field) for field in changes}
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changes))
        record(action, actor=actor, target=locked, old=old, new=changes)
    return locked


def change_seats(
    *, by: User, subscription: Subscription, quantity: int, today=None, seen: int | None = None
) -> Subscription:
    """`seen`: the number of seats the user saw when confirming; if a colleague changed it
    meanwhile, the change is refused rather than applied to a number nobody confirmed."""
    today = today or timezone.localdate()

    def check(actor, locked):
        allowed = access.can_change_seats(actor, locked)
        if allowed and seen is not None and seen != locked.quantity:
            raise RuleViolation(
                f"The seats were changed meanwhile: it has {locked.quantity} now. Review the "
                "change again.",
                field="quantity",
            )
        if allowed and quantity < 1:
            raise RuleViolation(
                "A subscription keeps at least one seat; cancel it instead.", "quantity"
            )
        if allowed and quantity == locked.quantity:
            raise RuleViolation(f"It already has {quantity} seats.", field="quantity")
        if (
            allowed
            and quantity < locked.quantity
            and not access.seat_decrease_allowed(locked, today)
        ):
            raise RuleViolation(
                "New-commerce subscriptions can lower seats only within 7 days of purchase or "
                "renewal; you can add seats, or lower them at the next renewal.",
                field="quantity",
            )
        return allowed

    return _change(by, subscription, check, Action.SEATS_CHANGED, quantity=quantity)


def set_auto_renew(*, by: User, subscription: Subscription, on: bool) -> Subscription:
    def check(actor, locked):
        allowed = access.can_set_auto_renew(actor, locked)
        if allowed and locked.auto_renew == on:
            raise RuleViolation(f"Auto-renew is already {'on' if on else 'off'}.")
        return allowed

    return _change(by, subscription, check, Action.AUTO_RENEW_CHANGED, auto_renew=on)


def suspend(*, by: User, subscription: Subscription) -> Subscription:
    return _change(
        by,
        subscription,
        access.can_suspend,
        Action.SUBSCRIPTION_SUSPENDED,
        status=SubscriptionStatus.SUSPENDED,
    )


def reactivate(*, by: User, subscription: Subscription) -> Subscription:
    return _change(
        by,
        subscription,
        access.can_reactivate_subscription,
        Action.SUBSCRIPTION_REACTIVATED,
        status=SubscriptionStatus.ACTIVE,
    )


def cancel(*, by: User, subscription: Subscription, today=None) -> Subscription:
    today = today or timezone.localdate()
    return _change(
        by,
        subscription,
        lambda actor, locked: access.can_cancel(actor, locked, today),
        Action.SUBSCRIPTION_CANCELLED,
        status=SubscriptionStatus.CANCELLED,
        auto_renew=False,
        cancelled_at=timezone.now(),
    )
