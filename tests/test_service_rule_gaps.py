"""Rules the services must hold on their own, whatever the page in front of them checked:
a transfer moves subscriptions only to a partner that still manages the customer and only
active ones (rule 12); asking for a transfer or creating a subscription queues behind the
removal of the relationship (rule 8); a subscription's partner of record is in the customer's
cloud (rule 9); an onboarding whose old subscription went away can still be finished (rule 11).

`partner` (Contoso) is ours: the target of transfers and the partner that onboards;
`other_partner` (Fabrikam) holds the Azure subscriptions a transfer asks for."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from multichannel import access
from multichannel.models import (
    Action,
    AuditEntry,
    AzureOnboarding,
    AzureService,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    LineItemStatus,
    OnboardingStatus,
    Relationship,
    RelationshipStatus,
    ServiceDisposition,
    Subscription,
    SubscriptionStatus,
    TransferLineItem,
    TransferRequest,
    TransferStatus,
)
from multichannel.roles import Role
from multichannel.services import onboarding as onboarding_services
from multichannel.services import relationships as relationship_services
from multichannel.services import transfers as transfer_services
from multichannel.services.customers import enter_subscription
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from multichannel.services.relationships import remove_relationship
from tests.factories import (
    PartnerFactory,
    SubscriptionFactory,
    make_managed_customer,
    make_user,
    signed_in,
)
from tests.races import race

pytestmark = pytest.mark.django_db

CANCEL, KEEP = ServiceDisposition.CANCEL.value, ServiceDisposition.KEEP.value
SERVICES = [("Web app: contoso-shop", CANCEL), ("SQL database: orders", KEEP)]


# --- Fixtures and helpers ----------------------------------------------------------------------


def share(customer, partner):
    """Give `partner` an active reseller relationship with `customer` too (multi-partner)."""
    Relationship.objects.create(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, partner)


@pytest.fixture
def northwind(partner, other_partner):
    """A customer both partners have an active reseller relationship with."""
    customer = make_managed_customer(partner, company_name="Northwind Traders")
    share(customer, other_partner)
    return customer


def azure(customer, held_by, name, **extra):
    return SubscriptionFactory(
        customer=customer, usage=True, held_by=held_by, offer_name=name, **extra
    )


@pytest.fixture
def azure_ea(northwind):
    """Usage-based Azure the customer bought through its Enterprise Agreement."""
    return SubscriptionFactory(
        customer=northwind, usage=True, channel=Channel.EA, offer_name="Azure EA"
    )


def ask(by, customer, source):
    return transfer_services.request_transfer(
        by=by, customer=customer, source_partner=source, notify_email="it@northwind.example"
    )


def status_of(subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).status


def set_status(subscription, status) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(status=status)


def snapshot():
    """What a refused change must leave exactly as it was."""
    return (
        list(TransferRequest.objects.values_list("pk", "status", "answered_by").order_by("pk")),
        list(TransferLineItem.objects.values_list("pk", "status", "error").order_by("pk")),
        list(
            Subscription.objects.values_list(
                "pk", "partner_of_record", "status", "source"
            ).order_by("pk")
        ),
        list(AzureOnboarding.objects.values_list("pk", "status", "reached").order_by("pk")),
        list(AzureService.objects.values_list("pk", "disposition", "cancelled_at").order_by("pk")),
        list(Relationship.objects.values_list("pk", "status").order_by("pk")),
        AuditEntry.objects.count(),
    )


def removed_behind_our_back(partner, customer):
    """The relationship as a removal that committed just after our unlocked check leaves it:
    the row says removed, while what we had read a moment earlier still says we manage the
    customer. Only a locked read of the row itself sees the difference."""
    Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).update(status=RelationshipStatus.REMOVED, removed_at=timezone.now())


def started(by, source):
    """An onboarding whose first step is done (it stands at step 2)."""
    onboarding = onboarding_services.start_onboarding(by=by, source=source)
    return onboarding_services.confirm_source(
        by=by, onboarding=onboarding, services=[name for name, _ in SERVICES]
    )


def at_services_step(by, source):
    return onboarding_services.create_new_subscription(
        by=by, onboarding=started(by, source), friendly_name="Northwind production"
    )


def cancelled_by_another_partners_onboarding(source, by):
    """Another partner onboards the same subscription and cancels it as a whole."""
    theirs = at_services_step(by, source)
    onboarding_services.record_services(
        by=by, onboarding=theirs, services=[("Web app: contoso-shop", CANCEL)]
    )
    onboarding_services.finish(by=by, onboarding=theirs, cancel_source=True)
    assert status_of(source) == SubscriptionStatus.CANCELLED


# --- 1. A transfer completes only towards a partner that still manages the customer -----------


@pytest.mark.rule(12)
def test_accepting_is_refused_once_the_target_no_longer_manages_the_customer(
    global_admin, sales_agent, other_partner_admin, partner, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    transfer = ask(sales_agent, northwind, other_partner)
    remove_relationship(by=global_admin, customer=northwind)  # while the request waits
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        transfer_services.accept_transfer(
            by=other_partner_admin, transfer=transfer, subscription_ids=[production.pk]
        )

    assert refusal.value.message == (
        "Contoso Cloud Solutions no longer manages Northwind Traders, so the subscriptions "
        "cannot move to it. Decline the request."
    )
    assert snapshot() == before
    assert Subscription.objects.get(pk=production.pk).partner_of_record == other_partner

    # What the message says to do still can be done.
    transfer_services.decline_transfer(by=other_partner_admin, transfer=transfer)
    assert TransferRequest.objects.get(pk=transfer.pk).status == TransferStatus.DECLINED


# --- 2. Asking for a transfer or creating a subscription waits for a removal -------------------


@pytest.mark.rule(8, 12)
def test_asking_for_a_transfer_is_refused_when_the_relationship_was_just_removed(
    sales_agent, partner, other_partner, northwind
):
    azure(northwind, other_partner, "Azure production")
    removed_behind_our_back(partner, northwind)
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "We no longer have an active reseller relationship with Northwind Traders, so we "
        "cannot ask for its subscriptions."
    )
    assert snapshot() == before
    assert not TransferRequest.objects.exists()


@pytest.mark.rule(8, 11)
def test_creating_the_new_azure_subscription_is_refused_when_the_relationship_was_just_removed(
    sales_agent, partner, azure_ea, northwind
):
    onboarding = started(sales_agent, azure_ea)
    removed_behind_our_back(partner, northwind)
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        onboarding_services.create_new_subscription(
            by=sales_agent, onboarding=onboarding, friendly_name="Northwind production"
        )

    assert refusal.value.message == (
        "We no longer have an active reseller relationship with Northwind Traders, so no "
        "subscription can be created for it."
    )
    assert snapshot() == before
    assert not Subscription.objects.filter(channel=Channel.CSP, partner_of_record=partner)


# --- 3. A request with nothing left to ask for is not made -------------------------------------


@pytest.mark.rule(12)
def test_a_request_whose_subscription_was_cancelled_while_it_was_checked_is_refused(
    monkeypatch, sales_agent, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    check = access.can_request_transfer

    def check_then_cancelled_meanwhile(*args, **kwargs):
        answer = check(*args, **kwargs)
        set_status(production, SubscriptionStatus.CANCELLED)  # its holder cancels it now
        return answer

    monkeypatch.setattr(access, "can_request_transfer", check_then_cancelled_meanwhile)
    audit_entries = AuditEntry.objects.count()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "Fabrikam Partners holds no active Azure subscription of Northwind Traders that is not "
        "already in a pending transfer."
    )
    assert not TransferRequest.objects.exists()
    assert not TransferLineItem.objects.exists()
    assert AuditEntry.objects.count() == audit_entries


# --- 4. Only active subscriptions are transferred ----------------------------------------------


@pytest.mark.rule(12)
def test_a_suspended_azure_subscription_is_not_asked_for(sales_agent, other_partner, northwind):
    production = azure(northwind, other_partner, "Azure production")
    azure(northwind, other_partner, "Azure staging", status=SubscriptionStatus.SUSPENDED)

    assert list(access.eligible_for_transfer(northwind, other_partner.pk)) == [production]
    transfer = ask(sales_agent, northwind, other_partner)

    assert list(transfer.items.values_list("subscription_id", flat=True)) == [production.pk]


@pytest.mark.rule(12)
def test_a_source_holding_only_a_suspended_azure_subscription_has_nothing_to_transfer(
    sales_agent, other_partner, northwind
):
    azure(northwind, other_partner, "Azure staging", status=SubscriptionStatus.SUSPENDED)
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "Fabrikam Partners holds no active Azure subscription of Northwind Traders that is not "
        "already in a pending transfer."
    )
    assert snapshot() == before


@pytest.mark.rule(12)
def test_an_item_suspended_before_the_answer_fails_saying_it_is_suspended(
    sales_agent, other_partner_admin, partner, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    staging = azure(northwind, other_partner, "Azure staging")
    transfer = ask(sales_agent, northwind, other_partner)
    set_status(staging, SubscriptionStatus.SUSPENDED)

    transfer_services.accept_transfer(
        by=other_partner_admin, transfer=transfer, subscription_ids=[production.pk, staging.pk]
    )

    items = {
        i.subscription_id: (i.status, i.error)
        for i in TransferLineItem.objects.filter(transfer=transfer)
    }
    assert items == {
        production.pk: (LineItemStatus.MOVED, ""),
        staging.pk: (LineItemStatus.FAILED, "it is suspended"),
    }
    assert Subscription.objects.get(pk=staging.pk).partner_of_record == other_partner
    assert Subscription.objects.get(pk=production.pk).partner_of_record == partner


# --- 5. A partner of record in another cloud is refused by the service itself ----------------


@pytest.mark.rule(9)
def test_entering_a_csp_subscription_held_in_another_cloud_is_refused_beside_the_field(
    sales_agent, partner
):
    customer = make_managed_customer(partner, company_name="Northwind Traders")
    government = PartnerFactory(name="Gov Partners", cloud=Cloud.US_GOVERNMENT)
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(
            by=sales_agent,
            customer=customer,
            offer_name="Azure plan",
            offer_id="DZH318Z0BPS6",
            billing_type=BillingType.USAGE,
            channel=Channel.CSP,
            partner_of_record=government,
            external_id=uuid.uuid4(),
            status=SubscriptionStatus.ACTIVE,
            commerce_type=CommerceType.NEW_COMMERCE,
        )

    assert refusal.value.field == "partner_of_record"
    assert refusal.value.message == (
        "Gov Partners works in the US Government cloud and Northwind Traders is in the "
        "Commercial cloud; the partner that holds a subscription must be in the customer's "
        "cloud."
    )
    assert snapshot() == before


# --- 6. An onboarding whose old subscription went away can still be finished ------------------


@pytest.mark.rule(11)
def test_an_onboarding_whose_old_subscription_was_cancelled_meanwhile_still_finishes(
    sales_agent, other_partner_admin, azure_ea
):
    ours = at_services_step(sales_agent, azure_ea)
    cancelled_by_another_partners_onboarding(azure_ea, other_partner_admin)

    onboarding_services.record_services(by=sales_agent, onboarding=ours, services=SERVICES)
    finished = onboarding_services.finish(by=sales_agent, onboarding=ours, cancel_source=False)

    assert finished.status == OnboardingStatus.FINISHED
    services = {s.name: s.cancelled_at for s in AzureService.objects.filter(onboarding=ours)}
    assert services["Web app: contoso-shop"] is not None
    assert services["SQL database: orders"] is None
    assert status_of(finished.new_subscription) == SubscriptionStatus.ACTIVE
    entry = AuditEntry.objects.get(
        action=Action.ONBOARDING_FINISHED, target_id=str(ours.uuid), actor=sales_agent
    )
    assert entry.new_values["old_subscription_cancelled"] is False


@pytest.mark.rule(11)
def test_cancelling_an_old_subscription_that_is_already_cancelled_is_refused(
    sales_agent, other_partner_admin, azure_ea
):
    ours = at_services_step(sales_agent, azure_ea)
    onboarding_services.record_services(
        by=sales_agent, onboarding=ours, services=[("Web app: contoso-shop", CANCEL)]
    )
    cancelled_by_another_partners_onboarding(azure_ea, other_partner_admin)
    before = snapshot()

    with pytest.raises(RuleViolation) as refusal:
        onboarding_services.finish(by=sales_agent, onboarding=ours, cancel_source=True)

    assert refusal.value.field == "cancel_source"
    assert refusal.value.message == (
        "The old subscription is already cancelled, so it cannot be cancelled as a whole. "
        "Finish without cancelling it: the services are recorded all the same."
    )
    assert snapshot() == before
    assert AzureOnboarding.objects.get(pk=ours.pk).status == OnboardingStatus.IN_PROGRESS


@pytest.mark.rule(11)
def test_the_review_page_turns_off_cancelling_an_old_subscription_already_cancelled(
    sales_agent, other_partner_admin, azure_ea
):
    ours = at_services_step(sales_agent, azure_ea)
    onboarding_services.record_services(
        by=sales_agent, onboarding=ours, services=[("Web app: contoso-shop", CANCEL)]
    )
    cancelled_by_another_partners_onboarding(azure_ea, other_partner_admin)
    client = signed_in(sales_agent)
    review = reverse("onboardings:review", args=[ours.uuid])

    field = client.get(review).context["form"]["cancel_source"]
    assert field.field.disabled
    assert field.help_text == "Not needed: it is already cancelled."

    finished = client.post(review, {"cancel_source": "on"})  # a disabled box is ignored
    assert finished["Location"] == reverse("onboardings:detail", args=[ours.uuid])
    ours.refresh_from_db()
    assert ours.status == OnboardingStatus.FINISHED


# --- Races on PostgreSQL: removing the relationship against what would make us hold more -------


# The removal goes first: it has its lock and has found nothing held when the other starts.
REMOVAL_CHECKED = (relationship_services, "live_subscriptions_we_hold")


def _rule_8_holds(partner, customer) -> bool:
    """No live subscription of ours for a customer we no longer have a relationship with."""
    active = Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).exists()
    return active or not Subscription.objects.live().held_by(partner.pk).filter(customer=customer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(8, 11, 16)
def test_removing_the_relationship_while_the_new_azure_subscription_is_created_one_wins(
    monkeypatch,
):
    partner = PartnerFactory()
    admin, agent = make_user(partner, Role.GLOBAL_ADMIN), make_user(partner, Role.SALES_AGENT)
    customer = make_managed_customer(partner)
    source = SubscriptionFactory(customer=customer, usage=True, channel=Channel.EA)
    onboarding = started(agent, source)

    def create():
        return onboarding_services.create_new_subscription(
            by=agent, onboarding=onboarding, friendly_name="Northwind production"
        )

    outcomes = race(
        lambda: remove_relationship(by=admin, customer=customer),
        create,
        monkeypatch=monkeypatch,
        holding=REMOVAL_CHECKED,
    )

    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 1, outcomes
    assert _rule_8_holds(partner, customer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(8, 12, 16)
def test_removing_the_relationship_while_a_transfer_to_us_is_accepted_one_wins(monkeypatch):
    target, source = PartnerFactory(), PartnerFactory()
    target_admin, asker = make_user(target, Role.GLOBAL_ADMIN), make_user(target, Role.SALES_AGENT)
    source_admin = make_user(source, Role.GLOBAL_ADMIN)
    customer = make_managed_customer(target)
    share(customer, source)
    production = azure(customer, source, "Azure production")
    transfer = ask(asker, customer, source)

    def accept():
        return transfer_services.accept_transfer(
            by=source_admin, transfer=transfer, subscription_ids=[production.pk]
        )

    outcomes = race(
        lambda: remove_relationship(by=target_admin, customer=customer),
        accept,
        monkeypatch=monkeypatch,
        holding=REMOVAL_CHECKED,
    )

    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 1, outcomes
    assert _rule_8_holds(target, customer)
