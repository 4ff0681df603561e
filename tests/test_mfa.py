"""Multi-factor sign-in, through the pages as a person uses them: the password, then a code from
the authenticator app (computed here with pyotp from the device's key, as a phone would), or a
recovery code; enrolment; the partner's requirement; an admin's reset; the activity log."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.models import Action, AuditEntry, Outcome, RecoveryCodeDevice
from multichannel.roles import Role
from multichannel.services import mfa as mfa_services
from multichannel.services.errors import RuleViolation
from tests.factories import (
    PASSWORD,
    base32_secret,
    give_authenticator,
    make_user,
    signed_in,
    totp,
)

# The middle of a 30-second step: a code for "now" stays the same during the test.
MID_STEP = datetime(2026, 6, 1, 9, 0, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MID_STEP, tick=False) as traveller:
        yield traveller


def password_step(user, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(reverse("sign-in"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def verify(client: Client, code: str, recovery: bool = False):
    name = "sign-in-recovery" if recovery else "sign-in-verify"
    return client.post(reverse(name), {"code": code})


def reaches_home(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def entries(action: Action, user) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_id=str(user.uuid)))


# --- The second step ---------------------------------------------------------------------------


@pytest.mark.rule(18)
def test_after_the_password_a_user_with_an_app_is_asked_for_a_code(sales_agent):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)

    response = client.get(reverse("customers:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-verify") + "?next=/customers/")
    page = client.get(response["Location"]).content.decode()
    assert "Use a recovery code instead" in page
    response = client.post(reverse("sign-in-verify"), {"code": totp(device), "next": "/customers/"})
    assert response["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200


@pytest.mark.parametrize("steps", [-1, 0, 1])
@pytest.mark.rule(18)
def test_a_code_one_time_step_either_side_is_accepted(sales_agent, steps):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)

    response = verify(client, totp(device, steps))

    assert response.status_code == 302
    assert reaches_home(client)


@pytest.mark.parametrize("steps", [-2, 2])
@pytest.mark.rule(18)
def test_a_code_two_time_steps_away_is_refused(sales_agent, steps):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)

    response = verify(client, totp(device, steps))

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not reaches_home(client)


@pytest.mark.rule(18)
def test_a_code_is_never_accepted_twice(sales_agent, _clock):
    device = give_authenticator(sales_agent)
    code = totp(device)
    first = password_step(sales_agent)
    assert verify(first, code).status_code == 302

    second = password_step(sales_agent)
    response = verify(second, code)

    assert response.status_code == 200
    assert not reaches_home(second)
    device.refresh_from_db()
    assert device.last_t == int(MID_STEP.timestamp()) // 30  # django-otp's last_t
    _clock.shift(30)  # the next step's code is new
    assert verify(second, totp(device)).status_code == 302


@pytest.mark.rule(19)
def test_a_wrong_code_is_said_beside_the_field_and_recorded(sales_agent):
    give_authenticator(sales_agent)
    client = password_step(sales_agent)

    response = verify(client, "000000")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_code"' in page and "That code is not right" in page
    assert page.count("Error: ") == 1  # the title
    (entry,) = entries(Action.MFA_FAILED, sales_agent)
    assert entry.outcome == Outcome.FAILURE
    assert not AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED).exists()


def test_right_after_a_wrong_code_the_page_says_how_long_to_wait(sales_agent, _clock):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)
    verify(client, "000000")
    _clock.shift(20)
    verify(client, "000000")  # the second in a row: the next waits 2 seconds

    response = verify(client, totp(device))

    assert "try again in 2 seconds" in response.content.decode()
    assert len(entries(Action.MFA_FAILED, sales_agent)) == 2  # nothing checked, nothing counted
    _clock.shift(2)
    assert verify(client, totp(device)).status_code == 302


def test_letters_are_refused_before_any_code_is_checked(sales_agent):
    give_authenticator(sales_agent)
    client = password_step(sales_agent)

    response = verify(client, "12345a")

    assert "without letters" in response.content.decode()
    assert entries(Action.MFA_FAILED, sales_agent) == []


@pytest.mark.rule(4)
@pytest.mark.rule(18)
def test_repeated_wrong_codes_lock_the_sign_in_like_wrong_passwords(sales_agent, _clock):
    give_authenticator(sales_agent)
    client = password_step(sales_agent)
    for _ in range(4):
        _clock.shift(20)  # past django-otp's own growing delay between tries
        assert verify(client, "000000").status_code == 200

    # The right password again does not restart the count of wrong codes.
    client = password_step(sales_agent, Client())
    _clock.shift(20)
    response = verify(client, "000000")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page and "try again after" in page
    assert client.get(reverse("home")).status_code == 302  # the half-done sign-in ended
    assert "/sign-in/?" in client.get(reverse("home"))["Location"]
    locked = Client().post(
        reverse("sign-in"), {"username": sales_agent.email, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert len(entries(Action.SIGN_IN_LOCKED, sales_agent)) == 1


def test_a_complete_sign_in_forgives_earlier_wrong_codes(sales_agent, _clock):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)
    for _ in range(3):
        _clock.shift(20)
        verify(client, "000000")
    _clock.shift(20)
    assert verify(client, totp(device)).status_code == 302

    for _ in range(4):  # four more wrong ones would have locked it without the success
        client = password_step(sales_agent)
        _clock.shift(20)
        assert verify(client, "000000").status_code == 200


# --- Recovery codes --------------------------------------------------------------------------


def enrol(user, client: Client) -> list[str]:
    """Set up an authenticator app through the pages; the recovery codes shown."""
    page = client.get(reverse("mfa-enrol")).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("mfa-enrol"), {"code": totp(device)})
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"]).content.decode()
    return re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", page)


@pytest.mark.rule(18)
def test_enrolment_shows_ten_codes_once_and_stores_only_their_hashes(sales_agent, partner):
    partner.require_mfa = False
    partner.save()
    client = password_step(sales_agent)

    codes = enrol(sales_agent, client)

    assert len(set(codes)) == 10
    stored = RecoveryCodeDevice.objects.get(user=sales_agent).codes.values_list("digest", flat=True)
    assert len(stored) == 10 and not set(codes) & set(stored)
    download = client.get(reverse("mfa-recovery-codes-download"))
    assert download["Content-Disposition"] == (
        'attachment; filename="partner-portal-recovery-codes.txt"'
    )
    assert download["Content-Type"].startswith("text/plain")
    assert all(code in download.content.decode() for code in codes)
    client.post(reverse("mfa-recovery-codes"))  # "I have saved my recovery codes"
    assert client.get(reverse("mfa-recovery-codes-download")).status_code == 404
    assert "shown only once" in client.get(reverse("mfa-recovery-codes")).content.decode()
    assert [e.new_values for e in entries(Action.MFA_ENROLLED, sales_agent)] == [
        {"factor": "authenticator app"}
    ]
    assert len(entries(Action.RECOVERY_CODES_GENERATED, sales_agent)) == 1


@pytest.mark.rule(18)
def test_a_recovery_code_signs_in_once_and_the_user_is_told_how_many_are_left(sales_agent):
    codes = enrol(sales_agent, password_step(sales_agent))
    client = password_step(sales_agent)

    response = verify(client, codes[3].upper().replace("-", " "), recovery=True)

    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "You signed in with a recovery code. You have 9 recovery codes left." in page
    (used,) = entries(Action.RECOVERY_CODE_USED, sales_agent)
    assert used.new_values == {"codes_left": 9}
    again = password_step(sales_agent)
    response = verify(again, codes[3], recovery=True)
    assert "used before" in response.content.decode()
    assert not reaches_home(again)
    assert mfa.recovery_codes_left(sales_agent) == 9


@pytest.mark.rule(18)
def test_new_recovery_codes_void_the_old_ones(sales_agent):
    client = password_step(sales_agent)
    old = enrol(sales_agent, client)

    client.post(reverse("mfa-recovery-codes-new"))
    page = client.get(reverse("mfa-recovery-codes")).content.decode()
    new = re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", page)

    assert len(new) == 10 and not set(new) & set(old)
    assert verify(password_step(sales_agent), old[0], recovery=True).status_code == 200
    assert verify(password_step(sales_agent), new[0], recovery=True).status_code == 302
    assert len(entries(Action.RECOVERY_CODES_GENERATED, sales_agent)) == 2


# --- Enrolment and the partner's requirement --------------------------------------------------


@pytest.mark.rule(17)
def test_under_the_requirement_a_user_without_an_app_enrols_before_anything_else(sales_agent):
    client = password_step(sales_agent)

    for url in ("/", "/customers/", reverse("account-security"), reverse("sign-in-verify")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa-enrol")), url
    enrol_page = client.get(reverse("mfa-enrol"))
    assert "requires multi-factor sign-in" in enrol_page.content.decode()

    codes = enrol(sales_agent, client)

    assert len(codes) == 10
    assert client.get("/customers/").status_code == 200


@pytest.mark.rule(17)
def test_without_the_requirement_there_is_no_second_step(sales_agent, partner):
    partner.require_mfa = False
    partner.save()
    client = password_step(sales_agent)

    assert reaches_home(client)


def test_an_unconfirmed_app_never_counts(sales_agent, partner):
    partner.require_mfa = False
    partner.save()
    client = password_step(sales_agent)
    client.get(reverse("mfa-enrol"))  # the QR code shown, no code entered
    assert TOTPDevice.objects.filter(user=sales_agent, confirmed=False).exists()

    assert not mfa.has_factor(sales_agent)
    assert reaches_home(password_step(sales_agent))


def test_a_wrong_code_while_enrolling_keeps_the_app_unconfirmed(sales_agent):
    client = password_step(sales_agent)
    client.get(reverse("mfa-enrol"))

    response = client.post(reverse("mfa-enrol"), {"code": "000000"})

    assert "That code is not right" in response.content.decode()
    assert not mfa.has_factor(sales_agent)
    assert not reaches_home(client)


def test_the_qr_code_is_drawn_as_svg_with_the_secret_in_groups_of_four(sales_agent):
    client = password_step(sales_agent)

    page = client.get(reverse("mfa-enrol")).content.decode()

    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "style=" not in svg and "data:" not in page
    found = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page)
    assert found is not None
    secret = found.group(1)
    assert all(len(group) == 4 for group in secret.split())
    device = TOTPDevice.objects.get(user=sales_agent)
    assert secret.replace(" ", "") == base32_secret(device).rstrip("=")


def test_password_then_second_factor_then_forced_password_change(sales_agent):
    sales_agent.must_change_password = True
    sales_agent.save()
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)

    assert client.get("/")["Location"].startswith(reverse("sign-in-verify"))
    verify(client, totp(device))

    assert client.get("/")["Location"] == reverse("password-change")


def test_the_session_remembers_when_its_second_factor_passed(sales_agent, _clock):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)
    verify(client, totp(device))
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = sales_agent
    sales_agent.is_verified = lambda: True

    assert mfa.verified_within(request, 60)
    _clock.shift(120)
    assert not mfa.verified_within(request, 60)


# --- Removing one's own app ------------------------------------------------------------------


@pytest.mark.rule(19)
def test_removing_ones_only_app_is_refused_while_the_partner_requires_it(as_sales_agent):
    assert "cannot remove" in as_sales_agent.get(reverse("mfa-remove")).content.decode()

    response = as_sales_agent.post(reverse("mfa-remove"), follow=True)

    assert "requires multi-factor sign-in, so you cannot remove" in response.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).count() == 1
    assert not AuditEntry.objects.filter(action=Action.MFA_REMOVED).exists()


def test_without_the_requirement_a_user_removes_their_app_and_codes(partner, sales_agent):
    partner.require_mfa = False
    partner.save()
    client = password_step(sales_agent)
    enrol(sales_agent, client)

    client.post(reverse("mfa-remove"))

    assert not mfa.has_factor(sales_agent)
    assert not RecoveryCodeDevice.objects.filter(user=sales_agent).exists()
    assert len(entries(Action.MFA_REMOVED, sales_agent)) == 1
    assert reaches_home(password_step(sales_agent))


# --- An admin's reset ------------------------------------------------------------------------


@pytest.mark.parametrize("admin", ["global_admin", "user_admin"])
@pytest.mark.rule(19)
def test_an_admin_resets_a_users_factors_and_ends_their_sessions(admin, request, sales_agent):
    victim_session = signed_in(sales_agent)
    assert reaches_home(victim_session)
    actor = request.getfixturevalue(admin)
    url = reverse("users:reset-mfa", args=[sales_agent.uuid])
    client = signed_in(actor)
    assert "every session they have open ends" in client.get(url).content.decode()

    response = client.post(url)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=sales_agent).exists()
    assert victim_session.get("/")["Location"].startswith(reverse("sign-in"))
    (entry,) = entries(Action.MFA_RESET, sales_agent)
    assert entry.actor == actor
    # Under the requirement they set up an app again at their next sign-in.
    fresh = password_step(sales_agent)
    assert fresh.get("/")["Location"].startswith(reverse("mfa-enrol"))


@pytest.mark.rule(19)
def test_a_user_management_admin_cannot_reset_a_global_admin(as_user_admin, second_global_admin):
    give_authenticator(second_global_admin)
    url = reverse("users:reset-mfa", args=[second_global_admin.uuid])

    for response in (as_user_admin.get(url), as_user_admin.post(url)):
        assert response.status_code == 403
        assert "Role needed: <strong>Global admin</strong>" in response.content.decode()
    assert mfa.has_factor(second_global_admin)


def test_nobody_resets_their_own_from_the_users_page(as_global_admin, global_admin):
    url = reverse("users:reset-mfa", args=[global_admin.uuid])

    response = as_global_admin.post(url, follow=True)

    assert "Manage your own sign-in methods from Account security." in response.content.decode()
    assert mfa.has_factor(global_admin)


def test_a_sales_agent_cannot_reset_anyone(as_sales_agent, user_admin):
    give_authenticator(user_admin)

    response = as_sales_agent.post(reverse("users:reset-mfa", args=[user_admin.uuid]))

    assert response.status_code == 403
    assert mfa.has_factor(user_admin)


# --- The requirement, set by a Global admin --------------------------------------------------


@pytest.mark.rule(17)
def test_a_global_admin_turns_the_requirement_off_and_on(as_global_admin, partner):
    url = reverse("users:mfa-requirement")

    as_global_admin.post(url, {"require_mfa": "no"})
    partner.refresh_from_db()
    assert partner.require_mfa is False
    as_global_admin.post(url, {"require_mfa": "yes"})
    partner.refresh_from_db()
    assert partner.require_mfa is True

    changes = AuditEntry.objects.filter(action=Action.MFA_POLICY_CHANGED).order_by("id")
    assert [e.new_values for e in changes] == [{"require_mfa": False}, {"require_mfa": True}]
    assert as_global_admin.post(url, {"require_mfa": "yes"}).status_code == 302
    assert changes.count() == 2  # nothing changed, nothing recorded


@pytest.mark.rule(17)
def test_only_a_global_admin_sets_the_requirement(as_user_admin, partner):
    response = as_user_admin.post(reverse("users:mfa-requirement"), {"require_mfa": "no"})

    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.require_mfa is True


@pytest.mark.rule(17)
def test_turning_the_requirement_on_sends_signed_in_users_without_an_app_to_enrol(
    partner, sales_agent
):
    partner.require_mfa = False
    partner.save()
    client = password_step(sales_agent)
    assert reaches_home(client)

    partner.require_mfa = True
    partner.save()

    assert client.get("/")["Location"].startswith(reverse("mfa-enrol"))


@pytest.mark.rule(17)
def test_a_new_partner_requires_it_by_default(other_partner):
    assert other_partner.require_mfa is True


# --- The users list --------------------------------------------------------------------------


def test_the_users_list_shows_each_users_factor_and_the_partners_share(
    as_global_admin, partner, sales_agent, user_admin
):
    give_authenticator(sales_agent)  # the Global admin has one from signing in
    make_user(partner, Role.SALES_AGENT, full_name="Noor Nash", email="noor@contoso.example")

    page = as_global_admin.get(reverse("users:list")).content.decode()

    assert "2 of 4 active users use multi-factor sign-in." in page
    assert page.count("Authenticator app") == 2
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(as_global_admin.get(reverse("users:export")).streaming_content).decode()
            )
        )
    )
    column = rows[0].index("Multi-factor sign-in")
    assert sorted(row[column] for row in rows[1:]) == [
        "Authenticator app",
        "Authenticator app",
        "None",
        "None",
    ]


@pytest.mark.parametrize("count", [1, 30])
def test_the_users_list_costs_the_same_queries_however_many_users(
    as_global_admin, partner, count, django_assert_max_num_queries
):
    for n in range(count):
        give_authenticator(make_user(partner, Role.SALES_AGENT, email=f"u{n}@contoso.example"))
    as_global_admin.get(reverse("users:list"))

    with django_assert_max_num_queries(9):
        response = as_global_admin.get(reverse("users:list"))
    assert response.status_code == 200


def test_the_user_page_says_whether_they_use_an_app(as_global_admin, sales_agent, user_admin):
    give_authenticator(sales_agent)

    with_app = as_global_admin.get(reverse("users:detail", args=[sales_agent.uuid]))
    without = as_global_admin.get(reverse("users:detail", args=[user_admin.uuid]))

    assert "Reset multi-factor sign-in" in with_app.content.decode()
    assert "sets one up at next sign-in" in without.content.decode()
    assert "Reset multi-factor sign-in" not in without.content.decode()


# --- The services directly -------------------------------------------------------------------


def test_enrolling_twice_is_refused(sales_agent):
    give_authenticator(sales_agent)

    with pytest.raises(RuleViolation):
        mfa_services.start_enrolment(user=sales_agent)


def test_passing_the_second_factor_issues_a_new_session_key(sales_agent):
    device = give_authenticator(sales_agent)
    client = password_step(sales_agent)
    before = client.session.session_key

    verify(client, totp(device))

    assert client.session.session_key != before
    assert reaches_home(client)
