"""Customers: adding a tenant, and entering subscriptions the customer bought elsewhere."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from multichannel import access
from multichannel.models import (
    Action,
    Customer,
    Relationship,
    RelationshipStatus,
    Source,
    Subscription,
    User,
)
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fresh_actor
from multichannel.services.permissions import refresh_customer_access


class DuplicateCustomer(RuleViolation):
    """The tenant is already known to the portal; `existing` is it. The message does not name
    it: it may be another partner's customer."""

    def __init__(self, existing: Customer, field: str):
        what = "domain" if field == "primary_domain" else "tenant ID"
        super().__init__(f"A customer tenant with this {what} is already in the portal.", field)
        self.existing = existing


def _duplicate_of(domain: str, tenant_id) -> DuplicateCustomer | None:
    existing = Customer.objects.filter(Q(primary_domain=domain) | Q(tenant_id=tenant_id)).first()
    if existing is None:
        return None
    field = "primary_domain" if existing.primary_domain == domain else "tenant_id"
    return DuplicateCustomer(existing, field)


def _validate(instance, exclude: list[str]) -> None:
    """The model's own field and rule checks; the first failure comes back beside its field."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RuleViolation(messages[0], field=None if field == "__all__" else field) from error


def create_customer(
    *,
    by: User,
    company_name: str,
    primary_domain: str,
    country: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    tenant_id: uuid.UUID | None = None,
) -> Customer:
    """Create a customer tenant for the actor's partner, with an active reseller relationship."""
    domain = primary_domain.strip().lower().rstrip(".")
    tenant_id = tenant_id or uuid.uuid4()
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_CUSTOMERS)
        access.can_add_customer(actor).enforce()
        duplicate = _duplicate_of(domain, tenant_id)
        if duplicate is not None:
            raise duplicate
        customer = Customer(
            tenant_id=tenant_id,
            company_name=company_name.strip(),
            primary_domain=domain,
            country=country,
            cloud=actor.partner.cloud,
            contact_name=contact_name.strip(),
            contact_email=contact_email.strip().lower(),
            contact_phone=contact_phone.strip(),
            created_by_partner=actor.partner,
        )
        _validate(customer, exclude=["created_by_partner"])
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError as exc:  # someone added it a moment ago
            duplicate = _duplicate_of(domain, tenant_id)
            if duplicate is None:
                raise
            raise duplicate from exc
        Relationship.objects.create(
            partner=actor.partner,
            customer=customer,
            status=RelationshipStatus.ACTIVE,
            created_by=actor,
            started_at=timezone.now(),
        )
        refresh_customer_access(customer, actor.partner)
        record(
            Action.CUSTOMER_CREATED,
            actor=actor,
            target=customer,
            new={
                "company": customer.company_name,
                "domain": customer.primary_domain,
                "tenant_id": str(customer.tenant_id),
                "relationship": "active reseller relationship",
            },
        )
    return customer


SUBSCRIPTION_FIELDS = (
    "offer_name",
    "offer_id",
    "billing_type",
    "channel",
    "partner_of_record",
    "external_id",
    "quantity",
    "term",
    "term_start",
    "term_end",
    "auto_renew",
    "status",
    "commerce_type",
)

ID_TAKEN = "This customer already has a subscription with this ID."


def enter_subscription(*, by: User, customer: Customer, **fields) -> Subscription:
    """Record a subscription the customer bought elsewhere (needs an active relationship)."""
    return enter_subscription_as(fresh_actor(by, Perm.VIEW_CUSTOMERS), customer, **fields)


def enter_subscription_as(actor: User, customer: Customer, **fields) -> Subscription:
    """`enter_subscription` for an actor already read afresh (see `fresh_actor`)."""
    unknown = set(fields) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown subscription fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        access.can_enter_subscription(actor, locked).enforce()
        subscription = Subscription(
            customer=locked, source=Source.ENTERED, created_by=actor, **fields
        )
        if subscription.held_by(actor.partner_id):
            raise RuleViolation(
                "A subscription we hold was not bought elsewhere; choose the partner that holds "
                "it.",
                field="partner_of_record",
            )
        _validate(subscription, exclude=["customer", "created_by"])
        holder = subscription.partner_of_record
        if holder is not None and holder.cloud != locked.cloud:  # rule 9
            raise RuleViolation(
                f"{holder.name} works in the {holder.get_cloud_display()} cloud and {locked} is "
                f"in the {locked.get_cloud_display()} cloud; the partner that holds a "
                "subscription must be in the customer's cloud.",
                field="partner_of_record",
            )
        if Subscription.objects.filter(
            customer=locked, external_id=subscription.external_id
        ).exists():
            raise RuleViolation(ID_TAKEN, field="external_id")
        subscription.save()
        record(
            Action.SUBSCRIPTION_ENTERED,
            actor=actor,
            target=subscription,
            new={
                "offer": subscription.offer_name,
                "channel": subscription.get_channel_display(),
                "billing": subscription.get_billing_type_display(),
                "subscription_id": str(subscription.external_id),
                "seats": subscription.quantity,
                "term_end": subscription.term_end,
            },
        )
    return subscription
