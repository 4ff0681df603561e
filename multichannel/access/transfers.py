"""Transfers of Azure subscriptions between partners: who sees, asks, cancels and answers."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from multichannel.access.base import ALLOWED, Check, _granted, _missing, has, require
from multichannel.access.customers import managed_customers_for, manages_customer
from multichannel.models import (
    AuditEntry,
    BillingType,
    Channel,
    Customer,
    LineItemStatus,
    Subscription,
    SubscriptionStatus,
    TransferGroupObjectPermission,
    TransferLineItem,
    TransferRequest,
    TransferStatus,
)
from multichannel.models.subscriptions import SubscriptionQuerySet
from multichannel.roles import Perm


def transfers_for(viewer) -> QuerySet[TransferRequest]:
    """Both sides of a transfer see it: the target its incoming side, the source its outgoing
    side; a third partner nothing (object permissions granted to both partners' groups)."""
    require(viewer, Perm.VIEW_TRANSFERS)
    return TransferRequest.objects.filter(
        pk__in=_granted(TransferGroupObjectPermission, viewer, "view_transferrequest")
    )


def get_transfer_for(viewer, transfer_uuid) -> TransferRequest:
    return get_object_or_404(
        transfers_for(viewer).select_related(
            "customer", "source_partner", "target_partner", "created_by", "answered_by"
        ),
        uuid=transfer_uuid,
    )


def transferable() -> SubscriptionQuerySet:
    """Rule 12: active usage-based subscriptions held by a CSP partner, not already in a pending
    transfer. A suspended one is not active, so it is not offered; license-based ones never are
    (rule 10)."""
    in_pending = TransferLineItem.objects.filter(
        status=LineItemStatus.PENDING,
        transfer__status=TransferStatus.PENDING,
        transfer__expires_at__gt=timezone.now(),
    ).values("subscription_id")
    return (
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE)
        .filter(billing_type=BillingType.USAGE, channel=Channel.CSP)
        .exclude(pk__in=in_pending)
    )


def eligible_for_transfer(customer, source_partner_id) -> QuerySet[Subscription]:
    """The customer's subscriptions the source partner could transfer (see `transferable`)."""
    return (
        transferable()
        .held_by(source_partner_id)
        .filter(customer=customer)
        .order_by("offer_name", "pk")
    )


def customers_to_ask_transfers_for(viewer) -> QuerySet[Customer]:
    """The customers we work with that have something we could ask another partner for."""
    held_elsewhere = (
        transferable()
        .filter(customer=OuterRef("pk"))
        .exclude(partner_of_record_id=viewer.partner_id)
    )
    return managed_customers_for(viewer).filter(Exists(held_elsewhere))


def can_request_transfer(viewer, customer, source_partner, *, managed=None) -> Check:
    if not has(viewer, Perm.REQUEST_TRANSFERS):
        return _missing(Perm.REQUEST_TRANSFERS)
    if managed is None:
        managed = manages_customer(viewer, customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if source_partner.pk == viewer.partner_id:
        return Check(False, "We already hold what that partner would transfer: choose another.")
    if source_partner.cloud != viewer.partner.cloud or customer.cloud != viewer.partner.cloud:
        return Check(
            False,
            f"{source_partner.name} works in the {source_partner.get_cloud_display()} cloud; a "
            "transfer happens only between partners of the same cloud.",
        )
    if not eligible_for_transfer(customer, source_partner.pk).exists():
        return Check(
            False,
            f"{source_partner.name} holds no active Azure subscription of {customer} that is not "
            "already in a pending transfer.",
        )
    return ALLOWED


def transfer_history(viewer, transfer) -> QuerySet[AuditEntry]:
    """Both partners are parties to a transfer: each sees what either did to it. (`transfer`
    comes from `get_transfer_for`, so the viewer is one of the parties.)"""
    if viewer.partner_id not in (transfer.source_partner_id, transfer.target_partner_id):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(target_type="transferrequest", target_id=str(transfer.uuid))


def _transfer_pending(transfer) -> Check:
    status = transfer.current_status()
    if status != TransferStatus.PENDING:
        return Check(False, f"It is {TransferStatus(status).label.lower()}.")
    return ALLOWED


def can_cancel_transfer(viewer, transfer) -> Check:
    if not has(viewer, Perm.REQUEST_TRANSFERS):
        return _missing(Perm.REQUEST_TRANSFERS)
    if transfer.target_partner_id != viewer.partner_id:
        return Check(False, "Only the partner that asked for the transfer can cancel it.")
    return _transfer_pending(transfer)


def can_answer_transfer(viewer, transfer) -> Check:
    """Accept or decline: a Global admin of the source partner. The role comes first, so that
    whoever lacks it is told so (403) on either side of the transfer."""
    if not has(viewer, Perm.ACCEPT_TRANSFERS):
        return _missing(Perm.ACCEPT_TRANSFERS)
    if transfer.source_partner_id != viewer.partner_id:
        return Check(False, "Only the partner that holds the subscriptions answers.")
    return _transfer_pending(transfer)
