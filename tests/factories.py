import datetime
import time
import uuid
from base64 import b32encode

import factory
import pyotp
from django.contrib.auth.models import Permission
from django.db import connection
from django.template import engines
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from multichannel import mfa
from multichannel.models import (
    AuditEntry,
    AzureOnboarding,
    AzureService,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    MoveStatus,
    OnboardingStatus,
    Partner,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    Subscription,
    SubscriptionStatus,
    Term,
    TransferLineItem,
    TransferRequest,
    User,
)
from multichannel.roles import Role
from multichannel.services import relationships as relationship_services
from multichannel.services.customers import create_customer
from multichannel.services.permissions import customer_groups, refresh_customer_access
from multichannel.services.relationships import request_relationship
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


def share_customer(customer: Customer, partner) -> None:
    """`partner` has an active reseller relationship with `customer` too, and sees it."""
    Relationship.objects.create(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, partner)


def azure_plan(customer: Customer, held_by) -> Subscription:
    """An active Azure plan of `customer` bought through CSP, `held_by` its partner of record."""
    return Subscription.objects.create(
        customer=customer,
        offer_name="Azure plan",
        offer_id="DZH318Z0BPS6",
        billing_type="usage",
        channel="csp",
        partner_of_record=held_by,
        external_id=uuid.uuid4(),
    )


def bulk_managed_customers(partner, count: int, subscriptions_each: int = 1) -> list[Customer]:
    """Many managed customers at once (bulk inserts), for tests that measure list pages."""

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


# --- What the pages and services are given, in the shapes many test modules need -------------


def signed_in(user) -> Client:
    """A browser session of `user`, already signed in (with both steps, where a second factor
    is needed: see `verify_session`)."""
    client = Client()
    client.force_login(user)
    return client


# --- Multi-factor sign-in --------------------------------------------------------------------


def give_authenticator(user, key: str | None = None) -> TOTPDevice:
    """The user's confirmed authenticator app, as if they had set it up earlier."""
    device = mfa.authenticator(user)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=True, **({"key": key} if key else {})
        )
    return device


def totp(device: TOTPDevice, steps: int = 0, at: float | None = None) -> str:
    """The code the user's app shows `steps` time steps from now (or from `at`), computed by
    pyotp from the device's key, as a phone would."""
    app = pyotp.TOTP(base32_secret(device), interval=device.step, digits=device.digits)
    return app.at((at if at is not None else time.time()) + steps * device.step)


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def next_code(device: TOTPDevice) -> str:
    """A code the device accepts now and still accepts a step later: the current time step, or
    the first one after the last it accepted (a code is never accepted twice), waiting for it if
    need be. Not the step before now: a slow machine could reach the server after it has gone."""
    device.refresh_from_db()
    now_t = int(time.time() - device.t0) // device.step
    wanted = max(now_t, device.last_t + 1)
    while wanted > now_t + device.tolerance:
        time.sleep(1)
        now_t = int(time.time() - device.t0) // device.step
    return totp(device, at=device.t0 + wanted * device.step + 1)


def verify_session(client: Client, user) -> None:
    """Make `client`'s signed-in session one that passed its second factor, as a user who
    completed both steps of the sign-in: where the partner requires it (or the user has an app),
    the user gets an authenticator app and the session counts as verified by it. A platform
    operator signs in to the admin with a code too."""
    operator = user.is_staff and user.partner_id is None
    if not (mfa.required_for(user) or mfa.has_factor(user) or operator):
        return
    device = give_authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[mfa.VERIFIED_AT] = time.time()
    session.pop(mfa.SECOND_STEP_DUE, None)
    session.save()


def add_customer(by, name="Northwind Traders", domain=None, **extra) -> Customer:
    """A customer added through the service, as the Add customer page adds it."""
    return create_customer(
        by=by,
        company_name=name,
        primary_domain=domain or f"{name.lower().replace(' ', '')}.onmicrosoft.com",
        country="US",
        contact_name="Nancy Davolio",
        contact_email="nancy@northwind.example",
        **extra,
    )


