"""Transfer requests (rule 12): every transition in one place, each with a row lock, each with
one activity-log entry. `pending → accepted → completed` (a line item may fail with its error),
`pending → declined` (source), `pending → cancelled` (target), `pending → expired` (30 days)."""

from django.db import transaction
from django.utils import timezone

from multichannel import access, notifications
from multichannel.models import (
    Action,
    BillingType,
    Customer,
    LineItemStatus,
    Partner,
    ProductType,
    Source,
    Subscription,
    SubscriptionStatus,
    TransferLineItem,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.transfers import TRANSITIONS
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fresh_actor
from multichannel.services.permissions import grant_transfer_access
from multichannel.services.relationships import lock_active_relationship


def _change_status(transfer: TransferRequest, to: TransferStatus) -> None:
    """The only place a transfer's status changes; anything off the life cycle is refused."""
    if to not in TRANSITIONS[TransferStatus(transfer.status)]:
        raise RuleViolation(
            f"It is {transfer.get_status_display().lower()}; it cannot become {to.label.lower()}."
        )
    transfer.status = to


def request_transfer(
    *,
    by: User,
    customer: Customer,
    source_partner: Partner,
    notify_email: str,
    product_types: list[str] | None = None,
) -> TransferRequest:
    """The target partner asks the source partner for the customer's Azure subscriptions."""
    product_types = product_types or [ProductType.AZURE]
    if set(product_types) - set(ProductType.values):
        raise RuleViolation("Only Azure subscriptions can be transferred.", field="product_types")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_TRANSFERS)
        locked_customer = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        # An overdue request still holds its line items until the scheduled expiry runs: make
        # its expiry final now, so that its subscriptions can be asked for again.
        expire_transfers(customer=locked_customer)
        access.can_request_transfer(actor, locked_customer, source_partner).enforce()
        # Held until we commit, so that our Global admin cannot remove the relationship while
        # we ask (rule 12 needs it); if it was removed while we checked, we find none.
        if lock_active_relationship(actor.partner_id, locked_customer.pk) is None:
            raise RuleViolation(
                f"We no longer have an active reseller relationship with {locked_customer}, so "
                "we cannot ask for its subscriptions."
            )
        eligible = list(
            access.eligible_for_transfer(locked_customer, source_partner.pk).select_for_update(
                no_key=True, of=("self",)
            )
        )
        if not eligible:  # cancelled or asked for by someone else since the check above
            raise RuleViolation(
                f"{source_partner.name} holds no active Azure subscription of {locked_customer} "
                "that is not already in a pending transfer."
            )
        now = timezone.now()
        transfer = TransferRequest.objects.create(
            customer=locked_customer,
            source_partner=source_partner,
            target_partner=actor.partner,
            product_types=list(product_types),
            notify_email=notify_email.strip().lower(),
            created_by=actor,
            created_at=now,
            expires_at=TransferRequest.default_expiry(now),
        )
        TransferLineItem.objects.bulk_create(
            TransferLineItem(transfer=transfer, subscription=s) for s in eligible
        )
        grant_transfer_access(transfer)
        notifications.after_commit(notifications.send_transfer_news, transfer.pk, "created")
        record(
            Action.TRANSFER_CREATED,
            actor=actor,
            target=transfer,
            customer=locked_customer,
            new={
                "from": source_partner.name,
                "subscriptions": [s.offer_name for s in eligible],
                "notify": transfer.notify_email,
            },
        )
    return transfer


def _locked(transfer: TransferRequest) -> TransferRequest:
    return (
        TransferRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("customer", "source_partner", "target_partner")
        .get(pk=transfer.pk)
    )


def _withdraw_items(transfer: TransferRequest) -> None:
    transfer.items.filter(status=LineItemStatus.PENDING).update(status=LineItemStatus.WITHDRAWN)


def cancel_transfer(*, by: User, transfer: TransferRequest) -> TransferRequest:
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_TRANSFERS)
        locked = _locked(transfer)
        access.can_cancel_transfer(actor, locked).enforce()
        _change_status(locked, TransferStatus.CANCELLED)
        locked.cancelled_by, locked.cancelled_at = actor, timezone.now()
        locked.save(update_fields=["status", "cancelled_by", "cancelled_at"])
        _withdraw_items(locked)
        notifications.after_commit(notifications.send_transfer_news, locked.pk, "cancelled")
        record(
            Action.TRANSFER_CANCELLED,
            actor=actor,
            target=locked,
            old={"status": "pending"},
            new={"status": "cancelled"},
        )
    return locked


