"""Layout as people meet it: the navbar fits every width for every role, list rows keep their link
on a phone, and keyboard focus is clearly visible."""

import pytest
from playwright.sync_api import expect

from multichannel.models import Channel
from multichannel.roles import Role
from multichannel.services.relationships import send_request
from tests.browser.conftest import SCROLLING_BOXES, sign_in
from tests.factories import (
    PASSWORD,
    SubscriptionFactory,
    add_customer,
    add_subscription,
    make_request,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740, "is_mobile": True, "has_touch": True}

# How wide the page is, and where the user menu and its name are.
PAGE_WIDTH = "document.documentElement.scrollWidth"
USER_MENU = """() => {
  const button = document.querySelector('#user-menu');
  const name = button.querySelector('.user-name');
  const box = button.getBoundingClientRect();
  return {left: box.left, right: box.right, width: box.width, viewport: window.innerWidth,
          nameCut: name.scrollWidth > name.clientWidth};
}"""
# Per row of the main table: its first link and the visible cells, as boxes.
ROWS = """() => Array.from(document.querySelectorAll('#main table tbody tr')).map(row => {
  const box = el => {
    const b = el.getBoundingClientRect();
    return {left: b.left, right: b.right};
  };
  const link = row.querySelector('a');
  const cells = Array.from(row.cells).filter(cell => cell.getClientRects().length > 0);
  return {text: row.innerText.trim().slice(0, 60), link: link && box(link),
          linkVisible: !!link && link.getClientRects().length > 0, cells: cells.map(box)};
})"""


def assert_no_sideways_scroll(page):
    width = page.evaluate(PAGE_WIDTH)
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: the page is {width} px wide in a {viewport} px window"


def assert_user_menu_fully_visible(page, *, whole_name=True):
    button = page.locator("#user-menu")
    expect(button).to_be_visible()
    menu = page.evaluate(USER_MENU)
    assert menu["left"] >= 0 and menu["right"] <= menu["viewport"], (page.url, menu)
    if whole_name:
        assert not menu["nameCut"], f"{page.url}: the user's name is cut"


