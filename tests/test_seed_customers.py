"""The demo customers: every partner gets customers with subscriptions from every channel, and sees
exactly the customers it has an active relationship with."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from multichannel import access
from multichannel.management.demo.customers import (
    CUSTOMER_COUNTS,
    FORMER_FABRIKAM_CUSTOMERS,
    SHARED_CUSTOMERS,
)
from multichannel.management.demo.requests import DEMO_REQUESTS, FABRIKAM_CUSTOMER, NEW_TENANT
from multichannel.models import (
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    LineItemStatus,
    Partner,
    Relationship,
    RelationshipStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    TransferLineItem,
    User,
)

CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def sales_agent(domain: str) -> User:
    return User.objects.get(email=f"sales@{domain}")


@pytest.fixture
def contoso_sales(seeded):
    return sales_agent("contoso-partner.example")


@pytest.fixture
def fabrikam_sales(seeded):
    return sales_agent("fabrikam-partner.example")


@pytest.fixture
def tailspin_sales(seeded):
    return sales_agent("tailspin-gov.example")


def related(partner_id: str, status=RelationshipStatus.ACTIVE):
    return Customer.objects.filter(
        relationships__partner__partner_id=partner_id, relationships__status=status
    )


def joined_by_invitation(partner_id: str) -> int:
    """Demo customers of another partner that `partner_id` joined by an accepted invitation."""

    return sum(
        1
        for spec in DEMO_REQUESTS.get(partner_id, [])
        if spec.outcome == "accepted" and spec.tenant == FABRIKAM_CUSTOMER
    )


def from_the_customer_seed():
    """The demo customers themselves, not the new tenants the demo invitations added."""

    invited = [
        spec.domain
        for specs in DEMO_REQUESTS.values()
        for spec in specs
        if spec.tenant == NEW_TENANT
    ]
    return Customer.objects.exclude(primary_domain__in=invited)


def state() -> dict[str, int]:
    models = (
        Partner,
        User,
        Customer,
        Relationship,
        Subscription,
        CustomerGroupObjectPermission,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_customers_load_twice_to_the_same_state(seeded):
    before = state()
    out = seed()
    assert state() == before
    assert from_the_customer_seed().count() == sum(CUSTOMER_COUNTS.values()) - SHARED_CUSTOMERS
    assert re.search(r"Contoso Cloud Solutions: \d+ customers", out)
    assert re.search(r"Tailspin Government Services: \d+ customers", out)
    assert "password: portal-demo-2026" in out


def test_every_channel_billing_type_status_and_commerce_type_occurs(seeded):
    subscriptions = Subscription.objects.all()
    for field, choices in (
        ("channel", Channel),
        ("billing_type", BillingType),
        ("status", SubscriptionStatus),
        ("commerce_type", CommerceType),
    ):
        assert set(subscriptions.values_list(field, flat=True)) == set(choices.values), field
    assert subscriptions.filter(source=Source.CREATED).exists()
    assert subscriptions.filter(source=Source.ENTERED).exists()


def test_every_subscription_keeps_the_rules_of_its_model(seeded):
    subscriptions = list(Subscription.objects.all())
    for subscription in subscriptions:
        subscription.clean()
    assert all(
        bool(s.cancelled_at) == (s.status == SubscriptionStatus.CANCELLED) for s in subscriptions
    )
    assert all(
        1 <= n <= 8 or n >= 60
        for n in from_the_customer_seed()
        .annotate(n=Count("subscriptions"))
        .values_list("n", flat=True)
    )


def test_a_csp_subscription_held_by_one_of_the_customers_partners_was_created_by_it(seeded):
    """...or transferred to it by another partner (the demo transfers)."""

    partners = {}
    for partner_id, customer_id in Relationship.objects.values_list("partner_id", "customer_id"):
        partners.setdefault(customer_id, set()).add(partner_id)
    moved = set(
        TransferLineItem.objects.filter(status=LineItemStatus.MOVED).values_list(
            "subscription_id", flat=True
        )
    )
    for subscription in Subscription.objects.all():
        ours = (
            subscription.channel == Channel.CSP
            and subscription.partner_of_record_id in partners[subscription.customer_id]
        )
        if subscription.pk in moved:
            assert subscription.source == Source.TRANSFERRED
        else:
            assert subscription.source == (Source.CREATED if ours else Source.ENTERED)


def test_each_partner_sees_the_customers_it_has_an_active_relationship_with(
    contoso_sales, fabrikam_sales, tailspin_sales
):
    for agent, partner_id in (
        (contoso_sales, CONTOSO),
        (fabrikam_sales, FABRIKAM),
        (tailspin_sales, TAILSPIN),
    ):
        managed = set(access.managed_customers_for(agent))
        assert managed == set(related(partner_id))
        assert managed <= set(access.customers_for(agent))
        assert len(managed & set(from_the_customer_seed())) == CUSTOMER_COUNTS[
            partner_id
        ] + joined_by_invitation(partner_id)


def test_shared_customers_are_visible_to_both_commercial_partners(contoso_sales, fabrikam_sales):
    shared = set(related(CONTOSO)) & set(related(FABRIKAM)) & set(from_the_customer_seed())
    assert len(shared) == SHARED_CUSTOMERS + joined_by_invitation(CONTOSO)
    assert shared <= set(access.customers_for(contoso_sales))
    assert shared <= set(access.customers_for(fabrikam_sales))
    their_subscriptions = set(Subscription.objects.filter(customer__in=shared))
    assert their_subscriptions <= set(access.subscriptions_for(contoso_sales))
    assert their_subscriptions <= set(access.subscriptions_for(fabrikam_sales))
    holders = {s.partner_of_record.partner_id for s in their_subscriptions if s.partner_of_record}
    assert holders == {CONTOSO, FABRIKAM}


def test_fabrikam_no_longer_sees_the_customers_it_used_to_work_with(contoso_sales, fabrikam_sales):
    former = related(FABRIKAM, RelationshipStatus.REMOVED)
    assert former.count() == FORMER_FABRIKAM_CUSTOMERS
    assert not access.customers_for(fabrikam_sales).filter(pk__in=former).exists()
    assert set(former) <= set(access.customers_for(contoso_sales))
    assert not Relationship.objects.filter(
        status=RelationshipStatus.REMOVED, removed_at__isnull=True
    ).exists()
    # Rule 8: it could leave only once nothing it held was live any more.
    assert (
        not Subscription.objects.live()
        .filter(customer__in=former, partner_of_record__partner_id=FABRIKAM)
        .exists()
    )


def test_tailspin_sees_none_of_the_commercial_partners_customers(
    contoso_sales, fabrikam_sales, tailspin_sales
):
    visible = access.customers_for(tailspin_sales)
    assert visible.exists()
    assert not visible.exclude(cloud=Cloud.US_GOVERNMENT).exists()
    commercial = access.customers_for(contoso_sales) | access.customers_for(fabrikam_sales)
    assert not visible.filter(pk__in=commercial.values("pk")).exists()
    assert (
        not access.subscriptions_for(tailspin_sales)
        .exclude(customer__cloud=Cloud.US_GOVERNMENT)
        .exists()
    )
    # Rule 9: US Government partners always include delegated admin roles.
    tailspin = Relationship.objects.filter(partner__partner_id=TAILSPIN)
    assert not tailspin.filter(delegated_admin_roles=[]).exists()


def test_one_customer_has_about_two_hundred_subscriptions(contoso_sales):
    counts = list(
        access.customers_for(contoso_sales)
        .annotate(n=Count("subscriptions"))
        .order_by("-n")
        .values_list("n", flat=True)[:3]
    )
    assert counts[0] >= 190
    assert counts[1] >= 60
    assert counts[2] >= 60


def test_relationships_look_like_accepted_invitations(seeded):
    today = timezone.localdate()
    now = timezone.now()
    accepted = Relationship.objects.exclude(accepted_by_email="").select_related("customer")
    assert accepted.exists()
    assert Relationship.objects.filter(accepted_by_email="").exists()
    for relationship in accepted:
        assert relationship.accepted_by_email.endswith("@" + relationship.customer.primary_domain)
        assert relationship.accepted_at and relationship.customer_agreement_accepted_at
    with_roles = Relationship.objects.exclude(delegated_admin_roles=[])
    assert with_roles.exists()
    for relationship in with_roles:
        ahead = (relationship.delegated_admin_until - today).days
        assert 30 <= ahead <= 700
    assert not Relationship.objects.filter(started_at__gt=now).exists()
    assert len(set(Relationship.objects.values_list("started_at", flat=True))) > 100


def test_contoso_has_terms_ending_soon_and_subscriptions_still_cancellable(contoso_sales):
    today = timezone.localdate()
    live_licenses = access.subscriptions_for(contoso_sales).filter(
        billing_type=BillingType.LICENSE, status=SubscriptionStatus.ACTIVE
    )
    for first, last in ((1, 30), (31, 60), (61, 90)):
        ending = live_licenses.filter(
            term_end__range=(today + timedelta(days=first), today + timedelta(days=last))
        )
        assert ending.exists()
        assert ending.exclude(channel=Channel.CSP).exists()

    held = live_licenses.filter(
        channel=Channel.CSP,
        partner_of_record=contoso_sales.partner,
        commerce_type=CommerceType.NEW_COMMERCE,
    ).select_related("partner_of_record")
    cancellable = [s for s in held if access.can_cancel(contoso_sales, s, today)]
    assert cancellable
    assert len(cancellable) < held.count()
