"""Signing in and out, lockouts, passwords and session limits."""

import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multichannel.current_request import client_ip_of
from multichannel.middleware import LAST_SEEN, SIGNED_IN_AT
from multichannel.models import Action, AuditEntry, User
from multichannel.roles import Role
from portal import settings as portal_settings
from tests.factories import PASSWORD, give_authenticator, make_user, signed_in, totp


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("sign-in"), {"username": email, "password": password}, **extra)


def test_signing_in_by_email_in_any_letter_case(sales_agent):
    client = Client()
    response = sign_in(client, "DANA@Contoso.Example")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    entry = AuditEntry.objects.get(action=Action.SIGNED_IN)
    assert (entry.actor, entry.partner, entry.ip_address) == (
        sales_agent,
        sales_agent.partner,
        "127.0.0.1",
    )


def test_a_wrong_password_is_refused_and_logged(sales_agent):
    response = sign_in(Client(), sales_agent.email, "wrong-password")

    assert response.status_code == 200
    assert "That email and password do not match an active account." in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.SIGN_IN_FAILED)
    assert entry.partner == sales_agent.partner
    assert entry.target_label == sales_agent.email
    assert entry.outcome == "failure"
    assert entry.actor is None


@pytest.mark.rule(1)
def test_a_deactivated_user_cannot_sign_in(partner):
    gone = make_user(partner, Role.SALES_AGENT, is_active=False)
    response = sign_in(Client(), gone.email)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_signing_in_gives_a_new_session_key(sales_agent):
    client = Client()
    client.get(reverse("sign-in"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, sales_agent.email)
    assert client.session.session_key != before


def test_signing_out_needs_a_post_and_is_logged(as_sales_agent, sales_agent):
    assert as_sales_agent.get(reverse("sign-out")).status_code == 405
    response = as_sales_agent.post(reverse("sign-out"), follow=True)
    assert "You have signed out." in response.content.decode()
    assert as_sales_agent.get(reverse("home")).status_code == 302
    assert AuditEntry.objects.filter(action=Action.SIGNED_OUT, actor=sales_agent).count() == 1


# --- Lockout ---------------------------------------------------------------------------------


@pytest.mark.rule(4)
def test_five_failures_lock_the_email_from_that_address_for_fifteen_minutes(sales_agent):
    client = Client()
    for _ in range(4):
        assert sign_in(client, sales_agent.email, "wrong").status_code == 200

    fifth = sign_in(client, sales_agent.email, "wrong")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Too many failed sign-ins" in page
    assert "You can try again after" in page
    assert "in about 15 minutes" in page

    # Even the right password is refused while locked.
    assert sign_in(client, sales_agent.email).status_code == 429
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_LOCKED).exists()

    # Another address is not locked out, nor is another email from this address.
    assert sign_in(Client(REMOTE_ADDR="10.0.0.9"), sales_agent.email).status_code == 302
    other = make_user(sales_agent.partner, Role.SALES_AGENT)
    assert sign_in(Client(), other.email).status_code == 302


@pytest.mark.parametrize(
    "look_alike",
    ["dan\u0430@contoso.example", "dana@conto\u017fo.example", "dana@\u017fontoso.example"],
    ids=["cyrillic-a", "long-s", "long-s-for-c"],
)
def test_a_look_alike_email_is_another_email_and_never_signs_in(sales_agent, look_alike):
    client = Client()
    for _ in range(5):
        sign_in(client, sales_agent.email, "wrong")
    assert sign_in(client, sales_agent.email).status_code == 429

    # PostgreSQL's case-insensitive match would take some of these for the locked email.
    response = sign_in(client, look_alike)

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.rule(4)
def test_behind_a_trusted_proxy_the_lock_is_for_the_address_the_proxy_saw(settings, sales_agent):
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(5):
        sign_in(attacker, sales_agent.email, "wrong")

    assert sign_in(attacker, sales_agent.email).status_code == 429
    # The same proxy, another client: not locked out. A client that writes its own header
    # gets the address the proxy appended after it.
    assert (
        sign_in(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.4"), sales_agent.email).status_code
        == 302
    )
    spoofing = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7")
    assert sign_in(spoofing, sales_agent.email).status_code == 429
    failed = AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).first()
    assert failed.ip_address == "203.0.113.7"


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.2"),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.99, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.99, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.2"),  # fewer entries than proxies: not a proxied request
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_the_clients_address_is_read_only_from_trusted_proxies(
    settings, rf, trusted, forwarded, expected
):

    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_of(request) == expected


