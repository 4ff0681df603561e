"""Customers and subscriptions as a partner employee meets them in the pages."""

import csv
import html
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    CommerceType,
    Customer,
    Relationship,
    RelationshipStatus,
    Subscription,
    SubscriptionStatus,
    Term,
)
from multichannel.services.permissions import refresh_customer_access
from multichannel.views.activity import ActivityExportView
from multichannel.views.customers import CustomerExportView
from multichannel.views.lists import CappedPaginator, CsvExportMixin
from multichannel.views.subscriptions import SubscriptionExportView
from multichannel.views.support import SupportExportView
from multichannel.views.users import UserExportView
from tests.factories import (
    PartnerFactory,
    SubscriptionFactory,
    add_customer,
    add_subscription,
    bulk_managed_customers,
    customer_form,
    make_request,
)

# Every test here runs on this day, whatever the day the suite runs: the term ends written below
# stay ahead (a term ending 2027-03-31 can move to us after it), and a run across midnight does
# not leave TODAY behind.
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC)):
        yield


def share(customer, partner):
    Relationship.objects.create(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, partner)


def names(response):
    return [c.company_name for c in response.context["page_obj"]]


# --- The customer list ----------------------------------------------------------------------


def test_the_list_shows_only_customers_we_have_a_relationship_with(
    as_sales_agent, global_admin, other_partner_admin
):
    add_customer(global_admin, "Northwind Traders")
    add_customer(other_partner_admin, "Wide World Importers")

    assert names(as_sales_agent.get(reverse("customers:list"))) == ["Northwind Traders"]


def test_search_by_company_domain_or_tenant_id(as_sales_agent, global_admin):
    northwind = add_customer(global_admin, "Northwind Traders")
    add_customer(global_admin, "Adventure Works", domain="adatum.onmicrosoft.com")
    url = reverse("customers:list")

    assert names(as_sales_agent.get(url, {"q": "northwind"})) == ["Northwind Traders"]
    assert names(as_sales_agent.get(url, {"q": "ADATUM"})) == ["Adventure Works"]
    assert names(as_sales_agent.get(url, {"q": str(northwind.tenant_id)})) == ["Northwind Traders"]
    page = as_sales_agent.get(url, {"q": "nothing-like-it"}).content.decode()
    assert "No customers match these filters." in page


def test_filters_for_other_channels_terms_ending_and_other_partners(
    as_sales_agent, global_admin, other_partner
):
    ours_only = add_customer(global_admin, "Contoso Pharmaceuticals")
    add_subscription(
        ours_only,
        channel=Channel.CSP,
        partner_of_record=global_admin.partner,
        term_end=TODAY + timedelta(days=200),
    )
    mixed = add_customer(global_admin, "Fourth Coffee")
    add_subscription(mixed, channel=Channel.EA, term_end=TODAY + timedelta(days=45))
    share(mixed, other_partner)
    url = reverse("customers:list")

    assert names(as_sales_agent.get(url, {"other_channels": "yes"})) == ["Fourth Coffee"]
    assert names(as_sales_agent.get(url, {"other_channels": "no"})) == ["Contoso Pharmaceuticals"]
    assert names(as_sales_agent.get(url, {"term_ends": "30"})) == []
    assert names(as_sales_agent.get(url, {"term_ends": "60"})) == ["Fourth Coffee"]
    assert names(as_sales_agent.get(url, {"relationship": "multi_partner"})) == ["Fourth Coffee"]


def test_columns_sort_both_ways(as_sales_agent, global_admin):
    for name in ("Bravo", "Alpha", "Charlie"):
        add_customer(global_admin, name)
    url = reverse("customers:list")
    assert names(as_sales_agent.get(url, {"sort": "company"})) == ["Alpha", "Bravo", "Charlie"]
    assert names(as_sales_agent.get(url, {"sort": "-company"})) == ["Charlie", "Bravo", "Alpha"]


