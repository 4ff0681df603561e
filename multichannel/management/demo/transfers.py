"""Demo transfers between the commercial partners, walked through the services."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from multichannel import access
from multichannel.management.demo.customers import AZURE_PLAN, NEW, OTHER_COMMERCIAL
from multichannel.management.demo.emails import emails_held_back
from multichannel.management.demo.partners import CONTOSO, FABRIKAM, PARTNERS
from multichannel.management.demo.requests import EXPIRY_LAST_RAN, OVERDUE
from multichannel.models import (
    AzureOnboarding,
    BillingType,
    Channel,
    Cloud,
    Customer,
    Partner,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.transfers import TRANSFER_LIFETIME
from multichannel.services.errors import RuleViolation
from multichannel.services.subscriptions import cancel as cancel_subscription
from multichannel.services.transfers import (
    accept_transfer,
    cancel_transfer,
    decline_transfer,
    expire_transfers,
    request_transfer,
)

# --- Transfers between the commercial partners ----------------------------------------------


@dataclass(frozen=True)
class DemoTransfer:
    """One demo transfer request between Contoso and Fabrikam: which of them asks (its Sales
    agent), for at least how many of a shared customer's Azure subscriptions, and what became
    of it. The other one is the source; its Global admin answers."""

    target: str  # partner ID of the partner that asks
    outcome: str  # a TransferStatus value, or OVERDUE
    days_ago: int  # when it was asked for
    azure: int = 1  # live Azure subscriptions the source holds of the customer (at least)
    answered_after: int = 0  # days after the request it was answered or cancelled
    reason: str = ""  # why the source declined
    keeps: int = 0  # line items the source does not choose: they stay with it
    fails: int = 0  # line items chosen, then cancelled by the source before it accepts


COMPLETED = TransferStatus.COMPLETED
ASKER, ANSWERER = "sales", "admin"  # local parts of the demo users who ask and who answer

DEMO_TRANSFERS: list[DemoTransfer] = [
    # Waiting for an answer: one for each commercial partner's Global admins.
    DemoTransfer(FABRIKAM, TransferStatus.PENDING, 3, azure=2),
    DemoTransfer(CONTOSO, TransferStatus.PENDING, 6),
    # Accepted and completed at once: everything moved; one moved, one failed (the source
    # cancelled it after choosing it), one not chosen.
    DemoTransfer(CONTOSO, COMPLETED, 24, azure=2, answered_after=2),
    DemoTransfer(FABRIKAM, COMPLETED, 16, azure=3, answered_after=4, keeps=1, fails=1),
    DemoTransfer(
        CONTOSO, TransferStatus.DECLINED, 20, answered_after=1,
        reason="The customer renewed its Azure commitment with us last month; ask again at "
        "the end of the quarter.",
    ),
    DemoTransfer(FABRIKAM, TransferStatus.CANCELLED, 11, answered_after=2),
    # Expired: one marked so by the expiry command, one past its 30 days since it last ran.
    DemoTransfer(CONTOSO, TransferStatus.EXPIRED, 47),
    DemoTransfer(FABRIKAM, OVERDUE, 33),
]  # fmt: skip
MAX_DEMO_SUBSCRIPTIONS = 8  # an ordinary demo customer has 1 to 8 subscriptions


def transfer_customers(contoso: Partner, fabrikam: Partner) -> list[Customer]:
    """Customers both commercial partners have an active relationship with and that no demo
    onboarding, planned move, relationship request or transfer is about, by domain; each with
    its number of subscriptions (`n`) and the live Azure each partner holds (`azure`)."""
    active = Relationship.objects.filter(customer=OuterRef("pk"), status=RelationshipStatus.ACTIVE)
    about = OuterRef("pk")
    customers = list(
        Customer.objects.filter(cloud=Cloud.COMMERCIAL)
        .filter(Exists(active.filter(partner=contoso)), Exists(active.filter(partner=fabrikam)))
        .exclude(Exists(AzureOnboarding.objects.filter(customer=about)))
        .exclude(Exists(PlannedMove.objects.filter(customer=about)))
        .exclude(Exists(RelationshipRequest.objects.filter(customer=about)))
        .exclude(Exists(TransferRequest.objects.filter(customer=about)))
        .annotate(n=Count("subscriptions"))
        .order_by("primary_domain")
    )
    held = Counter(
        Subscription.objects.live()
        .filter(
            customer__in=[c.pk for c in customers],
            billing_type=BillingType.USAGE,
            channel=Channel.CSP,
            partner_of_record__in=(contoso, fabrikam),
        )
        .values_list("customer_id", "partner_of_record_id")
    )
    for customer in customers:
        customer.azure = {p.pk: held[customer.pk, p.pk] for p in (contoso, fabrikam)}
    return customers


def pick_transfer_customer(
    spec: DemoTransfer, source: Partner, customers: list[Customer]
) -> tuple[Customer, int] | None:
    """(customer, Azure subscriptions to add) for `spec`, taken out of `customers`: the first
    whose source holds enough Azure already, else one where it holds some, else any; never one
    that would end up with more subscriptions than a demo customer has."""

    def missing(customer: Customer) -> int:
        return max(0, spec.azure - customer.azure[source.pk])

    fits = [c for c in customers if c.n + missing(c) <= MAX_DEMO_SUBSCRIPTIONS]
    if not fits:
        return None
    customer = min(fits, key=lambda c: (missing(c) > 0, c.azure[source.pk] == 0))
    customers.remove(customer)
    return customer, missing(customer)


AZURE_NAMES = ("Production", "Development", "Test")


def add_demo_azure(customer: Customer, source: Partner, count: int) -> None:
    """Azure plans the source created for the customer in the portal: something to transfer."""
    for n in range(1, count + 1):
        Subscription.objects.create(
            customer=customer,
            # Named as the portal names the Azure plans it creates: "Azure plan — <name>".
            offer_name=f"{AZURE_PLAN.name} — {AZURE_NAMES[(n - 1) % len(AZURE_NAMES)]}",
            offer_id=AZURE_PLAN.offer_id,
            billing_type=BillingType.USAGE,
            channel=Channel.CSP,
            partner_of_record=source,
            external_id=uuid.uuid5(
                uuid.NAMESPACE_DNS, f"azure-transfer-{n}.{customer.primary_domain}"
            ),
            status=SubscriptionStatus.ACTIVE,
            commerce_type=NEW,
            source=Source.CREATED,
        )


def walk_transfer(
    spec: DemoTransfer,
    customer: Customer,
    source: Partner,
    *,
    asker: User,
    answerer: User,
    seller: User,
) -> tuple[TransferRequest, list[int]]:
    """Ask, then answer or cancel as `spec` says, through the services. Returns the transfer
    and the subscriptions the source cancelled before accepting."""
    transfer = request_transfer(
        by=asker, customer=customer, source_partner=source, notify_email=customer.contact_email
    )
    cancelled: list[int] = []
    if spec.outcome == COMPLETED:
        chosen = list(transfer.items.values_list("subscription_id", flat=True))[spec.keeps :]
        for pk in chosen[: spec.fails]:
            # The customer asked the source to cancel it after the source had chosen it.
            cancel_subscription(by=seller, subscription=Subscription.objects.get(pk=pk))
            cancelled.append(pk)
        transfer = accept_transfer(by=answerer, transfer=transfer, subscription_ids=chosen)
    elif spec.outcome == TransferStatus.DECLINED:
        transfer = decline_transfer(by=answerer, transfer=transfer, reason=spec.reason)
    elif spec.outcome == TransferStatus.CANCELLED:
        transfer = cancel_transfer(by=asker, transfer=transfer)
    return transfer, cancelled


def seed_transfers(partners: dict[str, Partner]) -> list[str]:
    """Transfer requests between the two commercial partners in every state, asked for by their
    Sales agents and answered by their Global admins through the services (so the activity log
    tells the story), then moved back in time; Azure plans are added for shared customers where
    the source holds too few. Left as it is once any transfer between the two exists. Returns
    what was skipped, and why."""
    contoso, fabrikam = partners[CONTOSO], partners[FABRIKAM]
    between = TransferRequest.objects.filter(
        source_partner__in=(contoso, fabrikam), target_partner__in=(contoso, fabrikam)
    )
    if between.exists():
        return []
    now = timezone.now()
    domains = {spec.partner_id: spec.domain for spec in PARTNERS}
    users = {u.email: u for u in User.objects.filter(partner__in=(contoso, fabrikam))}
    customers = transfer_customers(contoso, fabrikam)
    skipped: list[str] = []
    made: list[tuple[int, DemoTransfer, list[int]]] = []
    with emails_held_back():
        for spec in sorted(DEMO_TRANSFERS, key=lambda spec: -spec.days_ago):
            source = partners[OTHER_COMMERCIAL[spec.target]]
            target = partners[spec.target]
            picked = pick_transfer_customer(spec, source, customers)
            if picked is None:
                skipped.append(
                    f"{target.name}: no shared customer left for the {spec.outcome} transfer"
                )
                continue
            customer, missing = picked
            try:
                with transaction.atomic():
                    add_demo_azure(customer, source, missing)
                    transfer, cancelled = walk_transfer(
                        spec,
                        customer,
                        source,
                        asker=users[f"{ASKER}@{domains[spec.target]}"],
                        answerer=users[f"{ANSWERER}@{domains[source.partner_id]}"],
                        seller=users[f"{ASKER}@{domains[source.partner_id]}"],
                    )
            except (RuleViolation, access.RoleRequired) as exc:
                skipped.append(f"{target.name}: {spec.outcome} transfer for {customer}: {exc}")
                continue
            made.append((transfer.pk, spec, cancelled))
    overdue = False
    for pk, spec, cancelled in made:
        created = now - timedelta(days=spec.days_ago)
        answered = created + timedelta(days=spec.answered_after, hours=3)
        moved = {"created_at": created, "expires_at": created + TRANSFER_LIFETIME}
        if spec.outcome == COMPLETED:
            moved |= {"answered_at": answered, "completed_at": answered}
        elif spec.outcome == TransferStatus.DECLINED:
            moved["answered_at"] = answered
        elif spec.outcome == TransferStatus.CANCELLED:
            moved["cancelled_at"] = answered
        TransferRequest.objects.filter(pk=pk).update(**moved)
        # Cancelled between the request and the answer.
        Subscription.objects.filter(pk__in=cancelled).update(
            cancelled_at=created + (answered - created) / 2
        )
        overdue = overdue or spec.outcome in (TransferStatus.EXPIRED, OVERDUE)
    if overdue:
        with emails_held_back():
            expire_transfers(now - EXPIRY_LAST_RAN)
    return skipped


def transfers_summary(partner: Partner) -> str:
    """'incoming 1 pending, 1 completed, …; outgoing …' by effective status."""

    def counts(transfers) -> str:
        statuses = Counter(
            transfers.with_effective_status().values_list("effective_status", flat=True)
        )
        return (
            ", ".join(f"{statuses[s]} {s.label.lower()}" for s in TransferStatus if statuses[s])
            or "none"
        )

    return (
        f"incoming {counts(TransferRequest.objects.filter(target_partner=partner))}; "
        f"outgoing {counts(TransferRequest.objects.filter(source_partner=partner))}"
    )
