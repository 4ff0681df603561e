"""Multi-factor sign-in as a person meets it, on a laptop and on a phone: the partner requires it,
so after the password they set up an authenticator app from the QR page, save their recovery
codes, sign out, and sign in again with a code from the app."""

import re
import time
from importlib import import_module
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from multichannel import mfa
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, next_code

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "laptop": {"width": 1366, "height": 768},
    "phone": {"width": 375, "height": 740, "is_mobile": True, "has_touch": True},
}


def sign_out(page):
    toggler = page.get_by_role("button", name="Show navigation")
    if toggler.is_visible():
        toggler.click()
    page.locator("#user-menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def password(page, email):
    page.goto("/sign-in/")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("size", SIZES)
def test_enrol_save_the_codes_sign_out_and_sign_in_with_a_code(new_page, sales_agent, size):
    page = new_page(**SIZES[size])

    # After the password the partner's requirement leads straight to setting up an app.
    password(page, sales_agent.email)
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_text("requires multi-factor sign-in").first).to_be_visible()
    page.goto("/customers/")  # nothing else is reachable yet
    expect(page).to_have_url(re.compile(r"/account/security/authenticator/"))
    qr = page.locator("svg.mfa-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and 100 <= box["width"] <= 220
    secret = page.locator("#mfa-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", secret)

    # The code the app shows for that key turns it on.
    app = pyotp.TOTP(secret.replace(" ", ""))
    page.get_by_label("6-digit code from your authenticator app").fill(app.now())
    page.get_by_role("button", name="Turn on").click()

    # Ten recovery codes, shown once: downloaded as a text file and copyable.
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.get_by_label("Your recovery codes").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as text file").click()
    download = downloading.value
    assert download.suggested_filename == "partner-portal-recovery-codes.txt"
    assert all(code in Path(download.path()).read_text() for code in codes)
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))  # where they were going

    # The user menu leads to Account security, which shows the app on and ten codes left.
    page.goto("/account/security/")
    expect(page.get_by_text("10 of 10 left.")).to_be_visible()

    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # Next time: the password, then a code from the app.
    password(page, sales_agent.email)
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    page.wait_for_timeout(1100)  # django-otp: after a wrong code the next one waits a second
    device = TOTPDevice.objects.get(user=sales_agent, confirmed=True)
    page.get_by_label("6-digit code from your authenticator app").fill(next_code(device))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_a_recovery_code_instead_of_the_app(page, sales_agent):
    password(page, sales_agent.email)
    app_secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from your authenticator app").fill(pyotp.TOTP(app_secret).now())
    page.get_by_role("button", name="Turn on").click()
    code = page.get_by_label("Your recovery codes").input_value().split()[0]
    page.get_by_role("button", name="I have saved my recovery codes").click()
    sign_out(page)

    password(page, sales_agent.email)
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(code)
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_text("You have 9 recovery codes left.")).to_be_visible()


def age_the_second_factor(page, minutes: float) -> None:
    """As if the session's last code was entered `minutes` ago."""
    key = next(
        c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[mfa.VERIFIED_AT] = time.time() - minutes * 60
    session.save()


def test_an_action_after_15_minutes_asks_again_and_keeps_what_was_typed(
    page, global_admin, sales_agent
):
    sign_in(page, global_admin.email, PASSWORD)
    page.goto(f"/users/{sales_agent.uuid}/edit/")
    age_the_second_factor(page, 16)

    page.get_by_label("Full name").fill("Dana Diaz-Moreno")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    device = TOTPDevice.objects.get(user=global_admin, confirmed=True)
    page.get_by_label("6-digit code from your authenticator app").fill(next_code(device))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(rf"/users/{sales_agent.uuid}/edit/$"))
    expect(page.get_by_label("Full name")).to_have_value("Dana Diaz-Moreno")
    expect(page.get_by_text("What you entered is filled in again")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(f"{sales_agent.email}").first).to_be_visible()
    sales_agent.refresh_from_db()
    assert sales_agent.full_name == "Dana Diaz-Moreno"