def test_an_empty_list_points_to_adding_a_customer(as_sales_agent):
    page = as_sales_agent.get(reverse("customers:list")).content.decode()
    assert "No customers yet." in page
    assert reverse("customers:create") in page


def test_the_csv_export_holds_the_filtered_customers(as_sales_agent, global_admin):
    add_customer(global_admin, "Northwind Traders")
    add_customer(global_admin, "Adventure Works")
    response = as_sales_agent.get(reverse("customers:export"), {"q": "north"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("Company,Primary domain,Tenant ID")
    assert len(lines) == 2 and lines[1].startswith("Northwind Traders,")


def test_markup_in_an_offer_name_shows_as_text_on_the_customer_page(as_sales_agent, global_admin):
    customer = add_customer(global_admin, "Northwind Traders")
    add_subscription(customer, offer_name='<img src=x onerror="alert(1)">Visio & Co')

    page = as_sales_agent.get(customer.get_absolute_url()).content.decode()

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Visio &amp; Co</a>" in page


EXPORTS: dict[str, type[CsvExportMixin]] = {
    "customers:export": CustomerExportView,
    "subscriptions:export": SubscriptionExportView,
    "support:export": SupportExportView,
    "users:export": UserExportView,
    "activity:export": ActivityExportView,
}


@pytest.mark.parametrize("url_name", EXPORTS)
def test_each_csv_export_writes_the_columns_its_list_declares(
    url_name, as_global_admin, global_admin
):
    add_subscription(add_customer(global_admin, "Northwind Traders"))
    send = as_global_admin.post if url_name == "activity:export" else as_global_admin.get
    body = b"".join(send(reverse(url_name)).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))

    columns = EXPORTS[url_name].csv_columns
    assert rows[0] == [column.label for column in columns]
    assert all(len(row) == len(columns) for row in rows[1:])


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize("per_page", ["subscriptions", "-term_end"])
def test_the_list_costs_the_same_queries_whatever_the_number_of_customers(
    as_sales_agent, partner, count, per_page, django_assert_max_num_queries
):
    bulk_managed_customers(partner, count, subscriptions_each=2)
    as_sales_agent.get(reverse("customers:list"))
    with django_assert_max_num_queries(8):
        response = as_sales_agent.get(
            reverse("customers:list"), {"sort": per_page, "other_channels": "yes"}
        )
    assert len(response.context["page_obj"]) == min(count, 25)


def test_a_long_list_counts_only_as_far_as_it_needs(as_sales_agent, partner, monkeypatch):

    monkeypatch.setattr(CappedPaginator, "cap", 30)  # pages 1-4 then count to 125 at most
    bulk_managed_customers(partner, 130, subscriptions_each=0)

    first = as_sales_agent.get(reverse("customers:list")).content.decode()
    later = as_sales_agent.get(reverse("customers:list"), {"page": 2}).content.decode()
    beyond = as_sales_agent.get(reverse("customers:list"), {"page": 60})

    assert "Showing 1\u201325 of more than 125" in first
    assert ">Last<" not in first and ">Next<" in first
    assert "Showing 26\u201350 of 130" in later and "Page 2 of 6" in later
    assert beyond.status_code == 404


def test_a_page_past_the_cap_is_read_with_its_count_in_one_query(
    as_sales_agent, partner, monkeypatch
):

    monkeypatch.setattr(CappedPaginator, "cap", 30)
    bulk_managed_customers(partner, 130, subscriptions_each=0)
    names = sorted(Customer.objects.values_list("company_name", flat=True))

    with CaptureQueriesContext(connection) as deep:
        page5 = as_sales_agent.get(reverse("customers:list"), {"page": 5}).content.decode()
    page2 = as_sales_agent.get(reverse("customers:list"), {"page": 2}).content.decode()

    assert "Showing 101\u2013125 of 130" in page5 and "Page 5 of 6" in page5
    assert html.escape(names[100]) in page5 and html.escape(names[125]) not in page5
    assert [q for q in deep if q["sql"].startswith("SELECT COUNT(")] == []
    assert "Showing 26\u201350 of 130" in page2
    assert as_sales_agent.get(reverse("customers:list"), {"page": 7}).status_code == 404


def test_a_first_page_that_is_not_full_is_shown_without_counting(as_sales_agent, partner):
    customers = bulk_managed_customers(partner, 30, subscriptions_each=0)

    with CaptureQueriesContext(connection) as full:
        listed = as_sales_agent.get(reverse("customers:list")).content.decode()
    with CaptureQueriesContext(connection) as found:
        searched = as_sales_agent.get(
            reverse("customers:list"), {"q": customers[0].primary_domain}
        ).content.decode()

    counting = lambda queries: [q for q in queries if q["sql"].startswith("SELECT COUNT(")]  # noqa: E731
    assert "Showing 1\u201325 of 30" in listed and len(counting(full)) == 1
    assert "Showing 1\u20131 of 1" in searched and counting(found) == []


# --- The customer page ----------------------------------------------------------------------


def test_the_customer_page_groups_subscriptions_by_channel_with_their_next_steps(
    as_sales_agent, global_admin, other_partner
):
    customer = add_customer(global_admin)
    add_subscription(
        customer, channel=Channel.CSP, partner_of_record=global_admin.partner, offer_name="Ours"
    )
    add_subscription(
        customer, channel=Channel.DIRECT, term_end=date(2027, 3, 31), offer_name="Seats"
    )
    add_subscription(
        customer, channel=Channel.EA, billing_type=BillingType.USAGE, offer_name="Azure EA"
    )
    add_subscription(
        customer,
        channel=Channel.CSP,
        partner_of_record=other_partner,
        billing_type=BillingType.USAGE,
        offer_name="Azure elsewhere",
    )
    share(customer, other_partner)

    response = as_sales_agent.get(reverse("customers:detail", args=[customer.uuid]))
    page = response.content.decode()

    labels = [label for label, _ in response.context["subscription_groups"]]
    assert labels == [
        "Bought from us",
        "Direct from Microsoft",
        "Enterprise Agreement",
        "Other CSP partners",
    ]
    assert "Managed by us" in page
    assert "Can move to us after 2027-03-31 (term end) — plan it" in page
    assert "Onboard to Azure under our partner" in page
    # On a phone the status sits under the offer and the step keeps its badge and button only.
    row = page.split(">Azure EA</a>")[1].split("</tr>")[0]
    assert row.startswith('<div class="small d-sm-none">Active</div></td>')
    assert '<td class="d-none d-sm-table-cell">Active</td>' in row
    assert 'mt-1 d-none d-md-block">Create a new Azure subscription under us' in row
    assert "Switch to our partner" in page
    assert "Fabrikam Partners" in page  # the other partner, by name
    assert "Not needed: we created this tenant" in page


@pytest.mark.parametrize("count", [5, 500])
def test_the_customer_page_costs_the_same_queries_however_many_subscriptions(
    as_sales_agent, global_admin, count, django_assert_max_num_queries
):
    customer = add_customer(global_admin)
    Subscription.objects.bulk_create(
        SubscriptionFactory.build(customer=customer) for _ in range(count)
    )
    as_sales_agent.get(reverse("customers:detail", args=[customer.uuid]))
    # Eleven: one of them reads the session's second factor (django-otp), one whether an
    # onboarding of a subscription is under way; neither grows with the subscriptions.
    with django_assert_max_num_queries(11):
        response = as_sales_agent.get(reverse("customers:detail", args=[customer.uuid]))
    assert response.context["subscription_total"] == count


# --- Adding a customer ----------------------------------------------------------------------


def test_adding_a_customer_starts_an_active_relationship(as_sales_agent, sales_agent, partner):
    response = as_sales_agent.post(reverse("customers:create"), customer_form())

    customer = Customer.objects.get()
    assert response["Location"] == reverse("customers:detail", args=[customer.uuid])
    assert customer.primary_domain == "tailwindtoys.onmicrosoft.com"
    assert customer.tenant_id is not None
    assert customer.cloud == partner.cloud
    relationship = Relationship.objects.get(customer=customer)
    assert (relationship.partner, relationship.status) == (partner, RelationshipStatus.ACTIVE)
    entry = AuditEntry.objects.get(action=Action.CUSTOMER_CREATED)
    assert (entry.actor, entry.customer) == (sales_agent, customer)


def test_a_known_domain_points_to_the_existing_customer_and_writes_nothing(
    as_sales_agent, global_admin, other_partner_admin
):
    mine = add_customer(global_admin, "Northwind Traders")
    add_customer(other_partner_admin, "Wide World Importers")
    before = (Customer.objects.count(), AuditEntry.objects.count())

    seen = as_sales_agent.post(
        reverse("customers:create"),
        customer_form(primary_domain="NorthwindTraders.onmicrosoft.com"),
    )
    unseen = as_sales_agent.post(
        reverse("customers:create"),
        customer_form(primary_domain="wideworldimporters.onmicrosoft.com"),
    )

    assert reverse("customers:detail", args=[mine.uuid]) in seen.content.decode()
    assert "Request a reseller relationship with it instead" in unseen.content.decode()
    assert "Wide World Importers" not in unseen.content.decode()  # another partner's customer
    assert seen.context["form"]["company_name"].value() == "Tailwind Toys"
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before


def test_a_known_tenant_id_is_refused_too(as_sales_agent, global_admin):
    existing = add_customer(global_admin)
    response = as_sales_agent.post(
        reverse("customers:create"), customer_form(tenant_id=str(existing.tenant_id))
    )
    assert "A customer tenant with this tenant ID is already in the portal" in str(
        response.context["form"].errors
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_domain", "not a domain", "Enter a domain such as contoso.com."),
        ("primary_domain", "localhost", "Enter a domain such as contoso.com."),
        ("tenant_id", "1234", "Enter a valid UUID."),
        ("contact_email", "terry@", "Enter a valid email address."),
        ("contact_phone", "call me", "Enter a phone number"),
        ("country", "XX", "Select a valid choice."),
        ("company_name", "", "This field is required."),
    ],
)
def test_bad_customer_input_is_explained_beside_the_field(as_sales_agent, field, value, message):
    response = as_sales_agent.post(reverse("customers:create"), customer_form(**{field: value}))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Customer.objects.exists()