def add_subscription(customer, **fields) -> Subscription:
    """A license subscription bought through another channel, 100 days into its annual term."""
    today = datetime.date.today()
    values = {
        "offer_name": "Microsoft 365 E3",
        "offer_id": "CFQ7TTC0LFLX",
        "billing_type": BillingType.LICENSE,
        "channel": Channel.DIRECT,
        "external_id": uuid.uuid4(),
        "quantity": 10,
        "term": Term.ANNUAL,
        "term_start": today - datetime.timedelta(days=100),
        "term_end": today + datetime.timedelta(days=265),
    }
    values.update(fields)
    if values["billing_type"] == BillingType.USAGE:
        values.update(quantity=None, term="", term_start=None, term_end=None)
    return Subscription.objects.create(customer=customer, **values)


def customer_form(**overrides) -> dict[str, str]:
    """What a person types into the Add customer form."""
    data = {
        "company_name": "Tailwind Toys",
        "primary_domain": "TailwindToys.onmicrosoft.com",
        "tenant_id": "",
        "country": "GB",
        "contact_name": "Terry Adams",
        "contact_email": "terry@tailwindtoys.example",
        "contact_phone": "+44 20 7946 0000",
    }
    data.update(overrides)
    return data


def make_request(
    by, *, company="Litware", domain="litware.onmicrosoft.com", roles=(), days=None, text=None
) -> RelationshipRequest:
    """A reseller relationship request sent by `by`."""
    return request_relationship(
        by=by,
        company_name=company,
        domain=domain,
        contact_email=f"admin@{domain}",
        delegated_admin_roles=list(roles),
        delegated_admin_days=days,
        email_text=text or f"Hello {company}, Contoso would like to be your reseller.",
    )


def many_onboardings(partner, users, count: int) -> None:
    """`count` Azure onboardings at once (bulk inserts), for tests that measure list pages."""
    customers = bulk_managed_customers(partner, count, subscriptions_each=0)
    sources = Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=c, usage=True, channel=Channel.EA) for c in customers
    )
    news = Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=c, usage=True, held_by=partner) for c in customers
    )
    AzureOnboarding.objects.bulk_create(
        AzureOnboarding(
            partner=partner,
            customer=c,
            source=s,
            new_subscription=n if i % 2 else None,
            friendly_name=f"Azure {i}",
            reached=1 + i % 4,
            status=OnboardingStatus.FINISHED if i % 5 == 0 else OnboardingStatus.IN_PROGRESS,
            created_by=users[i % 2],
            updated_by=users[(i + 1) % 2],
        )
        for i, (c, s, n) in enumerate(zip(customers, sources, news, strict=True))
    )


def many_moves(partner, users, count: int) -> None:
    """`count` planned moves at once (bulk inserts), for tests that measure list pages."""
    customers = bulk_managed_customers(partner, count, subscriptions_each=1)
    subscriptions = Subscription.objects.filter(customer__in=customers)
    PlannedMove.objects.bulk_create(
        PlannedMove(
            partner=partner,
            customer=s.customer,
            subscription=s,
            term_end=s.term_end,
            remind_on=s.term_end - datetime.timedelta(days=30),
            status=[MoveStatus.PLANNED, MoveStatus.DUE, MoveStatus.DONE][i % 3],
            created_by=users[i % 2],
        )
        for i, s in enumerate(subscriptions.select_related("customer"))
    )


def on_postgres() -> bool:
    """Whether the tests run on PostgreSQL (row locks and triggers are there only)."""
    return connection.vendor == "postgresql"


def render(source: str, **context) -> str:
    """A template snippet rendered with the portal's filters and tags loaded."""
    return engines["django"].from_string("{% load portal %}" + source).render(context)


# --- What a refused change must leave as it was ------------------------------------------------


def everything_a_refusal_keeps():
    """Transfers, onboardings, subscriptions, relationships and the activity log as they stand."""
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


def removed_behind_our_back(partner, customer) -> None:
    """The relationship as a removal that committed just after our unlocked check leaves it:
    the row says removed, while what we had read a moment earlier still says we manage the
    customer. Only a locked read of the row itself sees the difference."""
    Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).update(status=RelationshipStatus.REMOVED, removed_at=timezone.now())


# The removal has its lock and has found nothing held (rule 8): where a race stops it.
REMOVAL_CHECKED = (relationship_services, "live_subscriptions_we_hold")


def rule_8_holds(partner, customer) -> bool:
    """No live subscription of ours for a customer we no longer have a relationship with."""
    active = Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).exists()
    return active or not Subscription.objects.live().held_by(partner.pk).filter(customer=customer)
