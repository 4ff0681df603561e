"""Every list and detail page costs the same number of queries, at most 12, whatever the
amount of data: measured once with one object of each kind, then again after many more
customers, subscriptions, requests, notes, services and line items were added around them.
(A list counts its rows, once, only when its first page is full.)
(N+1 queries fail every test anyway: the test settings turn on the detector.)"""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multichannel import access
from multichannel.models import (
    AzureService,
    Channel,
    Customer,
    Subscription,
    SupportRequest,
    TransferLineItem,
)
from multichannel.roles import Role
from multichannel.services.relationships import request_relationship
from multichannel.services.support import add_note, file_request
from tests.factories import (
    SubscriptionFactory,
    bulk_managed_customers,
    make_user,
    many_moves,
    many_onboardings,
    signed_in,
)

MAX_QUERIES = 12

# (URL name, the object it is about); every list and detail page of the portal.
PAGES = [
    ("home", None),
    ("users:list", None),
    ("users:detail", "user"),
    ("activity:list", None),
    ("customers:list", None),
    ("customers:detail", "customer"),
    ("subscriptions:list", None),
    ("subscriptions:detail", "subscription"),
    ("relationship_requests:list", None),
    ("relationship_requests:detail", "request"),
    ("onboardings:list", None),
    ("onboardings:detail", "onboarding"),
    ("moves:list", None),
    ("moves:detail", "move"),
    ("transfers:list", None),
    ("transfers:detail", "transfer"),
    ("support:list", None),
    ("support:detail", "support"),
]
SALES_AGENT_PAGES = [(name, kind) for name, kind in PAGES if not name.startswith(("users", "act"))]


@pytest.fixture
def world(
    sales_agent,
    held_subscription,
    open_request,
    azure_onboarding,
    planned_move,
    transfer,
    support_request,
) -> dict:
    return {
        "user": sales_agent,
        "customer": held_subscription.customer,
        "subscription": held_subscription,
        "request": open_request,
        "onboarding": azure_onboarding,
        "move": planned_move,
        "transfer": transfer,
        "support": support_request,
    }


def grow(world: dict, partner, other_partner, sales_agent, global_admin) -> None:
    """Many more rows of every kind, on the lists and under the objects of the detail pages."""
    customer = world["customer"]
    users = [sales_agent, global_admin] + [
        make_user(partner, Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN) for _ in range(8)
    ]
    bulk_managed_customers(partner, 40, subscriptions_each=2)
    Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=customer, held_by=partner) for _ in range(40)
    )
    Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=customer, channel=Channel.EA, usage=True)
        for _ in range(10)
    )
    many_onboardings(partner, users, 15)
    many_moves(partner, users, 15)
    for i in range(15):
        request_relationship(
            by=sales_agent,
            company_name=f"Grown {i}",
            domain=f"grown{i}.onmicrosoft.com",
            contact_email=f"admin@grown{i}.onmicrosoft.com",
            delegated_admin_roles=[],
            delegated_admin_days=None,
            email_text="Hello",
        )
    for i in range(15):
        file_request(
            by=sales_agent,
            customer=customer,
            subscription=None,
            topic="billing",
            severity="C",
            title=f"Invoice question {i}",
            description="Which month?",
            contact_name="Dana Diaz",
            contact_email="dana@contoso.example",
        )
        add_note(by=users[i % 2], support=world["support"], body=f"Follow-up {i}")
    AzureService.objects.bulk_create(
        AzureService(onboarding=world["onboarding"], name=f"Virtual machine {i}") for i in range(20)
    )
    held_elsewhere = Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=customer, held_by=other_partner, usage=True)
        for _ in range(20)
    )
    TransferLineItem.objects.bulk_create(
        TransferLineItem(transfer=world["transfer"], subscription=s) for s in held_elsewhere
    )


def queries_per_page(client, pages, world) -> dict[str, int]:
    counts = {}
    for name, kind in pages:
        url = reverse(name, kwargs={"uuid": world[kind].uuid} if kind else None)
        client.get(url)  # once before: caches that live for the process
        cache.clear()  # the dashboard's figures are computed, not read from the cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        statements = [q["sql"] for q in queries if not _cache_bookkeeping(q["sql"])]
        counts[name] = Cost(
            len(statements), len([sql for sql in statements if sql.startswith("SELECT COUNT(")])
        )
    return counts


@dataclass(frozen=True)
class Cost:
    queries: int
    counts: int  # a list counts its rows only when its first page is full

    @property
    def besides_counting(self) -> int:
        return self.queries - self.counts


def _cache_bookkeeping(sql: str) -> bool:
    """The shared cache's own statements. Without Redis the cache is a database table, and a
    write there costs a count, a savepoint, a read and an insert; with Redis (production with
    several processes) it costs no SQL at all. The dashboard writes once a minute per partner."""
    return "portal_cache" in sql or sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))


@pytest.mark.parametrize(
    ("persona", "pages"), [("global_admin", PAGES), ("sales_agent", SALES_AGENT_PAGES)]
)
def test_every_page_costs_the_same_queries_with_one_row_or_many(
    request, persona, pages, world, partner, other_partner, sales_agent, global_admin
):
    client = signed_in(request.getfixturevalue(persona))
    small = queries_per_page(client, pages, world)

    grow(world, partner, other_partner, sales_agent, global_admin)
    assert Customer.objects.count() > 40 and SupportRequest.objects.count() > 15
    large = queries_per_page(client, pages, world)

    assert {name: cost.besides_counting for name, cost in large.items()} == {
        name: cost.besides_counting for name, cost in small.items()
    }
    assert {name: cost.counts for name, cost in large.items() if cost.counts > 1} == {}
    assert {name: cost.queries for name, cost in large.items() if cost.queries > MAX_QUERIES} == {}


def test_the_grown_detail_pages_show_what_was_added(
    as_global_admin, world, partner, other_partner, sales_agent, global_admin
):
    grow(world, partner, other_partner, sales_agent, global_admin)

    customer = as_global_admin.get(reverse("customers:detail", args=[world["customer"].uuid]))
    support = as_global_admin.get(reverse("support:detail", args=[world["support"].uuid]))
    transfer = as_global_admin.get(reverse("transfers:detail", args=[world["transfer"].uuid]))

    assert customer.context["subscription_total"] >= 50
    assert b"Follow-up 14" in support.content
    assert transfer.content.count(b"Waiting for the source partner") >= 20


# --- Object permissions: one query, the permission table read in a subquery ---------------------


@pytest.mark.parametrize(
    "queryset",
    [
        access.customers_for,
        access.managed_customers_for,
        access.subscriptions_for,
        access.transfers_for,
        access.support_for,
    ],
    ids=lambda f: f.__name__,
)
def test_the_object_permission_filter_is_one_query_with_a_subquery(
    queryset, sales_agent, world, django_assert_num_queries
):
    rows = queryset(sales_agent)
    sql = str(rows.query)

    with django_assert_num_queries(1):
        found = list(rows)

    assert found
    assert "objectpermission" in sql.lower()
    assert sql.count("SELECT") >= 2  # the permission table is read inside the one query
    assert "IN (SELECT" in sql


def test_the_permission_subquery_does_not_grow_with_the_rows_granted(sales_agent, partner):
    bulk_managed_customers(partner, 5, subscriptions_each=0)
    few = str(access.customers_for(sales_agent).query)
    bulk_managed_customers(partner, 300, subscriptions_each=0)
    many = str(access.customers_for(sales_agent).query)

    assert few == many  # no list of ids travels from Python to the database