def decline_transfer(*, by: User, transfer: TransferRequest, reason: str = "") -> TransferRequest:
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_TRANSFERS)
        locked = _locked(transfer)
        access.can_answer_transfer(actor, locked).enforce()
        _change_status(locked, TransferStatus.DECLINED)
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.decline_reason = reason.strip()[:500]
        locked.save(update_fields=["status", "answered_by", "answered_at", "decline_reason"])
        _withdraw_items(locked)
        notifications.after_commit(notifications.send_transfer_news, locked.pk, "declined")
        record(
            Action.TRANSFER_DECLINED,
            actor=actor,
            target=locked,
            old={"status": "pending"},
            new={"status": "declined", "reason": locked.decline_reason},
        )
    return locked


def accept_transfer(
    *, by: User, transfer: TransferRequest, subscription_ids: list[int]
) -> TransferRequest:
    """The source partner's Global admin picks the line items that go and confirms: accepted,
    then completed at once. Each chosen subscription still eligible moves to the target; one
    that no longer is records its error instead of failing the whole transfer."""
    chosen = {int(pk) for pk in subscription_ids}
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_TRANSFERS)
        locked = _locked(transfer)
        access.can_answer_transfer(actor, locked).enforce()
        # The subscriptions move to the target only while it manages the customer (rule 12);
        # the lock keeps its Global admin from removing the relationship until we are done.
        if lock_active_relationship(locked.target_partner_id, locked.customer_id) is None:
            raise RuleViolation(
                f"{locked.target_partner.name} no longer manages {locked.customer}, so the "
                "subscriptions cannot move to it. Decline the request."
            )
        items = list(
            locked.items.select_related("subscription").filter(status=LineItemStatus.PENDING)
        )
        if not chosen & {item.subscription_id for item in items}:
            raise RuleViolation(
                "Choose at least one subscription to transfer, or decline the request.",
                field="subscriptions",
            )
        now = timezone.now()
        _change_status(locked, TransferStatus.ACCEPTED)
        locked.answered_by, locked.answered_at = actor, now
        locked.save(update_fields=["status", "answered_by", "answered_at"])
        record(
            Action.TRANSFER_ACCEPTED,
            actor=actor,
            target=locked,
            old={"status": "pending"},
            new={"status": "accepted"},
        )
        moved, failed = _complete(locked, items, chosen)
        _change_status(locked, TransferStatus.COMPLETED)
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at"])
        notifications.after_commit(notifications.send_transfer_news, locked.pk, "completed")
        record(
            Action.TRANSFER_COMPLETED,
            actor=actor,
            target=locked,
            old={"status": "accepted"},
            new={"status": "completed", "moved": moved, "failed": failed},
        )
    return locked


def _complete(transfer: TransferRequest, items, chosen: set[int]) -> tuple[list, list]:
    moved, failed = [], []
    for item in items:
        if item.subscription_id not in chosen:
            item.status = LineItemStatus.NOT_SELECTED
            item.save(update_fields=["status"])
            continue
        subscription = Subscription.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=item.subscription_id
        )
        error = _ineligible(subscription, transfer)
        if error:
            item.status, item.error = LineItemStatus.FAILED, error
            item.save(update_fields=["status", "error"])
            failed.append(f"{subscription.offer_name}: {error}")
            continue
        subscription.partner_of_record = transfer.target_partner
        subscription.source = Source.TRANSFERRED
        subscription.save(update_fields=["partner_of_record", "source"])
        item.status = LineItemStatus.MOVED
        item.save(update_fields=["status"])
        moved.append(subscription.offer_name)
    return moved, failed


def _ineligible(subscription: Subscription, transfer: TransferRequest) -> str:
    """Why a chosen subscription cannot move now, or "" when it can."""
    if subscription.billing_type != BillingType.USAGE:
        return "license-based subscriptions cannot switch partner before their term ends"
    if subscription.status != SubscriptionStatus.ACTIVE:  # rule 12: active ones only
        return f"it is {subscription.get_status_display().lower()}"
    if not subscription.held_by(transfer.source_partner_id):
        return "it is no longer held by the source partner"
    return ""


def expire_transfers(now=None, customer=None) -> int:
    """Pending transfers past their 30 days expire (run by the scheduled expiry command)."""
    now = now or timezone.now()
    count = 0
    due = TransferRequest.objects.filter(status=TransferStatus.PENDING, expires_at__lte=now)
    if customer is not None:
        due = due.filter(customer=customer)
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            locked = (
                TransferRequest.objects.select_for_update(
                    no_key=True, skip_locked=True, of=("self",)
                )
                .select_related("customer", "target_partner")
                .filter(pk=pk, status=TransferStatus.PENDING, expires_at__lte=now)
                .first()
            )
            if locked is None:
                continue
            _change_status(locked, TransferStatus.EXPIRED)
            locked.save(update_fields=["status"])
            _withdraw_items(locked)
            notifications.after_commit(notifications.send_transfer_news, locked.pk, "expired")
            record(
                Action.TRANSFER_EXPIRED,
                partner=locked.target_partner,
                actor_label="Scheduled expiry",
                target=locked,
                old={"status": "pending"},
                new={"status": "expired"},
            )
            count += 1
    return count
