"""The whole loop in the browser: a Sales agent requests a reseller relationship with delegated
admin roles, the customer's admin (signed out) accepts it, the customer shows up with its
subscriptions; a second visit to the link says it has been used. Declining asks once more."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from multichannel.models import BillingType, Channel, RelationshipRequest, RequestStatus
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, add_customer, add_subscription, make_request

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_accept_and_see_the_customer(new_page, sales_agent, other_partner_admin):
    litware = add_customer(other_partner_admin, "Litware", domain="litware.onmicrosoft.com")
    add_subscription(litware, channel=Channel.DIRECT, offer_name="Microsoft 365 E5")
    add_subscription(
        litware, channel=Channel.EA, billing_type=BillingType.USAGE, offer_name="Azure EA"
    )

    agent = new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(agent, sales_agent.email, PASSWORD)
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    agent.get_by_role("link", name="Request a reseller relationship").first.click()

    expect(agent.locator('[aria-current="step"]')).to_contain_text("Customer")
    agent.get_by_label("Company name").fill("Litware")
    agent.get_by_label("Primary domain").fill("litware.onmicrosoft.com")
    agent.get_by_label("Send the invitation to").fill("admin@litware.onmicrosoft.com")
    agent.get_by_role("button", name="Next").click()

    expect(agent.locator('[aria-current="step"]')).to_contain_text("Delegated admin roles")
    agent.get_by_label("Ask for delegated admin roles as well").check()
    agent.get_by_label("Helpdesk administrator").check()
    agent.get_by_label("User administrator").check()
    agent.get_by_label("For how many days after the customer accepts").fill("90")
    agent.get_by_role("button", name="Next").click()

    expect(agent.locator('[aria-current="step"]')).to_contain_text("Review and email")
    expect(
        agent.get_by_text("Helpdesk administrator, User administrator, for 90 days")
    ).to_be_visible()
    expect(agent.get_by_label("Email text")).to_contain_text(sales_agent.partner.name)
    agent.get_by_role("button", name="Create the request").click()

    expect(agent.get_by_text("The request is ready")).to_be_visible()
    link = agent.get_by_role("textbox", name="Invitation link").input_value()
    agent.get_by_role("button", name="Copy link").click()
    expect(agent.get_by_role("button", name="Copied")).to_be_visible()
    assert agent.evaluate("navigator.clipboard.readText()") == link

    customer = new_page()
    customer.goto(link)
    assert "/invitation/" in customer.url and link.rsplit("/", 2)[-2] not in customer.url
    expect(
        customer.get_by_role("heading", name=f"{sales_agent.partner.name} asks to be your reseller")
    ).to_be_visible()
    expect(customer.get_by_text("Helpdesk administrator")).to_be_visible()
    customer.get_by_label("Your name").fill("Lee Gu")
    customer.get_by_label("Your work email").fill("lee@contoso.example")
    customer.get_by_label("I have read and accept the Microsoft Customer Agreement").check()
    customer.get_by_role("button", name="Accept").click()
    expect(customer.locator("#error_1_id_email")).to_contain_text(
        "Use your email address in litware.onmicrosoft.com"
    )
    expect(customer.get_by_label("Your name")).to_have_value("Lee Gu")
    customer.get_by_label("Your work email").fill("lee@litware.onmicrosoft.com")
    customer.get_by_label("I have read and accept the Microsoft Customer Agreement").check()
    customer.get_by_role("button", name="Accept").click()
    expect(customer.get_by_role("heading", name="You accepted")).to_be_visible()

    agent.goto("/customers/?q=litware")
    agent.get_by_role("link", name="Litware").click()
    expect(agent.get_by_text("Lee Gu (lee@litware.onmicrosoft.com)")).to_be_visible()
    expect(agent.get_by_text("Helpdesk administrator, User administrator, until")).to_be_visible()
    expect(agent.get_by_role("link", name="Microsoft 365 E5", exact=True)).to_be_visible()
    expect(agent.get_by_role("link", name="Azure EA", exact=True)).to_be_visible()

    again = new_page()
    again.goto(link)
    expect(again.get_by_text("This invitation has already been accepted")).to_be_visible()


def test_the_customer_declines_only_after_saying_so_twice(new_page, sales_agent):
    relationship_request = make_request(
        sales_agent, company="Fabrikam", domain="fabrikam.onmicrosoft.com"
    )

    customer = new_page(width=375, height=800)
    customer.goto(reverse("invitation-link", args=[relationship_request.token()]))
    customer.get_by_label("Your name").fill("Kim Akers")
    customer.get_by_label("Your work email").fill("kim@fabrikam.onmicrosoft.com")
    customer.get_by_role("button", name="Decline").click()

    expect(customer.get_by_text("Decline for good?")).to_be_visible()
    expect(customer.get_by_label("Your name")).to_have_value("Kim Akers")
    customer.get_by_label("Your name").press("Enter")  # Enter goes back, never declines
    expect(customer.get_by_role("button", name="Accept")).to_be_visible()
    expect(customer.get_by_label("Your work email")).to_have_value("kim@fabrikam.onmicrosoft.com")

    customer.get_by_role("button", name="Decline").click()
    customer.get_by_role("button", name="Go back").click()
    expect(customer.get_by_label("Your name")).to_have_value("Kim Akers")

    customer.get_by_role("button", name="Decline").click()
    customer.get_by_role("button", name="Yes, decline").click()
    expect(customer.get_by_text("You declined the request")).to_be_visible()
    relationship_request.refresh_from_db()
    assert relationship_request.status == RequestStatus.DECLINED


def test_the_agent_emails_the_invitation_from_the_request_page_and_the_list(new_page, sales_agent):
    relationship_request = make_request(
        sales_agent, company="Fabrikam", domain="fabrikam.onmicrosoft.com"
    )

    agent = new_page()
    sign_in(agent, sales_agent.email, PASSWORD)
    agent.goto(reverse("relationship_requests:detail", args=[relationship_request.uuid]))
    agent.get_by_role("button", name="Send the email to admin@fabrikam.onmicrosoft.com").click()
    expect(
        agent.get_by_text("The invitation was emailed to admin@fabrikam.onmicrosoft.com.")
    ).to_be_visible()

    RelationshipRequest.objects.filter(pk=relationship_request.pk).update(  # a day later
        last_sent_at=timezone.now() - timedelta(days=1)
    )
    agent.goto(reverse("relationship_requests:list"))
    agent.get_by_role("button", name="Resend to admin@fabrikam.onmicrosoft.com").click()
    expect(
        agent.get_by_text("The invitation was emailed to admin@fabrikam.onmicrosoft.com.")
    ).to_be_visible()
    relationship_request.refresh_from_db()
    assert relationship_request.send_count == 2
