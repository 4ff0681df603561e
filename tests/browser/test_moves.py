"""Both multichannel paths that bring a subscription to us at its own pace, in the browser:
Azure onboarding (left half-way, resumed by a colleague) and the planned move of a license-based
subscription that cannot switch before its term ends."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from multichannel.models import BillingType, Channel, Subscription, SubscriptionStatus
from multichannel.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, add_customer, add_subscription, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_azure_onboarding_left_half_way_and_finished_by_a_colleague(
    new_page, sales_agent, global_admin, partner
):
    customer = add_customer(global_admin, "Northwind Traders")
    ea = add_subscription(
        customer, channel=Channel.EA, billing_type=BillingType.USAGE, offer_name="Azure EA"
    )
    colleague = make_user(partner, Role.SALES_AGENT, full_name="Eli Evans")

    page = new_page()
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto(f"/customers/{customer.uuid}/")
    page.get_by_role("link", name="Onboard Azure EA").click()
    page.get_by_role("button", name="Start the onboarding").click()

    expect(page.locator('[aria-current="step"]')).to_contain_text("Existing subscription")
    page.get_by_label("Services and resources it runs").fill(
        "App Service: northwind-web\nAzure SQL Database: orders\nStorage account: backups"
    )
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator('[aria-current="step"]')).to_contain_text("New Azure subscription")
    page.get_by_label("Name of the new Azure subscription").fill("Northwind production")
    page.get_by_role("button", name="Create it and continue").click()

    expect(page.locator('[aria-current="step"]')).to_contain_text("Services")
    storage = page.get_by_role("group", name="Service 3")
    expect(storage.get_by_label("Service or resource")).to_have_value("Storage account: backups")
    storage.get_by_label("Stays: keep it on the old subscription").check()
    page.get_by_role("button", name="Save and stop here").click()  # nothing is chosen for us
    choose = "Choose whether it moves to us (cancelled on the old subscription) or stays."
    for number in (1, 2):
        expect(page.get_by_role("group", name=f"Service {number}")).to_contain_text(choose)
    expect(storage.get_by_label("Stays: keep it on the old subscription")).to_be_checked()
    for number in (1, 2):
        page.get_by_role("group", name=f"Service {number}").get_by_label(
            "Moves to us: cancel it on the old subscription"
        ).check()
    page.get_by_role("button", name="Save and stop here").click()  # what was chosen is kept
    expect(page.get_by_text("The services and what happens to each are recorded.")).to_be_visible()
    expect(page.get_by_text("Step 4 of 4")).to_be_visible()
    page.goto(f"/customers/{customer.uuid}/")  # the next step says so, and resumes in one click
    expect(page.get_by_text("Onboarding in progress — step 4 of 4")).to_be_visible()
    expect(page.get_by_role("link", name="Onboard Azure EA")).to_have_count(0)
    page.get_by_role("link", name="Resume Azure EA").click()
    expect(page.locator('[aria-current="step"]')).to_contain_text("Review and finish")

    other = new_page()
    sign_in(other, colleague.email, PASSWORD)
    other.get_by_role("link", name="Moves").first.click()
    other.get_by_role("link", name="Resume the onboarding of Northwind Traders").click()
    expect(other.locator('[aria-current="step"]')).to_contain_text("Review and finish")  # at once
    expect(other.locator("#cancellations")).to_contain_text(
        f"These services will be cancelled on Azure EA (ID {ea.external_id}): "
        "App Service: northwind-web, Azure SQL Database: orders."
    )
    other.get_by_role("button", name="Finish the onboarding").click()
    expect(other.get_by_text("The onboarding is finished.")).to_be_visible()
    expect(
        other.get_by_text("Storage account: backups — stays on the old subscription")
    ).to_be_visible()

    created = Subscription.objects.get(channel=Channel.CSP, billing_type=BillingType.USAGE)
    assert created.partner_of_record == partner
    assert created.offer_name == "Azure plan — Northwind production"
    assert Subscription.objects.get(pk=ea.pk).status == SubscriptionStatus.ACTIVE  # kept


def test_a_license_bought_elsewhere_cannot_switch_yet_so_its_move_is_planned(
    page, sales_agent, global_admin
):
    customer = add_customer(global_admin, "Fourth Coffee")
    term_end = date.today() + timedelta(days=75)
    add_subscription(
        customer,
        channel=Channel.OPEN,
        offer_name="Microsoft 365 Business Standard",
        term_start=term_end - timedelta(days=365),
        term_end=term_end,
        auto_renew=True,
    )

    sign_in(page, sales_agent.email, PASSWORD)
    page.goto(f"/customers/{customer.uuid}/")
    expect(
        page.get_by_text(f"Can move to us after {term_end:%Y-%m-%d} (term end) — plan it")
    ).to_be_visible()
    page.get_by_role("link", name="Plan the move Microsoft 365 Business Standard").click()

    expect(
        page.get_by_text("cannot switch to another partner before their term ends")
    ).to_be_visible()
    expect(page.get_by_text(f"Its term ends on {term_end:%Y-%m-%d}")).to_be_visible()
    page.get_by_label("Remind me this many days before the term end").fill("45")
    page.get_by_role("button", name="Plan the move").click()

    remind_on = term_end - timedelta(days=45)
    expect(page.get_by_text(f"you will be reminded on {remind_on:%Y-%m-%d}")).to_be_visible()
    buy_by = term_end + timedelta(days=30)
    expect(
        page.get_by_text(f"and {buy_by:%Y-%m-%d} (within 30 days of the term end)")
    ).to_be_visible()
    page.get_by_label("The customer turned off auto-renew with its current seller").check()
    page.get_by_role("button", name="Save the checklist").click()
    expect(page.get_by_text("The checklist is saved.")).to_be_visible()
    expect(
        page.get_by_label("The customer turned off auto-renew with its current seller")
    ).to_be_checked()