@pytest.mark.rule(4)
def test_the_lock_ends_after_the_cool_off(sales_agent):
    client = Client()
    for _ in range(5):
        sign_in(client, sales_agent.email, "wrong")
    assert sign_in(client, sales_agent.email).status_code == 429

    # Move the clock: the last failure was 16 minutes ago.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert sign_in(client, sales_agent.email).status_code == 302


@pytest.mark.rule(4)
def test_setting_a_new_password_from_an_emailed_link_lifts_the_lock(sales_agent):
    client = Client()
    for _ in range(5):
        sign_in(client, sales_agent.email, "wrong")
    client.post(reverse("password-reset"), {"email": sales_agent.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    form_page = client.get(urlparse(link.strip()).path, follow=True)
    new_password = "another-long-passphrase-2026"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )

    assert sign_in(client, sales_agent.email, new_password).status_code == 302


# --- What nobody signed in can write to the activity log --------------------------------------


@pytest.mark.rule(4)
def test_sign_ins_refused_during_a_lockout_are_one_entry_and_a_count_the_admin_sees(
    sales_agent, as_global_admin
):
    client = Client()
    for _ in range(5):
        sign_in(client, sales_agent.email, "wrong")
    for _ in range(28):
        assert sign_in(client, sales_agent.email, "wrong").status_code == 429

    assert AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).count() == 4
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_LOCKED).count() == 1
    page = as_global_admin.get(reverse("users:detail", args=[sales_agent.uuid])).content.decode()
    assert "Sign-in held up" in page
    assert "Locked from 127.0.0.1 until" in page
    assert "33 attempts, 28 of them refused while locked" in page

    # Once the lock has ended, the next one is recorded again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        for _ in range(5):
            sign_in(client, sales_agent.email, "wrong")
        assert sign_in(client, sales_agent.email, "wrong").status_code == 429
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_LOCKED).count() == 2


def test_a_flood_from_one_address_writes_at_most_the_hourly_bound(settings, sales_agent):
    bound = settings.PORTAL_ANONYMOUS_ENTRIES_PER_HOUR
    flood = Client(REMOTE_ADDR="203.0.113.7")
    from_flood = AuditEntry.objects.filter(ip_address="203.0.113.7")
    # Many emails, each failed until locked and then refused: five entries each without a bound.
    for n in range(bound // 5 + 4):
        for _ in range(7):
            sign_in(flood, f"guess{n}@contoso.example", "wrong")
    assert from_flood.count() == bound
    # Asking for a password reset from there still sends the email, but adds nothing more.
    flood.post(reverse("password-reset"), {"email": sales_agent.email})
    assert len(mail.outbox) == 1
    assert from_flood.count() == bound

    # Another address is not held back, and a real sign-in from the flooding one is recorded.
    sign_in(Client(REMOTE_ADDR="198.51.100.4"), sales_agent.email, "wrong")
    assert AuditEntry.objects.filter(ip_address="198.51.100.4").count() == 1
    assert sign_in(flood, sales_agent.email).status_code == 302
    assert from_flood.filter(action=Action.SIGNED_IN).count() == 1

    # An hour later the address is heard again, up to the bound.
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        sign_in(flood, "guess@contoso.example", "wrong")
    assert from_flood.exclude(action=Action.SIGNED_IN).count() == bound + 1


def test_an_ipv6_flood_counts_its_64_network_as_one_address(settings, db):
    bound = settings.PORTAL_ANONYMOUS_ENTRIES_PER_HOUR
    for n in range(bound + 10):
        sign_in(Client(REMOTE_ADDR=f"2001:db8:0:1::{n + 1:x}"), f"guess{n}@contoso.example", "x")
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).count() == bound
    sign_in(Client(REMOTE_ADDR="2001:db8:0:2::1"), "guess@contoso.example", "x")
    assert AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).count() == bound + 1


# --- Guessing one account's password from many addresses --------------------------------------


def guess_from_many_addresses(email: str, count: int) -> None:
    for n in range(count):
        guess = sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), email, "wrong")
        assert guess.status_code == 200


