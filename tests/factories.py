import datetime
import uuid

import factory
from factory.django import DjangoModelFactory

from multichannel.models import (
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    Partner,
    Relationship,
    RelationshipStatus,
    Subscription,
    SubscriptionStatus,
    Term,
    User,
)
from multichannel.roles import Role
from multichannel.services.permissions import refresh_customer_access
from multichannel.services.users import RoleGroupLookup

PASSWORD = "correct-horse-battery-staple"


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("partner_id",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    partner_id = factory.Sequence(lambda n: f"{7000000 + n}")
    country = "US"
    cloud = Cloud.COMMERCIAL


class UserFactory(DjangoModelFactory):
    """`UserFactory(roles={Role.SALES_AGENT})`; the password is `PASSWORD`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"user{n}@partner.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(RoleGroupLookup(self.partner).groups(set(extracted)))
            self.save()
            self.__dict__.pop("roles", None)


def make_user(partner, *roles: Role, **kwargs) -> User:
    return UserFactory(partner=partner, roles=set(roles), **kwargs)


class CustomerFactory(DjangoModelFactory):
    """A customer tenant nobody manages yet; see `make_managed_customer` for one a partner does."""

    class Meta:
        model = Customer

    tenant_id = factory.LazyFunction(uuid.uuid4)
    company_name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    primary_domain = factory.Sequence(lambda n: f"customer{n}.onmicrosoft.com")
    country = "US"
    cloud = Cloud.COMMERCIAL
    contact_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"it{n}@customer.example")


class SubscriptionFactory(DjangoModelFactory):
    """A license-based, new-commerce, annual subscription bought directly from Microsoft.

    `SubscriptionFactory(held_by=partner)` makes it a CSP subscription with `partner` as partner
    of record; `SubscriptionFactory(usage=True)` makes it usage-based (Azure: no seats, no term).
    """

    class Meta:
        model = Subscription

    class Params:
        held_by = None
        usage = factory.Trait(
            billing_type=BillingType.USAGE,
            offer_name="Azure plan",
            offer_id="DZH318Z0BPS6",
            quantity=None,
            term="",
            term_start=None,
            term_end=None,
            auto_renew=False,
        )

    customer = factory.SubFactory(CustomerFactory)
    offer_name = "Microsoft 365 Business Premium"
    offer_id = "CFQ7TTC0LCHC"
    billing_type = BillingType.LICENSE
    channel = factory.LazyAttribute(lambda o: Channel.CSP if o.held_by else Channel.DIRECT)
    partner_of_record = factory.SelfAttribute("held_by")
    external_id = factory.LazyFunction(uuid.uuid4)
    quantity = 10
    term = Term.ANNUAL
    term_start = datetime.date(2026, 3, 1)
    term_end = datetime.date(2027, 2, 28)
    auto_renew = True
    status = SubscriptionStatus.ACTIVE
    commerce_type = CommerceType.NEW_COMMERCE


def make_managed_customer(partner, **kwargs) -> Customer:
    """A customer with an active reseller relationship with `partner`, whose Global admin and Sales
    agent groups hold view and change on it (granted the way the portal grants it)."""
    customer = CustomerFactory(**kwargs)
    Relationship.objects.create(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, partner)
    return customer


def bulk_managed_customers(partner, count: int, subscriptions_each: int = 1) -> list[Customer]:
    """Many managed customers at once (bulk inserts), for tests that measure list pages."""
    from django.contrib.auth.models import Permission

    from multichannel.models import CustomerGroupObjectPermission
    from multichannel.services.permissions import customer_groups

    customers = Customer.objects.bulk_create(CustomerFactory.build() for _ in range(count))
    customers = list(Customer.objects.filter(uuid__in=[c.uuid for c in customers]))
    Relationship.objects.bulk_create(
        Relationship(partner=partner, customer=c, status=RelationshipStatus.ACTIVE)
        for c in customers
    )
    permissions = Permission.objects.filter(
        content_type__app_label="multichannel", codename__in=["view_customer", "change_customer"]
    )
    CustomerGroupObjectPermission.objects.bulk_create(
        CustomerGroupObjectPermission(content_object=c, group=g, permission=p)
        for c in customers
        for g in customer_groups(partner)
        for p in permissions
    )
    Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=c) for c in customers for _ in range(subscriptions_each)
    )
    return customers
