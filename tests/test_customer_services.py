"""Adding a customer tenant and entering the subscriptions it bought elsewhere
(DESIGN §2 "Who sees what", rules 1, 9 and 15)."""

import uuid
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from multichannel import access
from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    Relationship,
    RelationshipStatus,
    Subscription,
    SubscriptionStatus,
    Term,
)
from multichannel.roles import Role
from multichannel.services.customers import (
    ID_TAKEN,
    DuplicateCustomer,
    create_customer,
    enter_subscription,
)
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    SubscriptionFactory,
    everything_a_refusal_keeps,
    make_managed_customer,
    make_user,
)

pytestmark = pytest.mark.django_db

NORTHWIND_TENANT = uuid.UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")


def _northwind(by, **overrides):
    fields = {
        "company_name": "  Northwind Traders ",
        "primary_domain": " NorthWind.onmicrosoft.com. ",
        "country": "DE",
        "contact_name": " Nora North ",
        "contact_email": " Nora@NorthWind.example ",
        "contact_phone": " +49 30 1234567 ",
        "tenant_id": NORTHWIND_TENANT,
    }
    fields.update(overrides)
    return create_customer(by=by, **fields)


def _counts():
    return (
        Customer.objects.count(),
        Relationship.objects.count(),
        CustomerGroupObjectPermission.objects.count(),
        AuditEntry.objects.count(),
    )


# --- create_customer ------------------------------------------------------------------------


def test_it_creates_the_tenant_with_tidy_details_and_an_active_relationship(global_admin, partner):
    customer = _northwind(global_admin)

    customer.refresh_from_db()
    assert customer.company_name == "Northwind Traders"
    assert customer.primary_domain == "northwind.onmicrosoft.com"
    assert customer.tenant_id == NORTHWIND_TENANT
    assert customer.country.code == "DE"
    assert customer.contact_name == "Nora North"
    assert customer.contact_email == "nora@northwind.example"
    assert customer.contact_phone == "+49 30 1234567"
    assert customer.created_by_partner == partner
    relationship = Relationship.objects.get(customer=customer)
    assert relationship.partner == partner
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.created_by == global_admin


def test_it_gives_the_customer_a_tenant_id_when_none_is_given(sales_agent):
    customer = _northwind(sales_agent, tenant_id=None)

    assert isinstance(customer.tenant_id, uuid.UUID)


@pytest.mark.rule(9)
def test_it_puts_the_tenant_in_the_partners_cloud():
    gov = PartnerFactory(name="Tailspin Government Services", cloud=Cloud.US_GOVERNMENT)
    gov_admin = make_user(gov, Role.GLOBAL_ADMIN)

    customer = _northwind(gov_admin)

    assert Customer.objects.get(pk=customer.pk).cloud == Cloud.US_GOVERNMENT


def test_it_lets_the_global_admins_and_sales_agents_see_and_manage_the_customer(
    sales_agent, global_admin
):
    customer = _northwind(sales_agent)

    for user in (global_admin, sales_agent):
        assert list(access.customers_for(user)) == [customer]
        assert list(access.managed_customers_for(user)) == [customer]
        assert access.get_customer_for(user, customer.uuid) == customer


def test_it_grants_view_and_change_to_exactly_the_global_admin_and_sales_agent_groups(
    global_admin, partner
):
    customer = _northwind(global_admin)

    grants = set(
        CustomerGroupObjectPermission.objects.filter(content_object=customer).values_list(
            "group__role_group__role", "permission__codename"
        )
    )
    assert grants == {
        (Role.GLOBAL_ADMIN, "view_customer"),
        (Role.GLOBAL_ADMIN, "change_customer"),
        (Role.SALES_AGENT, "view_customer"),
        (Role.SALES_AGENT, "change_customer"),
    }
    assert set(
        CustomerGroupObjectPermission.objects.filter(content_object=customer).values_list(
            "group__role_group__partner", flat=True
        )
    ) == {partner.pk}


@pytest.mark.rule(15)
def test_it_records_exactly_one_activity_entry_naming_the_customer(sales_agent, partner):
    customer = _northwind(sales_agent)

    entry = AuditEntry.objects.get()
    assert entry.action == Action.CUSTOMER_CREATED
    assert entry.partner == partner
    assert entry.actor == sales_agent
    assert entry.customer == customer
    assert entry.target_type == "customer"
    assert entry.target_id == str(customer.uuid)
    assert entry.new_values["domain"] == "northwind.onmicrosoft.com"
    assert entry.new_values["tenant_id"] == str(NORTHWIND_TENANT)