def test_guesses_from_many_addresses_make_a_new_address_wait_unchecked(
    settings, sales_agent, as_global_admin
):
    guess_from_many_addresses(sales_agent.email, settings.PORTAL_ACCOUNT_FAILURE_LIMIT)

    # Even the right password is refused: it is not checked at all.
    stranger = Client(REMOTE_ADDR="203.0.113.50")
    refused = sign_in(stranger, sales_agent.email)
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "too many failed sign-ins for this account from other places" in page
    assert "Try again after" in page and "(in about 30 seconds)" in page
    assert 'value="dana@contoso.example"' in page  # what was typed stays
    assert "_auth_user_id" not in stranger.session
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.50").exists()
    noted = AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED, new_values__has_key="account")
    assert noted.count() == 1

    # A Global admin sees it on the user's page.
    user_page = as_global_admin.get(reverse("users:detail", args=[sales_agent.uuid]))
    assert "10 failed sign-ins within the last hour" in user_page.content.decode()

    # Once the delay is over, one guess from a new address is checked; failing doubles the wait.
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        checked = sign_in(Client(REMOTE_ADDR="203.0.113.51"), sales_agent.email, "wrong")
        assert "do not match an active account" in checked.content.decode()
        again = sign_in(Client(REMOTE_ADDR="203.0.113.52"), sales_agent.email)
        assert again.status_code == 429
        assert "(in about 60 seconds)" in again.content.decode()


@pytest.mark.rule(4)
def test_the_django_admins_sign_in_is_no_way_around_the_wait(settings, db):
    operator = User.objects.create_superuser(
        email="operator@portal.example", password=PASSWORD, full_name="Olivia Operator"
    )
    device = give_authenticator(operator)

    def credentials(steps: int) -> dict[str, str]:  # the admin asks for a code too
        return {"username": operator.email, "password": PASSWORD, "otp_token": totp(device, steps)}

    assert (
        Client(REMOTE_ADDR="192.0.2.20").post(reverse("admin:login"), credentials(0)).status_code
        == 302
    )
    guess_from_many_addresses(operator.email, settings.PORTAL_ACCOUNT_FAILURE_LIMIT)

    stranger = Client(REMOTE_ADDR="203.0.113.60")
    assert stranger.post(reverse("admin:login"), credentials(1)).status_code == 200
    assert "_auth_user_id" not in stranger.session
    # From where the operator signed in before, the admin's sign-in still works.
    known = Client(REMOTE_ADDR="192.0.2.20")
    assert known.post(reverse("admin:login"), credentials(1)).status_code == 302
    assert known.session["_auth_user_id"] == str(operator.pk)


def test_an_email_nobody_has_is_slowed_down_the_same(settings, db):
    guess_from_many_addresses("nobody@contoso.example", settings.PORTAL_ACCOUNT_FAILURE_LIMIT)
    assert sign_in(Client(REMOTE_ADDR="203.0.113.50"), "nobody@contoso.example").status_code == 429


def test_the_real_user_still_signs_in_from_where_they_signed_in_before(settings, sales_agent):
    assert sign_in(Client(REMOTE_ADDR="192.0.2.10"), sales_agent.email).status_code == 302
    laptop = Client(REMOTE_ADDR="192.0.2.99")
    assert sign_in(laptop, sales_agent.email).status_code == 302
    laptop.post(reverse("sign-out"))

    guess_from_many_addresses(sales_agent.email, settings.PORTAL_ACCOUNT_FAILURE_LIMIT)

    # The office's address, with no failure of its own, in a browser never used before.
    office = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(office, sales_agent.email).status_code == 302
    # The laptop that signed in before, now on a network it never used.
    assert sign_in(laptop, sales_agent.email, REMOTE_ADDR="203.0.113.80").status_code == 302
    # Someone else, from an address and browser the account never signed in from, waits.
    assert sign_in(Client(REMOTE_ADDR="203.0.113.81"), sales_agent.email).status_code == 429


