"""A support request in the browser: a Sales agent files a severity A request with an
attachment, a Global admin assigns it, the assignee adds a note and closes it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from multichannel.models import SupportRequest, SupportStatus
from multichannel.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, add_customer, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ATTACHMENT = Path(__file__).parent / "files" / "sign-in-error.txt"


def test_file_assign_note_and_close(new_page, sales_agent, global_admin, partner):
    customer = add_customer(global_admin, "Northwind Traders")
    assignee = make_user(
        partner, Role.SALES_AGENT, full_name="Eli Evans", email="eli@contoso.example"
    )

    agent = new_page()
    sign_in(agent, sales_agent.email, PASSWORD)
    agent.goto(f"/customers/{customer.uuid}/")
    agent.get_by_role("link", name="File a support request").click()
    expect(agent.get_by_label("Customer")).to_have_value(str(customer.uuid))
    expect(agent.get_by_label("Contact name")).to_have_value("Nancy Davolio")  # the customer's
    expect(agent.get_by_label("Contact email")).to_have_value("nancy@northwind.example")
    agent.get_by_label("Topic").select_option(label="Technical")
    agent.get_by_label("A — critical (first response within 2 hours)").check()
    agent.get_by_label("Title").fill("Nobody can sign in")
    agent.get_by_label("Description").fill("Every user gets AADSTS50076 since 08:00.")
    agent.get_by_label("Attachments").set_input_files(ATTACHMENT)
    agent.get_by_role("button", name="File the request").click()
    expect(agent.get_by_text("was filed; a first response is due by")).to_be_visible()
    expect(agent.get_by_role("link", name="sign-in-error.txt")).to_be_visible()
    number = SupportRequest.objects.get().number

    admin = new_page()
    sign_in(admin, global_admin.email, PASSWORD)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Support").click()
    admin.get_by_role("link", name=f"#{number} Nobody can sign in").click()
    expect(admin.get_by_text("The initial response is due by")).to_be_visible()
    admin.get_by_label("Assigned to").select_option(label="Eli Evans")
    admin.get_by_role("button", name="Assign").click()
    expect(admin.get_by_text("Assigned to Eli Evans.")).to_be_visible()

    helper = new_page()
    sign_in(helper, assignee.email, PASSWORD)
    helper.goto("/support/")
    helper.get_by_role("link", name=f"#{number} Nobody can sign in").click()
    with helper.expect_download() as download:
        helper.get_by_role("link", name="sign-in-error.txt").click()
    assert Path(download.value.path()).read_text().startswith("AADSTS50076")
    helper.get_by_label("Add a note").fill(
        "Conditional access policy fixed; users can sign in again."
    )
    helper.get_by_role("button", name="Add note").click()
    expect(helper.get_by_text("Your note was added.")).to_be_visible()
    helper.get_by_role("button", name="Close").click()
    expect(helper.get_by_text(f"#{number} is now closed.")).to_be_visible()
    expect(helper.get_by_role("button", name="Reopen")).to_be_visible()
    thread = helper.get_by_role("region", name="Thread")
    expect(thread).to_contain_text(
        f"{global_admin.full_name} changed who it is assigned to from nobody to Eli Evans"
    )
    expect(thread).to_contain_text("Eli Evans changed the status from Open to Closed")

    support = SupportRequest.objects.get()
    assert support.status == SupportStatus.CLOSED
    assert support.first_response_at is not None


def test_enter_in_a_field_files_the_request(new_page, sales_agent, global_admin):
    customer = add_customer(global_admin, "Northwind Traders")

    agent = new_page()
    sign_in(agent, sales_agent.email, PASSWORD)
    agent.goto("/support/new/")
    agent.get_by_label("Customer").select_option(str(customer.uuid))
    agent.get_by_label("Topic").select_option(label="Technical")
    agent.get_by_label("C — minimal (first response within 8 hours)").check()
    agent.get_by_label("Description").fill("Invoices show the wrong VAT number.")
    agent.get_by_label("Contact name").fill("Nancy Davolio")
    agent.get_by_label("Contact email").fill("nancy@northwind.example")
    agent.get_by_label("Title").fill("Wrong VAT number")
    agent.get_by_label("Title").press("Enter")

    expect(agent.get_by_text("was filed; a first response is due by")).to_be_visible()
    assert SupportRequest.objects.get().title == "Wrong VAT number"
