"""Relationship requests (invitations to a customer) and removing a reseller relationship."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _missing, has, require
from multichannel.models import Customer, RelationshipRequest, RequestStatus, Subscription
from multichannel.roles import Perm


def relationship_requests_for(viewer) -> QuerySet[RelationshipRequest]:
    require(viewer, Perm.VIEW_REQUESTS)
    return RelationshipRequest.objects.filter(partner_id=viewer.partner_id)


def get_relationship_request_for(viewer, request_uuid) -> RelationshipRequest:
    return get_object_or_404(
        relationship_requests_for(viewer).select_related("customer", "created_by", "partner"),
        uuid=request_uuid,
    )


def _pending(relationship_request: RelationshipRequest) -> Check:
    status = relationship_request.current_status()
    if status != RequestStatus.PENDING:
        return Check(False, f"It is {RequestStatus(status).label.lower()}.")
    return ALLOWED


def can_send_relationship_request(viewer, relationship_request: RelationshipRequest) -> Check:
    if not has(viewer, Perm.CHANGE_REQUESTS):
        return _missing(Perm.CHANGE_REQUESTS)
    return _pending(relationship_request)


def can_revoke_relationship_request(viewer, relationship_request: RelationshipRequest) -> Check:
    return can_send_relationship_request(viewer, relationship_request)


def can_remove_relationship(viewer, customer: Customer, *, managed: bool, held=None) -> Check:
    """Rule 8. `held`: the live subscriptions we hold for the customer, if already fetched."""
    if not has(viewer, Perm.REMOVE_RELATIONSHIPS):
        return _missing(Perm.REMOVE_RELATIONSHIPS)
    if not managed:
        return Check(False, "There is no active reseller relationship to remove.")
    if held is None:
        held = list(
            Subscription.objects.live().held_by(viewer.partner_id).filter(customer=customer)
        )
    if held:
        names = ", ".join(sorted(s.offer_name for s in held))
        return Check(
            False,
            "The relationship can be removed once we hold no live subscription for this "
            f"customer: cancel or transfer {names} first.",
        )
    return ALLOWED