@pytest.mark.rule(1)
def test_it_keeps_the_customer_from_another_partners_users(
    global_admin, other_partner, other_partner_admin
):
    customer = _northwind(global_admin)
    other_sales_agent = make_user(other_partner, Role.SALES_AGENT)

    for user in (other_partner_admin, other_sales_agent):
        assert not access.customers_for(user).exists()
        assert not access.managed_customers_for(user).exists()
        assert not access.subscriptions_for(user).exists()
        with pytest.raises(Http404):
            access.get_customer_for(user, customer.uuid)


@pytest.mark.parametrize(
    "domain",
    ["northwind.onmicrosoft.com", "NORTHWIND.onmicrosoft.com", "Northwind.OnMicrosoft.Com."],
)
def test_it_refuses_a_domain_already_known_in_any_letter_case_and_writes_nothing(
    global_admin, domain
):
    existing = CustomerFactory(company_name="Northwind", primary_domain="northwind.onmicrosoft.com")
    before = _counts()

    with pytest.raises(DuplicateCustomer) as refusal:
        _northwind(global_admin, primary_domain=domain, tenant_id=uuid.uuid4())

    assert refusal.value.existing == existing
    assert refusal.value.field == "primary_domain"
    assert "domain" in refusal.value.message
    assert _counts() == before


def test_it_refuses_a_tenant_id_already_known_and_writes_nothing(global_admin):
    existing = CustomerFactory(tenant_id=NORTHWIND_TENANT)
    before = _counts()

    with pytest.raises(DuplicateCustomer) as refusal:
        _northwind(global_admin, primary_domain="somewhere-else.onmicrosoft.com")

    assert refusal.value.existing == existing
    assert refusal.value.field == "tenant_id"
    assert "tenant ID" in refusal.value.message
    assert _counts() == before


def test_it_refuses_a_customer_another_partner_already_added(global_admin, other_partner_admin):
    theirs = _northwind(other_partner_admin)
    before = _counts()

    with pytest.raises(DuplicateCustomer) as refusal:
        _northwind(global_admin, tenant_id=uuid.uuid4())

    assert refusal.value.existing == theirs
    assert _counts() == before
    assert not access.customers_for(global_admin).exists()


def test_it_names_the_tenant_id_when_a_racing_insert_took_that_tenant(global_admin, monkeypatch):
    """Someone else adds the same tenant (under another domain) after our duplicate check looked:
    the insert fails on the tenant ID, and the refusal should say so."""
    racer = CustomerFactory(tenant_id=NORTHWIND_TENANT, primary_domain="racer.onmicrosoft.com")
    original_filter = Customer.objects.filter
    lookups = []

    def not_yet_visible_at_first(*args, **kwargs):
        lookups.append(args)
        if len(lookups) == 1:
            return Customer.objects.none()
        return original_filter(*args, **kwargs)

    monkeypatch.setattr(Customer.objects, "filter", not_yet_visible_at_first)

    with pytest.raises(DuplicateCustomer) as refusal:
        _northwind(global_admin)

    assert refusal.value.existing == racer
    assert refusal.value.field == "tenant_id"


@pytest.mark.rule(1)
def test_it_refuses_a_user_management_admin_and_writes_nothing(user_admin):
    before = _counts()

    with pytest.raises(access.RoleRequired) as refusal:
        _northwind(user_admin)

    assert "Global admin or Sales agent" in refusal.value.message
    assert _counts() == before


@pytest.mark.rule(1)
def test_it_refuses_a_deactivated_sales_agent(sales_agent):
    sales_agent.is_active = False
    sales_agent.save()

    with pytest.raises(access.RoleRequired):
        _northwind(sales_agent)
    assert not Customer.objects.exists()


# --- enter_subscription ---------------------------------------------------------------------


@pytest.fixture
def customer(partner):
    return make_managed_customer(partner, company_name="Northwind Traders")


def _license(**overrides):
    fields = {
        "offer_name": "Microsoft 365 E3",
        "offer_id": "CFQ7TTC0LFLX",
        "billing_type": BillingType.LICENSE,
        "channel": Channel.OPEN,
        "external_id": uuid.uuid4(),
        "quantity": 40,
        "term": Term.ANNUAL,
        "term_start": date(2026, 4, 1),
        "term_end": date(2027, 3, 31),
    }
    fields.update(overrides)
    return fields


def _azure(**overrides):
    fields = {
        "offer_name": "Azure plan",
        "offer_id": "DZH318Z0BPS6",
        "billing_type": BillingType.USAGE,
        "channel": Channel.DIRECT,
        "external_id": uuid.uuid4(),
    }
    fields.update(overrides)
    return fields


