"""The foundation as a user meets it: signing in, navigation per role, user management, the
activity log's export, lockout, phones and keyboards."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from multichannel import throttle
from multichannel.models import User
from multichannel.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)

NAV = {
    Role.GLOBAL_ADMIN: {
        "Home",
        "Customers",
        "Subscriptions",
        "Requests",
        "Moves",
        "Transfers",
        "Support",
        "Users",
        "Activity log",
    },
    Role.USER_MANAGEMENT_ADMIN: {"Home", "Users", "Activity log"},
    Role.SALES_AGENT: {
        "Home",
        "Customers",
        "Subscriptions",
        "Requests",
        "Moves",
        "Transfers",
        "Support",
    },
}


def nav_labels(page) -> set[str]:
    links = page.get_by_role("navigation", name="Main").locator(
        ".navbar-nav .nav-link:not(.dropdown-toggle)"
    )
    return {text.strip() for text in links.all_inner_texts()}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_signs_in_and_sees_its_navigation(page, partner, role):
    person = make_user(partner, role, email=f"{role.value}@contoso.example", full_name="Pat Person")

    sign_in(page, person.email, PASSWORD)

    expect(page.get_by_role("heading", name="Welcome, Pat")).to_be_visible()
    assert nav_labels(page) == NAV[role]
    page.get_by_role("button", name=re.compile("Pat Person")).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_sales_agent_is_told_which_role_a_page_needs(page, sales_agent):
    sign_in(page, sales_agent.email, PASSWORD)
    page.goto("/users/")
    expect(page.get_by_role("heading", name="You can't do this with your roles")).to_be_visible()
    expect(page.get_by_text("Role needed: Global admin or User management admin")).to_be_visible()


def test_five_failed_sign_ins_show_when_to_try_again(page, sales_agent):
    for _ in range(5):
        sign_in(page, sales_agent.email, "not-my-password")
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_text(re.compile(r"You can try again after \d\d:\d\d UTC"))).to_be_visible()


def test_an_account_guessed_at_from_many_places_makes_a_new_place_wait(page, sales_agent, settings):
    for _ in range(settings.PORTAL_ACCOUNT_FAILURE_LIMIT):
        throttle.note_account_failure(sales_agent.email)

    sign_in(page, sales_agent.email, PASSWORD)  # the right password, from a new place

    expect(page).to_have_title(re.compile("^Error: "))
    form = page.locator("form").filter(has=page.get_by_label("Work email"))
    expect(form.get_by_text("signing in from here has to wait")).to_be_visible()
    expect(form.get_by_text(re.compile(r"Try again after \d\d:\d\d:\d\d UTC"))).to_be_visible()
    expect(page.get_by_label("Work email")).to_have_value(sales_agent.email)


def test_a_global_admin_adds_a_user_who_signs_in_then_is_deactivated(new_page, global_admin):
    admin = new_page()
    sign_in(admin, global_admin.email, PASSWORD)
    admin.get_by_role("link", name="Users").first.click()
    admin.get_by_role("link", name="Add a user").first.click()
    admin.get_by_label("Full name").fill("Nora Nolan")
    admin.get_by_label("Work email").fill("nora@contoso.example")
    admin.get_by_label("Sales agent —").check()
    admin.get_by_label("Show a one-time temporary password now").check()
    admin.get_by_role("button", name="Add user").click()

    expect(admin.get_by_text("Nora Nolan can now sign in.")).to_be_visible()
    temporary = admin.get_by_label("Temporary password").input_value()
    assert len(temporary) == 19

    # The new user signs in and must choose a password first.
    newcomer = new_page()
    sign_in(newcomer, "nora@contoso.example", temporary)
    expect(newcomer.get_by_role("heading", name="Change your password")).to_be_visible()
    newcomer.get_by_label("Old password").fill(temporary)
    newcomer.locator("#id_new_password1").fill("noras-own-passphrase")
    newcomer.locator("#id_new_password2").fill("noras-own-passphrase")
    newcomer.get_by_role("button", name="Change password").click()
    expect(newcomer.get_by_role("heading", name="Welcome, Nora")).to_be_visible()

    # The admin gives her a second role.
    admin.get_by_role("link", name="Edit").click()
    admin.get_by_label("User management admin —").check()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_text("Nora Nolan has been updated.")).to_be_visible()
    nora = User.objects.get(email="nora@contoso.example")
    assert nora.roles == {Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN}

    # Deactivating asks first, then ends her session.
    admin.get_by_role("link", name="Deactivate").click()
    expect(admin.get_by_text("will be signed out at once")).to_be_visible()
    admin.get_by_role("button", name="Deactivate Nora Nolan").click()
    expect(admin.get_by_text("Nora Nolan has been deactivated")).to_be_visible()
    newcomer.reload()
    expect(newcomer.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_activity_log_exports_as_csv(page, global_admin):
    sign_in(page, global_admin.email, PASSWORD)
    page.get_by_role("link", name="Activity log").first.click()
    expect(page.get_by_role("cell", name="Signed in").first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("activity-")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert content.startswith("Time (UTC),User,Action")
    assert "Signed in" in content


def test_a_phone_sized_screen_gets_a_menu_and_no_sideways_scrolling(new_page, global_admin):
    phone = new_page(width=375, height=740, is_mobile=True, has_touch=True)
    sign_in(phone, global_admin.email, PASSWORD)
    phone.goto("/users/")

    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    users_link = phone.locator("#main-nav").get_by_role("link", name="Users")
    expect(users_link).to_be_hidden()
    phone.get_by_role("button", name="Show navigation").click()
    expect(users_link).to_be_visible()


def test_the_keyboard_reaches_the_content_with_a_visible_focus(page, global_admin):
    sign_in(page, global_admin.email, PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_on_a_phone_the_list_comes_first_and_the_filters_open_on_demand(new_page, global_admin):
    phone = new_page(width=375, height=740, is_mobile=True, has_touch=True)
    sign_in(phone, global_admin.email, PASSWORD)
    phone.goto("/activity/")
    search = phone.get_by_role("search", name="Filter the activity log").get_by_label("Search")
    expect(search).to_be_hidden()
    expect(phone.get_by_role("table")).to_be_in_viewport()

    phone.get_by_role("button", name="Search and filter").click()
    search.fill("signed")
    phone.get_by_role("button", name="Apply").click()
    expect(search).to_be_visible()  # open while a filter is on
    expect(search).to_have_value("signed")


def test_a_long_filter_bar_keeps_its_fields_readable(page, global_admin):
    sign_in(page, global_admin.email, PASSWORD)
    page.goto("/subscriptions/")
    widths = page.eval_on_selector_all(
        "#list-filters select, #list-filters input:not([type=hidden])",
        "fields => fields.map(f => f.getBoundingClientRect().width)",
    )
    assert len(widths) > 4
    assert min(widths) >= 180
