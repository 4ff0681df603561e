"""A refused form in the browser: the page's title starts with "Error: ", focus lands on the
error summary at the top, and a link in it moves focus to the field it names."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from multichannel.services import onboarding as onboarding_services
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, signed_in
from tests.form_pages import FORM_PAGES, url_kwargs

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED_ID = "() => document.activeElement && document.activeElement.id"
# A phone, without Bootstrap's smooth scrolling: where a link leaves the page is final at once.
PHONE = {"width": 375, "height": 740, "reduced_motion": "reduce"}


def _says_so_at_the_top(page) -> None:
    assert page.title().startswith("Error: "), page.title()
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.evaluate(FOCUSED_ID) == "error-summary"


def _link_focuses(page, link_text: str, field_id: str, label: str = "") -> None:
    """The link focuses the field, and the field's label (a list's legend) is in view too,
    not scrolled off the top as following the link alone would leave it."""
    page.locator("[data-error-summary]").get_by_role("link", name=link_text).click()
    assert page.evaluate(FOCUSED_ID) == field_id
    expect(page.locator(f"#{field_id}")).to_be_in_viewport()
    caption = page.locator(f"label[for='{field_id}']")
    if label:
        caption = page.locator("legend", has_text=label)
    expect(caption).to_be_in_viewport()


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_sign_in(page, sales_agent):
    page.goto("/sign-in/")
    page.get_by_label("Work email").fill(sales_agent.email)
    _submit(page, "Sign in")

    _says_so_at_the_top(page)  # rather than the email field, which has autofocus
    _link_focuses(page, "Password: This field is required.", "id_password")
    expect(page.get_by_label("Work email")).to_have_value(sales_agent.email)


def test_an_onboarding_step(page, sales_agent, azure_onboarding):
    onboarding_services.confirm_source(
        by=sales_agent, onboarding=azure_onboarding, services=["Web app"]
    )
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto(f"/onboardings/{azure_onboarding.uuid}/new-subscription/")
    page.get_by_label("Name of the new Azure subscription").fill("")
    _submit(page, "Create it and continue")

    _says_so_at_the_top(page)
    _link_focuses(
        page,
        "Name of the new Azure subscription: This field is required.",
        "id_friendly_name",
    )


def test_a_support_request(new_page, sales_agent, held_subscription):
    page = new_page(**PHONE)
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto("/support/new/")
    page.get_by_label("Title").fill("Nobody can sign in")
    page.get_by_label("Contact email").fill("dana")
    _submit(page, "File the request")

    _says_so_at_the_top(page)
    _link_focuses(page, "Topic: This field is required.", "id_topic")
    _link_focuses(page, "Description: This field is required.", "id_description")
    _link_focuses(page, "Contact email: Enter a valid email address.", "id_contact_email")
    expect(page.get_by_label("Title")).to_have_value("Nobody can sign in")


def test_adding_a_user(new_page, global_admin):
    page = new_page(**PHONE)
    sign_in(page, global_admin.email, PASSWORD)
    page.goto("/users/new/")
    page.get_by_label("Full name").fill("Erin Ellis")
    _submit(page, "Add user")

    _says_so_at_the_top(page)
    # A checkbox list: its first box, with the list's legend in view.
    _link_focuses(page, "Roles: Give the user at least one role.", "id_roles_0", label="Roles")
    _link_focuses(page, "Work email: This field is required.", "id_email")


@pytest.mark.parametrize("url_name", sorted(FORM_PAGES))
def test_every_refused_form_takes_focus_to_its_summary_and_each_link_to_its_field(
    url_name, new_page, request
):
    """Every form page of the portal, refused as in tests/test_error_summary.py: the browser
    shows the page the server answered, with its own headers (the CSP included)."""
    row = FORM_PAGES[url_name]
    client = (
        Client() if row.persona == "anonymous" else signed_in(request.getfixturevalue(row.persona))
    )
    url = reverse(url_name, kwargs=url_kwargs(row.about, request))
    if row.prepare:
        url = row.prepare(client, request, url)
    response = client.post(url, row.data)
    headers = {name: value for name, value in response.items() if name.lower() != "set-cookie"}
    page = new_page()
    page.route(
        lambda address: address.split("?")[0].endswith(url),
        lambda route: route.fulfill(status=200, headers=headers, body=response.content),
    )
    page.goto(url)

    _says_so_at_the_top(page)
    summary = page.locator("[data-error-summary]")
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
    assert {f"#{anchor}" for anchor in row.links} <= set(hrefs)
    for href in hrefs:
        summary.locator(f"a[href='{href}']").first.click()
        assert page.evaluate(FOCUSED_ID) == href[1:], f"{url_name}: {href} did not focus it"
