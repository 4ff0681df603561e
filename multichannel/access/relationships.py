"""Relationship requests (invitations to a customer) and removing a reseller relationship."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _missing, has, require
from multichannel.models import Customer, RelationshipRequest, RequestStatus, Subscription, User
from multichannel.roles import Perm


def relationship_requests_for(viewer: User) -> QuerySet[RelationshipRequest]:
    require(viewer, Perm.VIEW_REQUESTS)
    # `require` admits only a partner's users, so partner_id is never None here.
    return RelationshipRequest.objects.filter(partner_id=viewer.partner_id)  # type: ignore[misc]


def get_relationship_request_for(viewer: User, request_uuid: UUID | str) -> RelationshipRequest:
    return get_object_or_404(
        relationship_requests_for(viewer).select_related("customer", "created_by", "partner"),
        uuid=request_uuid,
    )


def _pending(relationship_request: RelationshipRequest) -> Check:
    status = relationship_request.current_status()
    if status != RequestStatus.PENDING:
        return Check(False, f"It is {RequestStatus(status).label.lower()}.")
    return ALLOWED


def can_send_relationship_request(viewer: User, relationship_request: RelationshipRequest) -> Check:
    if not has(viewer, Perm.CHANGE_REQUESTS):
        return _missing(Perm.CHANGE_REQUESTS)
    return _pending(relationship_request)


def can_revoke_relationship_request(
    viewer: User, relationship_request: RelationshipRequest
) -> Check:
    return can_send_relationship_request(viewer, relationship_request)


def can_remove_relationship(
    viewer: User, customer: Customer, *, managed: bool, held: Sequence[Subscription] | None = None
) -> Check:
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
