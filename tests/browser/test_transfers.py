"""A transfer between two partners in the browser: the target asks, the source's Global admin
accepts, the target then manages the subscription."""

import uuid

import pytest
from playwright.sync_api import expect

from multichannel.models import (
    BillingType,
    Channel,
    Relationship,
    RelationshipStatus,
    Subscription,
)
from multichannel.services.permissions import refresh_customer_access
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, add_customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_target_asks_source_accepts_target_manages(
    new_page, sales_agent, global_admin, other_partner, other_partner_admin
):
    customer = add_customer(global_admin, "Wide World Importers")
    Relationship.objects.create(
        partner=other_partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, other_partner)
    azure_plan = Subscription.objects.create(
        customer=customer,
        offer_name="Azure plan",
        offer_id="DZH318Z0BPS6",
        billing_type=BillingType.USAGE,
        channel=Channel.CSP,
        partner_of_record=other_partner,
        external_id=uuid.uuid4(),
    )

    target = new_page()
    sign_in(target, sales_agent.email, PASSWORD)
    target.goto(f"/customers/{customer.uuid}/")
    expect(target.get_by_text("Switch to our partner")).to_be_visible()
    target.get_by_role("link", name="Ask for a transfer").click()
    target.get_by_role("button", name="Show what would move").click()
    expect(
        target.get_by_role("heading", name="What Fabrikam Partners holds for Wide World Importers")
    ).to_be_visible()
    expect(target.get_by_text("Azure plan (no name)")).to_be_visible()  # named and identified
    expect(target.get_by_text(f"Subscription ID {azure_plan.external_id}")).to_be_visible()
    target.get_by_label("Customer contact to notify").fill("it@wideworldimporters.example")
    target.get_by_role("button", name="Send the request").click()
    expect(target.get_by_text("The request was sent to Fabrikam Partners")).to_be_visible()

    source = new_page()
    sign_in(source, other_partner_admin.email, PASSWORD)
    source.get_by_role("navigation", name="Main").get_by_role("link", name="Transfers").click()
    source.get_by_role("link", name="Outgoing").click()
    source.get_by_role("link", name="Wide World Importers").click()
    source.get_by_role("link", name="Accept").click()
    expect(source.get_by_text("Stay with us:")).to_be_visible()
    expect(source.get_by_label("Azure plan (")).to_be_checked()
    source.get_by_role("button", name="Accept and transfer").click()
    expect(source.get_by_text("The transfer is complete.")).to_be_visible()
    expect(source.get_by_role("cell", name="Moved")).to_be_visible()

    target.goto(f"/customers/{customer.uuid}/")
    expect(target.get_by_role("heading", name="Bought from us (1)")).to_be_visible()
    expect(target.get_by_text("Managed by us")).to_be_visible()