def test_a_made_up_known_browser_cookie_does_not_skip_the_wait(settings, sales_agent):
    other = make_user(sales_agent.partner, Role.SALES_AGENT)
    attacker = Client(REMOTE_ADDR="203.0.113.90")
    assert sign_in(attacker, other.email).status_code == 302  # their own account
    attacker.post(reverse("sign-out"))
    guess_from_many_addresses(sales_agent.email, settings.PORTAL_ACCOUNT_FAILURE_LIMIT)

    attacker.cookies["portal_known"] = attacker.cookies["portal_known"].value + "x"
    assert sign_in(attacker, sales_agent.email, REMOTE_ADDR="203.0.113.91").status_code == 429
    del attacker.cookies["portal_known"]
    assert sign_in(attacker, sales_agent.email, REMOTE_ADDR="203.0.113.92").status_code == 429


# --- Passwords -------------------------------------------------------------------------------


@pytest.mark.rule(3)
def test_a_temporary_password_must_be_changed_before_anything_else(partner):
    newcomer = make_user(partner, Role.SALES_AGENT, must_change_password=True)
    client = signed_in(newcomer)

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password-change")
    assert client.get(reverse("password-change")).status_code == 200

    new_password = "my-own-long-passphrase"
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert client.get(reverse("home")).status_code == 200  # still signed in
    assert AuditEntry.objects.filter(action=Action.PASSWORD_CHANGED, actor=newcomer).count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "This password is too common."),
        ("short-pw", "This password is too short."),
        ("836207419265", "This password is entirely numeric."),
        ("dana@contoso.example", "too similar"),
    ],
)
def test_weak_passwords_are_refused(as_sales_agent, password, message):
    response = as_sales_agent.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_password_reset_by_email_works_end_to_end(sales_agent):
    client = Client()
    response = client.post(reverse("password-reset"), {"email": "Dana@contoso.example"})
    assert response["Location"] == reverse("password-reset-done")
    (message,) = mail.outbox
    assert message.to == [sales_agent.email]

    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    page = client.get(urlparse(link.strip()).path, follow=True)
    new_password = "a-brand-new-passphrase"
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == reverse("password-reset-complete")
    assert sign_in(Client(), sales_agent.email, new_password).status_code == 302

    # The link works once.
    again = client.get(urlparse(link.strip()).path, follow=True)
    assert "already been used or has expired" in again.content.decode()


def test_asking_again_within_five_minutes_says_the_same_and_sends_no_second_email(sales_agent):
    client = Client()
    first = client.post(reverse("password-reset"), {"email": sales_agent.email})
    again = client.post(reverse("password-reset"), {"email": sales_agent.email.upper()})

    assert first["Location"] == again["Location"] == reverse("password-reset-done")
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action=Action.PASSWORD_RESET_REQUESTED).count() == 1


def test_a_reset_for_an_unknown_email_says_the_same_and_sends_nothing(db):
    response = Client().post(reverse("password-reset"), {"email": "nobody@nowhere.example"})
    assert response["Location"] == reverse("password-reset-done")
    assert mail.outbox == []


def test_argon2_is_the_first_password_hasher():

    assert portal_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    names = [v["NAME"].rsplit(".", 1)[1] for v in portal_settings.AUTH_PASSWORD_VALIDATORS]
    assert "CommonPasswordValidator" in names


# --- Session limits --------------------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes(settings, as_sales_agent):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    as_sales_agent.get(reverse("home"))
    session = as_sales_agent.session
    assert 29 * 60 < session.get_expiry_age() <= 30 * 60


def test_sessions_end_twelve_hours_after_sign_in_however_active(as_sales_agent, sales_agent):
    session = as_sales_agent.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 60
    session.save()

    response = as_sales_agent.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("sign-in"))
    assert "Your session ended after 12 hours" in response.content.decode()
    assert AuditEntry.objects.filter(action=Action.SESSION_EXPIRED, actor=sales_agent).exists()


def test_an_active_session_slides_its_idle_expiry(as_sales_agent):
    as_sales_agent.get(reverse("home"))
    session = as_sales_agent.session

    session[LAST_SEEN] = time.time() - 120
    session.save()
    as_sales_agent.get(reverse("home"))
    assert as_sales_agent.session[LAST_SEEN] > time.time() - 5


def test_a_user_is_found_by_email_only_once(partner):
    make_user(partner, Role.SALES_AGENT, email="case@contoso.example")
    assert User.objects.get_by_natural_key("CASE@contoso.example").email == "case@contoso.example"


def test_passwords_are_hashed_with_argon2id_at_the_owasp_minimum(sales_agent, settings):

    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS
    encoded = make_password("a-long-and-unusual-passphrase")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