# --- Entering a subscription bought elsewhere ----------------------------------------------


def subscription_form(**overrides):
    data = {
        "channel": Channel.DIRECT,
        "partner_of_record": "",
        "billing_type": BillingType.LICENSE,
        "offer_name": "Microsoft 365 Business Premium",
        "offer_id": "CFQ7TTC0LCHC",
        "external_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "quantity": "25",
        "term": Term.ANNUAL,
        "term_start": "2026-04-01",
        "term_end": "2027-03-31",
        "auto_renew": "on",
        "status": SubscriptionStatus.ACTIVE,
        "commerce_type": CommerceType.NEW_COMMERCE,
    }
    data.update(overrides)
    return data


def test_entering_a_subscription_bought_elsewhere(as_sales_agent, global_admin):
    customer = add_customer(global_admin)
    response = as_sales_agent.post(
        reverse("customers:enter-subscription", args=[customer.uuid]), subscription_form()
    )
    subscription = Subscription.objects.get()
    assert response["Location"] == reverse("subscriptions:detail", args=[subscription.uuid])
    assert (subscription.quantity, subscription.source) == (25, "entered")
    detail = as_sales_agent.get(response["Location"]).content.decode()
    assert "Can move to us after 2027-03-31 (term end) — plan it" in detail
    assert "Subscription entered by hand" in detail  # its history


