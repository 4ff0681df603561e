"""Customers and subscriptions in the browser: find, read the next steps, add, enter, cancel."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from multichannel.models import BillingType, Channel, Subscription, SubscriptionStatus
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, add_customer, add_subscription

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date.today()
# Term ends ahead of whatever day the tests run (the browser keeps the real clock, which its
# cookies' expiry follows: the server's cannot be moved).
ENDS = TODAY + timedelta(days=120)


def test_a_sales_agent_finds_a_customer_and_reads_the_next_steps(
    page, sales_agent, global_admin, other_partner
):
    add_customer(global_admin, "Adventure Works")
    northwind = add_customer(global_admin, "Northwind Traders")
    add_subscription(northwind, channel=Channel.DIRECT, term_end=ENDS, offer_name="Office 365 E1")
    add_subscription(
        northwind, channel=Channel.EA, billing_type=BillingType.USAGE, offer_name="Azure EA"
    )

    sign_in(page, sales_agent.email, PASSWORD)
    page.get_by_role("link", name="Customers").first.click()
    page.get_by_label("Search").fill("northwind")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="Adventure Works")).to_have_count(0)
    page.get_by_role("link", name="Northwind Traders").click()

    expect(page.get_by_role("heading", name="Northwind Traders", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Direct from Microsoft")).to_be_visible()
    expect(page.get_by_text(f"Can move to us after {ENDS} (term end) — plan it")).to_be_visible()
    expect(page.get_by_text("Onboard to Azure under our partner")).to_be_visible()


def test_a_sales_agent_adds_a_customer_then_enters_a_subscription_bought_elsewhere(
    page, sales_agent
):
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto("/customers/")
    page.get_by_role("link", name="Add customer").first.click()
    page.get_by_label("Company name").fill("Tailwind Toys")
    page.get_by_role("button", name="Use tailwindtoys.onmicrosoft.com").click()
    expect(page.get_by_label("Primary domain")).to_have_value("tailwindtoys.onmicrosoft.com")
    page.get_by_label("Primary contact name").fill("Terry Adams")
    page.get_by_label("Primary contact email").fill("terry@tailwindtoys.example")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text("Tailwind Toys was added")).to_be_visible()

    page.get_by_role("link", name="Enter a subscription bought elsewhere").first.click()
    page.get_by_label("Bought through").select_option(label="Advisor")
    expect(page.get_by_label("CSP partner that holds it")).to_be_hidden()
    page.get_by_label("Billing type").select_option(label="Usage-based (Azure)")
    expect(page.get_by_label("Seats")).to_be_hidden()
    page.get_by_label("Billing type").select_option(label="License-based")
    page.get_by_label("Offer name").fill("Microsoft 365 Business Standard")
    page.get_by_label("Offer ID").fill("CFQ7TTC0LDPB")
    page.get_by_label("Subscription ID").fill("not-a-guid")
    page.get_by_label("Seats").fill("12")
    page.get_by_label("Term", exact=True).select_option(label="Annual")
    page.get_by_label("Term start (purchase or last renewal)").fill(f"{ENDS - timedelta(days=364)}")
    page.get_by_label("Term end").fill(f"{ENDS}")
    page.get_by_role("button", name="Record subscription").click()

    expect(page.get_by_text("Enter a valid UUID.", exact=True)).to_be_visible()  # by the field
    expect(page.get_by_label("Offer name")).to_have_value("Microsoft 365 Business Standard")
    page.get_by_label("Subscription ID").fill("6f9619ff-8b86-d011-b42d-00cf4fc964ff")
    page.get_by_role("button", name="Record subscription").click()

    expect(page.get_by_text("Microsoft 365 Business Standard was recorded.")).to_be_visible()
    expect(page.get_by_text(f"Can move to us after {ENDS} (term end) — plan it")).to_be_visible()


@pytest.mark.parametrize("days_ago", [3, 9], ids=["inside-the-window", "outside-the-window"])
def test_cancelling_a_new_commerce_subscription_inside_and_outside_seven_days(
    page, sales_agent, global_admin, days_ago
):
    customer = add_customer(global_admin)
    held = add_subscription(
        customer,
        channel=Channel.CSP,
        partner_of_record=global_admin.partner,
        term_start=TODAY - timedelta(days=days_ago),
        term_end=TODAY - timedelta(days=days_ago) + timedelta(days=365),
        auto_renew=True,
    )
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto(f"/subscriptions/{held.uuid}/")

    if days_ago <= 7:
        page.get_by_role("link", name="Cancel subscription").click()
        expect(page.get_by_text("This cannot be undone.")).to_be_visible()
        page.get_by_role("button", name="Cancel Microsoft 365 E3").click()
        expect(page.get_by_text("Microsoft 365 E3 has been cancelled.")).to_be_visible()
        assert Subscription.objects.get(pk=held.pk).status == SubscriptionStatus.CANCELLED
    else:
        expect(page.get_by_role("link", name="Cancel subscription")).to_have_count(0)
        expect(page.get_by_text("can be cancelled only within 7 days")).to_be_visible()
        page.get_by_role("link", name="Turn auto-renew off").click()
        page.get_by_role("button", name="Turn off auto-renew of Microsoft 365 E3").click()
        expect(page.get_by_text("Auto-renew of Microsoft 365 E3 is off.")).to_be_visible()
        fresh = Subscription.objects.get(pk=held.pk)
        assert (fresh.status, fresh.auto_renew) == (SubscriptionStatus.ACTIVE, False)