# --- The navbar -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1280, 900), (1366, 768), (1440, 900)], ids=str)
def test_a_global_admins_pages_do_not_scroll_sideways_on_a_laptop(new_page, global_admin, size):
    width, height = size
    page = new_page(width=width, height=height)
    sign_in(page, global_admin.email, PASSWORD)

    for path in ("/", "/users/", "/activity/"):
        page.goto(path)
        assert_no_sideways_scroll(page)
        assert_user_menu_fully_visible(page)
        # Every link of the navbar is on screen, none hidden behind the toggler.
        links = page.locator("#main-nav .nav-link")
        for index in range(links.count()):
            expect(links.nth(index)).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_navbar_fits_every_width_for_every_role(new_page, partner, role):
    person = make_user(partner, role, email=f"{role.value}@contoso.example", full_name="Pat Person")
    page = new_page(width=1920, height=900)
    sign_in(page, person.email, PASSWORD)

    for width in (375, 576, 768, 992, 1199, 1200, 1280, 1366, 1399, 1400, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        assert_no_sideways_scroll(page)
        if width >= 1200:  # the expanded navbar; below, the menu sits behind the toggler
            assert_user_menu_fully_visible(page)
        else:
            expect(page.get_by_role("button", name="Show navigation")).to_be_in_viewport(ratio=1)


def test_a_very_long_user_name_is_shortened_rather_than_pushing_the_page_sideways(
    new_page, partner
):
    person = make_user(
        partner,
        Role.GLOBAL_ADMIN,
        email="max@contoso.example",
        full_name="Maximiliana Konstantinopoulou-Vandenberghe de la Fuente",
    )
    page = new_page(width=1200, height=800)
    sign_in(page, person.email, PASSWORD)

    assert_no_sideways_scroll(page)
    assert_user_menu_fully_visible(page, whole_name=False)
    # Still named in full for assistive technology, and the menu still opens.
    page.get_by_role(
        "button", name="Maximiliana Konstantinopoulou-Vandenberghe de la Fuente"
    ).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


# --- Lists on a phone -----------------------------------------------------------------------------


@pytest.fixture
def customer_with_next_steps(held_subscription, azure_onboarding, planned_move):
    """Northwind: ours, an onboarding and a planned move in progress, plus Azure to onboard and
    seats to plan a move for (the Onboard and Plan the move buttons)."""
    customer = held_subscription.customer
    SubscriptionFactory(
        customer=customer, usage=True, channel=Channel.DIRECT, offer_name="Azure subscription 1"
    )
    SubscriptionFactory(customer=customer, offer_name="Microsoft 365 Business Premium")
    return customer


def assert_rows_fit(page, *, with_link=True):
    rows = page.evaluate(ROWS)
    viewport = page.evaluate("window.innerWidth")
    assert rows, f"{page.url}: no rows"
    for row in rows:
        if with_link:
            assert row["linkVisible"], f"{page.url}: no visible link in row {row['text']!r}"
            link = row["link"]
            assert link["left"] >= 0 and link["right"] <= viewport, (page.url, row)
        for cell in row["cells"]:
            assert cell["left"] >= 0 and cell["right"] <= viewport + 0.5, (page.url, row)


def test_on_a_phone_each_list_row_keeps_its_link_on_screen(
    new_page, global_admin, customer_with_next_steps
):
    phone = new_page(**PHONE)
    sign_in(phone, global_admin.email, PASSWORD)

    for path in ("/onboardings/", "/planned-moves/", customer_with_next_steps.get_absolute_url()):
        phone.goto(path)
        assert_no_sideways_scroll(phone)
        assert_rows_fit(phone)

    # The customer's next steps and their buttons are on screen too.
    for name in ("Onboard", "Plan the move"):
        button = phone.get_by_role("link", name=name).first
        button.scroll_into_view_if_needed()
        expect(button).to_be_in_viewport(ratio=1)

    # The first link of a row opens the row's object.
    phone.goto("/onboardings/")
    phone.locator("#main table tbody tr").first.get_by_role("link").first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("onboarding of Azure plan")


def test_on_a_phone_the_activity_log_shows_every_action(new_page, global_admin, planned_move):
    phone = new_page(**PHONE)
    sign_in(phone, global_admin.email, PASSWORD)
    phone.goto("/activity/")

    assert_no_sideways_scroll(phone)
    assert_rows_fit(phone, with_link=False)
    expect(phone.get_by_role("columnheader", name="Action")).to_be_in_viewport(ratio=1)
    expect(phone.get_by_role("cell", name="Move planned").first).to_be_visible()


def test_on_a_phone_long_names_and_addresses_wrap_instead_of_widening_the_page(
    new_page, sales_agent
):
    name = "Contoso Pharmaceuticals International Holdings Incorporated"
    domain = "contosopharmaceuticalsintl.onmicrosoft.com"
    add_subscription(add_customer(sales_agent, name, domain=domain))
    request = send_request(
        by=sales_agent,
        relationship_request=make_request(sales_agent, company=name, domain=f"eu{domain}"),
    )
    phone = new_page(**PHONE)
    sign_in(phone, sales_agent.email, PASSWORD)

    for path in ("/customers/", "/relationship-requests/", request.get_absolute_url()):
        phone.goto(path)
        assert_no_sideways_scroll(phone)
        # Nor does a list hide columns behind a sideways scroll of its own.
        assert phone.evaluate(SCROLLING_BOXES) == [], path

    resend = phone.get_by_role("button", name=f"Resend the email to admin@eu{domain}")
    expect(resend).to_be_in_viewport(ratio=1)
    phone.goto("/customers/")
    expect(phone.get_by_role("columnheader", name="Live subscriptions")).to_be_in_viewport(ratio=1)


# --- Keyboard focus -------------------------------------------------------------------------------

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          color: style.outlineColor};
}"""


def tab_to(page, selector, *, limit=40):
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def assert_focus_ring(page):
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["color"] == "rgb(255, 191, 71)", ring  # the portal's focus colour


def test_keyboard_focus_is_clearly_visible_on_the_navbar(page, global_admin):
    sign_in(page, global_admin.email, PASSWORD)

    tab_to(page, "#main-nav .nav-link:not(.dropdown-toggle)")
    assert_focus_ring(page)
    tab_to(page, "#user-menu")
    assert_focus_ring(page)


def test_keyboard_focus_is_clearly_visible_on_fields_and_buttons(page):
    page.goto("/sign-in/")

    tab_to(page, "input.form-control")
    assert_focus_ring(page)
    tab_to(page, "button.btn")
    assert_focus_ring(page)


def test_keyboard_focus_is_clearly_visible_on_selects_and_checkboxes(page, global_admin):
    sign_in(page, global_admin.email, PASSWORD)
    page.goto("/users/new/")

    tab_to(page, ".form-check-input")
    assert_focus_ring(page)
    page.goto("/customers/new/")
    tab_to(page, ".form-select")
    assert_focus_ring(page)