def test_a_usage_based_subscription_drops_the_fields_that_do_not_apply(
    as_sales_agent, global_admin
):
    customer = add_customer(global_admin)
    as_sales_agent.post(
        reverse("customers:enter-subscription", args=[customer.uuid]),
        subscription_form(
            billing_type=BillingType.USAGE, channel=Channel.EA, offer_name="Azure plan"
        ),
    )
    subscription = Subscription.objects.get()
    assert (subscription.quantity, subscription.term, subscription.term_end) == (None, "", None)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": ""}, "quantity", "License-based subscriptions have seats"),
        ({"term_end": "2026-03-31"}, "term_end", "The term must end after it starts."),
        ({"external_id": "not-a-guid"}, "external_id", "Enter a valid UUID."),
        ({"channel": Channel.CSP}, "partner_of_record", "Choose the CSP partner that holds it."),
        (
            {"term_start": ""},
            "term_start",
            "License-based subscriptions need the date their term started.",
        ),
    ],
)
def test_bad_subscription_input_is_explained_beside_the_field(
    as_sales_agent, global_admin, overrides, field, message
):
    customer = add_customer(global_admin)
    response = as_sales_agent.post(
        reverse("customers:enter-subscription", args=[customer.uuid]),
        subscription_form(**overrides),
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert response.context["form"]["offer_name"].value() == "Microsoft 365 Business Premium"
    assert not Subscription.objects.exists()


def test_the_same_subscription_id_twice_for_one_customer_is_refused(as_sales_agent, global_admin):
    customer = add_customer(global_admin)
    url = reverse("customers:enter-subscription", args=[customer.uuid])
    as_sales_agent.post(url, subscription_form())
    again = as_sales_agent.post(url, subscription_form())
    assert again.context["form"].errors["external_id"] == [
        "This customer already has a subscription with this ID."
    ]
    assert Subscription.objects.count() == 1


@pytest.mark.rule(9)
def test_the_holder_of_a_csp_subscription_is_another_partner_of_our_cloud(
    as_sales_agent, global_admin, partner, other_partner
):

    PartnerFactory(name="Gov Partner", cloud="us_government")
    customer = add_customer(global_admin)
    form = as_sales_agent.get(
        reverse("customers:enter-subscription", args=[customer.uuid])
    ).context["form"]
    assert list(form.fields["partner_of_record"].queryset) == [other_partner]


# --- Acting on a subscription we hold -------------------------------------------------------


@pytest.fixture
def held(global_admin):
    customer = add_customer(global_admin)
    return add_subscription(
        customer,
        channel=Channel.CSP,
        partner_of_record=global_admin.partner,
        term_start=TODAY - timedelta(days=2),
        term_end=TODAY + timedelta(days=363),
        auto_renew=True,
    )


@pytest.mark.rule(13)
def test_cancelling_within_seven_days_asks_then_cancels(as_sales_agent, held):
    url = reverse("subscriptions:cancel", args=[held.uuid])
    assert "This cannot be undone." in as_sales_agent.get(url).content.decode()
    assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.ACTIVE

    response = as_sales_agent.post(url, follow=True)

    assert "has been cancelled" in response.content.decode()
    assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.CANCELLED
    assert (
        AuditEntry.objects.filter(
            action=Action.SUBSCRIPTION_CANCELLED, customer=held.customer
        ).count()
        == 1
    )


@pytest.mark.rule(13)
def test_outside_the_window_the_page_explains_and_offers_turning_off_auto_renew(
    as_sales_agent, held
):
    Subscription.objects.filter(pk=held.pk).update(term_start=TODAY - timedelta(days=8))

    page = as_sales_agent.get(reverse("subscriptions:cancel", args=[held.uuid])).content.decode()
    assert "can be cancelled only within 7 days" in page
    assert "Turn off auto-renew instead" in page

    as_sales_agent.post(reverse("subscriptions:cancel", args=[held.uuid]))
    assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.ACTIVE

    as_sales_agent.post(reverse("subscriptions:auto-renew", args=[held.uuid]), {"turn": "off"})
    assert Subscription.objects.get(pk=held.pk).auto_renew is False


def test_changing_seats_shows_the_change_before_making_it(as_sales_agent, held):
    url = reverse("subscriptions:seats", args=[held.uuid])
    review = as_sales_agent.post(url, {"quantity": "15"})
    assert (
        "Change from <strong>10</strong> to <strong>15</strong> seats?" in review.content.decode()
    )
    assert Subscription.objects.get(pk=held.pk).quantity == 10

    as_sales_agent.post(url, {"quantity": "15", "confirmed": "yes"})
    assert Subscription.objects.get(pk=held.pk).quantity == 15

    zero = as_sales_agent.post(url, {"quantity": "0"})
    assert "Ensure this value is greater than or equal to 1." in str(zero.context["form"].errors)


@pytest.mark.rule(16)
def test_a_seat_change_confirmed_from_a_number_a_colleague_changed_since_is_refused(
    as_sales_agent, sales_agent, held
):
    url = reverse("subscriptions:seats", args=[held.uuid])
    review = as_sales_agent.post(url, {"quantity": "15"})
    assert 'name="seen" value="10"' in review.content.decode()
    Subscription.objects.filter(pk=held.pk).update(quantity=12)  # a colleague, meanwhile

    refused = as_sales_agent.post(url, {"quantity": "15", "seen": "10", "confirmed": "yes"})

    assert refused.status_code == 200
    assert refused.context["form"].errors["quantity"] == [
        "The seats were changed meanwhile: it has 12 now. Review the change again."
    ]
    assert Subscription.objects.get(pk=held.pk).quantity == 12
    assert not AuditEntry.objects.filter(action=Action.SEATS_CHANGED).exists()


def test_turning_auto_renew_off_twice_leaves_it_off(as_sales_agent, held):
    url = reverse("subscriptions:auto-renew", args=[held.uuid])
    page = as_sales_agent.get(url).content.decode()
    assert 'name="turn" value="off"' in page

    first = as_sales_agent.post(url, {"turn": "off"}, follow=True)
    second = as_sales_agent.post(url, {"turn": "off"}, follow=True)  # resent, or a colleague

    assert "Auto-renew of Microsoft 365 E3 is off." in first.content.decode()
    assert "Auto-renew is already off." in second.content.decode()
    assert Subscription.objects.get(pk=held.pk).auto_renew is False
    assert AuditEntry.objects.filter(action=Action.AUTO_RENEW_CHANGED).count() == 1


def test_suspending_and_reactivating(as_sales_agent, held):
    as_sales_agent.post(reverse("subscriptions:suspend", args=[held.uuid]))
    assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.SUSPENDED
    as_sales_agent.post(reverse("subscriptions:reactivate", args=[held.uuid]))
    assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.ACTIVE


def test_a_subscription_held_elsewhere_offers_no_actions_and_refuses_them(
    as_sales_agent, global_admin
):
    customer = add_customer(global_admin)
    direct = add_subscription(customer, channel=Channel.DIRECT)

    page = as_sales_agent.get(reverse("subscriptions:detail", args=[direct.uuid])).content.decode()
    assert "Cancel subscription" not in page

    response = as_sales_agent.post(reverse("subscriptions:cancel", args=[direct.uuid]), follow=True)
    assert "Only the partner of record changes it" in response.content.decode()
    assert Subscription.objects.get(pk=direct.pk).status == SubscriptionStatus.ACTIVE


def test_the_dashboard_counts_subscriptions_by_channel(as_sales_agent, held):
    add_subscription(held.customer, channel=Channel.EA, billing_type=BillingType.USAGE)
    rows = {row.label: row for row in as_sales_agent.get(reverse("home")).context["channel_rows"]}
    assert (rows["Bought from us"].license, rows["Enterprise Agreement"].usage) == (1, 1)


def test_the_dashboards_customer_count_links_to_the_same_customers_on_the_list(
    as_sales_agent, sales_agent, held
):
    make_request(sales_agent, company="Brand New", domain="brandnew.example")  # visible, not ours
    home = as_sales_agent.get(reverse("home"))
    count = home.context["customer_count"]
    link = reverse("customers:list") + "?relationship=active"
    assert f'<a href="{link}">{count} customer' in home.content.decode()

    listed = as_sales_agent.get(link).context["page_obj"].paginator.count
    everyone = as_sales_agent.get(reverse("customers:list")).context["page_obj"].paginator.count
    waiting = as_sales_agent.get(reverse("customers:list") + "?relationship=waiting")
    assert (listed, everyone) == (count, count + 1)
    assert [c.company_name for c in waiting.context["page_obj"]] == ["Brand New"]


def test_the_dashboard_counts_long_terms_ending_in_30_60_and_90_days(as_sales_agent, held):
    for days in (10, 45, 80, 200):
        add_subscription(held.customer, term_end=TODAY + timedelta(days=days))
    add_subscription(held.customer, term=Term.MONTHLY, term_end=TODAY + timedelta(days=10))
    add_subscription(
        held.customer, term_end=TODAY + timedelta(days=5), status=SubscriptionStatus.CANCELLED
    )

    response = as_sales_agent.get(reverse("home"))

    page = response.content.decode()
    assert "1 in 30 days" in page and "2 in 60 days" in page and "3 in 90 days" in page
    assert [s.term_end for s in response.context["terms"]["soonest"]] == [
        TODAY + timedelta(days=10)
    ]


@pytest.mark.parametrize("count", [5, 500])
def test_the_subscription_list_and_dashboard_cost_the_same_queries_however_many(
    as_sales_agent, partner, count, django_assert_max_num_queries
):
    bulk_managed_customers(partner, count // 5 or 1, subscriptions_each=5)
    as_sales_agent.get(reverse("subscriptions:list"))
    as_sales_agent.get(reverse("home"))  # the dashboard's figures are then in the cache
    with django_assert_max_num_queries(7):
        listed = as_sales_agent.get(reverse("subscriptions:list"), {"sort": "term_end"})
    with django_assert_max_num_queries(12):
        home = as_sales_agent.get(reverse("home"))
    assert len(listed.context["rows"]) == min(count, 25)
    assert home.context["subscription_total"] == count


def test_an_email_too_long_to_store_is_explained_next_to_its_field(as_sales_agent):
    long_email = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 63]) + ".com"  # valid, 260

    response = as_sales_agent.post(
        reverse("customers:create"), customer_form(contact_email=long_email)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["contact_email"] == [
        "Ensure this value has at most 254 characters (it has 260)."
    ]
    assert long_email in response.content.decode()
    assert not Customer.objects.exists()


@pytest.mark.rule(13)
@pytest.mark.parametrize(
    ("days_ago", "shown"),
    [(7, "New commerce (cancellable until 2026-11-27)"), (8, "New commerce</dd>")],
)
def test_the_cancellation_deadline_is_shown_only_until_it_has_passed(
    as_global_admin, global_admin, days_ago, shown
):
    subscription = add_subscription(
        add_customer(global_admin),
        channel=Channel.CSP,
        partner_of_record=global_admin.partner,
        term_start=TODAY - timedelta(days=days_ago),
        term_end=TODAY + timedelta(days=365 - days_ago),
    )
    detail = as_global_admin.get(reverse("subscriptions:detail", args=[subscription.uuid]))
    seats = as_global_admin.get(reverse("subscriptions:seats", args=[subscription.uuid]))
    page = detail.content.decode()

    assert shown in page
    assert ("cancellable until" in page) == (days_ago == 7)
    assert ("(until 2026-11-27)" in seats.content.decode()) == (days_ago == 7)