def test_it_enters_a_license_bought_elsewhere_and_records_it(sales_agent, customer, partner):
    subscription = enter_subscription(by=sales_agent, customer=customer, **_license())

    subscription.refresh_from_db()
    assert subscription.customer == customer
    assert subscription.channel == Channel.OPEN
    assert subscription.source == "entered"
    assert subscription.created_by == sales_agent
    assert subscription.quantity == 40
    entry = AuditEntry.objects.get()
    assert entry.action == Action.SUBSCRIPTION_ENTERED
    assert entry.partner == partner
    assert entry.actor == sales_agent
    assert entry.customer == customer
    assert entry.target_id == str(subscription.uuid)
    assert entry.new_values["seats"] == 40
    assert entry.new_values["term_end"] == "2027-03-31"
    assert entry.new_values["subscription_id"] == str(subscription.external_id)


def test_it_enters_azure_held_by_another_partner(global_admin, customer, other_partner):
    subscription = enter_subscription(
        by=global_admin,
        customer=customer,
        **_azure(channel=Channel.CSP, partner_of_record=other_partner),
    )

    assert subscription.partner_of_record == other_partner
    assert subscription.quantity is None
    assert list(access.subscriptions_for(global_admin)) == [subscription]


@pytest.mark.rule(15)
def test_it_records_one_activity_entry_per_subscription_entered(sales_agent, customer):
    first = enter_subscription(by=sales_agent, customer=customer, **_license())
    second = enter_subscription(by=sales_agent, customer=customer, **_azure())

    entries = AuditEntry.objects.filter(action=Action.SUBSCRIPTION_ENTERED)
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(
        [str(first.uuid), str(second.uuid)]
    )
    assert AuditEntry.objects.count() == 2


def test_it_needs_an_active_relationship_with_the_customer(sales_agent):
    stranger = CustomerFactory()

    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(by=sales_agent, customer=stranger, **_license())

    assert "active reseller relationship" in refusal.value.message
    assert not Subscription.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.rule(8)
def test_it_refuses_once_the_relationship_is_removed(sales_agent, customer, partner):
    Relationship.objects.filter(customer=customer).update(status=RelationshipStatus.REMOVED)
    refresh_customer_access(customer, partner)

    with pytest.raises(RuleViolation):
        enter_subscription(by=sales_agent, customer=customer, **_license())
    assert not Subscription.objects.exists()


@pytest.mark.rule(1)
def test_it_refuses_another_partners_admin(other_partner_admin, customer):
    with pytest.raises(RuleViolation):
        enter_subscription(by=other_partner_admin, customer=customer, **_license())
    assert not Subscription.objects.exists()


def test_it_refuses_a_user_management_admin(user_admin, customer):
    with pytest.raises(access.RoleRequired):
        enter_subscription(by=user_admin, customer=customer, **_license())
    assert not Subscription.objects.exists()


def test_it_refuses_a_field_a_subscription_does_not_have(sales_agent, customer):
    with pytest.raises(TypeError):
        enter_subscription(by=sales_agent, customer=customer, source="created", **_license())


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (_license(quantity=None), "quantity", "seats"),
        (_license(quantity=0), "quantity", "seats"),
        (_license(term=""), "term", "term"),
        (_license(term_start=None), "term_start", "start"),
        (_license(term_end=None), "term_end", "end"),
        (_license(term_end=date(2026, 4, 1)), "term_end", "must end after it starts"),
        (_license(term_end=date(2026, 3, 1)), "term_end", "must end after it starts"),
        (_azure(quantity=5), "quantity", "no seats"),
        (_azure(channel=Channel.CSP), "partner_of_record", "CSP partner"),
        (_license(channel=Channel.CSP), "partner_of_record", "CSP partner"),
        (_azure(billing_type="pay_as_you_go"), "billing_type", ""),
        (_azure(channel="reseller"), "channel", ""),
        (_azure(external_id="not-a-guid"), "external_id", ""),
        (_azure(offer_name=""), "offer_name", ""),
    ],
    ids=[
        "license-without-seats",
        "license-with-zero-seats",
        "license-without-term",
        "license-without-term-start",
        "license-without-term-end",
        "term-ending-as-it-starts",
        "term-ending-before-it-starts",
        "usage-with-seats",
        "azure-csp-without-partner",
        "license-csp-without-partner",
        "unknown-billing-type",
        "unknown-channel",
        "malformed-subscription-id",
        "no-offer-name",
    ],
)
def test_it_explains_each_invalid_entry_beside_its_field(
    sales_agent, customer, fields, field, words
):
    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(by=sales_agent, customer=customer, **fields)

    assert refusal.value.field == field
    assert words in refusal.value.message
    assert not Subscription.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_partner_of_record_outside_the_csp_channel(
    sales_agent, customer, other_partner
):
    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(
            by=sales_agent, customer=customer, **_license(partner_of_record=other_partner)
        )

    assert refusal.value.field == "partner_of_record"
    assert refusal.value.message == "Only CSP subscriptions have a partner of record."


def test_it_refuses_to_enter_a_csp_subscription_we_hold_as_bought_elsewhere(
    sales_agent, customer, partner
):
    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(
            by=sales_agent,
            customer=customer,
            **_azure(channel=Channel.CSP, partner_of_record=partner),
        )

    assert refusal.value.field == "partner_of_record"
    assert not Subscription.objects.exists()


def test_it_refuses_a_subscription_id_the_customer_already_has(sales_agent, customer):
    external_id = uuid.uuid4()
    enter_subscription(by=sales_agent, customer=customer, **_license(external_id=external_id))

    with pytest.raises(RuleViolation) as refusal:
        enter_subscription(
            by=sales_agent, customer=customer, **_azure(external_id=str(external_id).upper())
        )

    assert refusal.value.field == "external_id"
    assert refusal.value.message == ID_TAKEN
    assert Subscription.objects.count() == 1
    assert AuditEntry.objects.count() == 1


def test_it_allows_the_same_subscription_id_for_another_customer(sales_agent, customer, partner):
    external_id = uuid.uuid4()
    other_customer = make_managed_customer(partner)
    enter_subscription(by=sales_agent, customer=customer, **_license(external_id=external_id))

    enter_subscription(by=sales_agent, customer=other_customer, **_azure(external_id=external_id))

    assert Subscription.objects.filter(external_id=external_id).count() == 2


# --- The database holds the rules even when `clean()` is bypassed ----------------------------


def _bypassing_clean(customer, **overrides):
    fields = {
        "customer": customer,
        "offer_name": "Microsoft 365 E3",
        "offer_id": "CFQ7TTC0LFLX",
        "billing_type": BillingType.LICENSE,
        "channel": Channel.DIRECT,
        "external_id": uuid.uuid4(),
        "quantity": 10,
        "term": Term.ANNUAL,
        "term_start": date(2026, 4, 1),
        "term_end": date(2027, 3, 31),
    }
    fields.update(overrides)
    return Subscription.objects.create(**fields)


@pytest.mark.parametrize(
    "overrides",
    [
        {"billing_type": BillingType.USAGE, "term": "", "term_start": None, "term_end": None},
        {"quantity": None},
        {"quantity": 0},
        {"term_end": date(2026, 3, 1)},
        {"term_end": date(2026, 4, 1)},
        {"channel": Channel.CSP},
        {"channel": Channel.EA, "partner_of_record": "other"},
        {"term_end": None},
        {"status": "paused"},
    ],
    ids=[
        "seats-on-usage",
        "license-without-seats",
        "license-with-zero-seats",
        "term-ending-before-it-starts",
        "term-ending-as-it-starts",
        "csp-without-partner-of-record",
        "partner-of-record-outside-csp",
        "license-without-term-end",
        "unknown-status",
    ],
)
def test_the_database_refuses_what_clean_would_refuse(customer, other_partner, overrides):
    if overrides.get("partner_of_record") == "other":
        overrides = {**overrides, "partner_of_record": other_partner}

    with pytest.raises(IntegrityError), transaction.atomic():
        _bypassing_clean(customer, **overrides)

    assert not Subscription.objects.exists()


def test_the_database_refuses_a_duplicate_subscription_id_for_one_customer(customer):
    first = _bypassing_clean(customer)

    with pytest.raises(IntegrityError), transaction.atomic():
        _bypassing_clean(customer, external_id=first.external_id)

    _bypassing_clean(CustomerFactory(), external_id=first.external_id)
    assert Subscription.objects.filter(external_id=first.external_id).count() == 2


def test_the_database_refuses_a_second_active_relationship_for_one_partner(customer, partner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Relationship.objects.create(partner=partner, customer=customer)


def test_the_database_keeps_domains_in_lower_case():
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(primary_domain="Mixed.OnMicrosoft.com")


def test_the_factories_make_valid_subscriptions(partner, customer):
    for subscription in (
        SubscriptionFactory(customer=customer),
        SubscriptionFactory(customer=customer, usage=True),
        SubscriptionFactory(customer=customer, held_by=partner),
        SubscriptionFactory(customer=customer, held_by=partner, usage=True),
    ):
        subscription.full_clean()


# --- A partner of record in another cloud is refused by the service itself ---------------------


@pytest.mark.rule(9)
def test_entering_a_csp_subscription_held_in_another_cloud_is_refused_beside_the_field(
    sales_agent, partner
):
    customer = make_managed_customer(partner, company_name="Northwind Traders")
    government = PartnerFactory(name="Gov Partners", cloud=Cloud.US_GOVERNMENT)
    before = everything_a_refusal_keeps()

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
    assert everything_a_refusal_keeps() == before
