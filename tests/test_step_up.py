"""Sensitive actions ask for the second factor again when the last one passed more than 15
minutes ago ("Confirm it's you"), then return to the action with what was typed kept; the
Django admin wants a code from operators too."""

import re
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.models import Action, AuditEntry, RelationshipStatus, User
from multichannel.services.mfa import regenerate_recovery_codes
from multichannel.views.mixins import STEP_UP_KEPT
from tests.factories import PASSWORD, give_authenticator, signed_in, totp

pytestmark = pytest.mark.django_db

MID_STEP = datetime(2026, 6, 1, 9, 0, 15, tzinfo=UTC)  # a code for "now" stays the same


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MID_STEP, tick=False) as traveller:
        yield traveller


def verified_ago(client: Client, minutes: float) -> None:
    session = client.session
    session[mfa.VERIFIED_AT] = time.time() - minutes * 60
    session.save()


def step_up_url(back: str) -> str:
    return f"{reverse('step-up')}?next={quote(back, safe='')}"


def _customer_url(request):
    return reverse("customers:remove-relationship", args=[_held(request).customer.uuid])


def _held(request):
    return request.getfixturevalue("held_subscription")


ACTIONS = {
    "remove relationship": lambda r: _customer_url(r),
    "accept transfer": lambda r: reverse(
        "transfers:accept", args=[r.getfixturevalue("transfer_asked_of_us").uuid]
    ),
    "edit user": lambda r: reverse("users:edit", args=[r.getfixturevalue("sales_agent").uuid]),
    "reset password": lambda r: reverse(
        "users:reset-password", args=[r.getfixturevalue("sales_agent").uuid]
    ),
    "reset mfa": lambda r: reverse("users:reset-mfa", args=[r.getfixturevalue("sales_agent").uuid]),
    "mfa requirement": lambda r: reverse("users:mfa-requirement"),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.rule(22)
def test_a_sensitive_page_asks_again_after_15_minutes(action, request, global_admin):
    give_authenticator(request.getfixturevalue("sales_agent"))
    url = ACTIONS[action](request)
    client = signed_in(global_admin)

    verified_ago(client, 14)
    assert client.get(url).status_code == 200

    verified_ago(client, 16)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == step_up_url(url)
    response = client.post(url, {})
    assert response["Location"] == step_up_url(url)


def test_the_activity_export_asks_again_and_comes_back_to_the_list(as_global_admin):
    verified_ago(as_global_admin, 16)
    export = reverse("activity:export") + "?action=user_created"
    back = reverse("activity:list") + "?action=user_created"

    response = as_global_admin.post(export, HTTP_REFERER=f"http://testserver{back}")

    assert response["Location"] == step_up_url(back)
    assert not AuditEntry.objects.filter(action=Action.ACTIVITY_EXPORTED).exists()
    verified_ago(as_global_admin, 1)
    response = as_global_admin.post(export)
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action=Action.ACTIVITY_EXPORTED).count() == 1


def test_an_export_posted_from_another_site_comes_back_home(as_global_admin):
    verified_ago(as_global_admin, 16)

    response = as_global_admin.post(
        reverse("activity:export"), HTTP_REFERER="https://evil.example/activity/"
    )

    assert response["Location"] == step_up_url(reverse("home"))


def test_declining_a_transfer_does_not_ask(global_admin, transfer_asked_of_us):
    client = signed_in(global_admin)
    verified_ago(client, 60)

    url = reverse("transfers:decline", args=[transfer_asked_of_us.uuid])
    assert client.get(url).status_code == 200


@pytest.mark.rule(22)
def test_after_confirming_the_user_is_back_with_what_they_typed(global_admin, sales_agent):
    device = give_authenticator(global_admin)
    client = signed_in(global_admin)
    verified_ago(client, 20)
    url = reverse("users:edit", args=[sales_agent.uuid])

    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": "x",
            "full_name": "Dana Diaz-Moreno",
            "email": sales_agent.email,
            "roles": ["sales_agent", "user_management_admin"],
        },
    )

    assert response["Location"] == step_up_url(url)
    sales_agent.refresh_from_db()
    assert sales_agent.full_name == "Dana Diaz"  # nothing done yet
    kept = client.session[STEP_UP_KEPT]
    assert "csrfmiddlewaretoken" not in kept["fields"]
    page = client.get(response["Location"]).content.decode()
    assert "Confirm it&#x27;s you" in page and "more than 15 minutes ago" in page

    response = client.post(reverse("step-up"), {"code": totp(device), "next": url})

    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert 'value="Dana Diaz-Moreno"' in page
    assert "What you entered is filled in again" in page
    assert page.count("checked") >= 2
    sales_agent.refresh_from_db()
    assert sales_agent.full_name == "Dana Diaz"  # submitted again only by the user
    assert STEP_UP_KEPT not in client.session
    assert time.time() - client.session[mfa.VERIFIED_AT] < 1  # confirmed just now


def test_the_sign_in_policy_comes_back_with_the_choice_kept(global_admin, partner):
    device = give_authenticator(global_admin)
    client = signed_in(global_admin)
    verified_ago(client, 20)
    url = reverse("users:mfa-requirement")

    client.post(url, {"require_mfa": "no"})
    client.post(reverse("step-up"), {"code": totp(device), "next": url})
    page = client.get(url).content.decode()

    partner.refresh_from_db()
    assert partner.require_mfa is True
    no = re.search(r'<input[^>]*value="no"[^>]*>', page)
    yes = re.search(r'<input[^>]*value="yes"[^>]*>', page)
    assert no is not None and yes is not None
    assert "checked" in no.group(0) and "checked" not in yes.group(0)


def test_a_recovery_code_confirms_too(global_admin, sales_agent):
    give_authenticator(global_admin)
    codes = regenerate_recovery_codes(user=global_admin)
    client = signed_in(global_admin)
    verified_ago(client, 20)
    url = reverse("users:reset-mfa", args=[sales_agent.uuid])

    response = client.post(reverse("step-up-recovery"), {"code": codes[0], "next": url})

    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_a_next_address_on_another_site_is_ignored(global_admin):
    device = give_authenticator(global_admin)
    client = signed_in(global_admin)
    verified_ago(client, 20)

    response = client.post(
        reverse("step-up"), {"code": totp(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("home")


@pytest.mark.rule(22)
def test_a_wrong_code_is_said_and_recorded_and_counts_toward_the_lockout(
    global_admin, sales_agent, _clock
):
    give_authenticator(global_admin)
    client = signed_in(global_admin)
    verified_ago(client, 20)
    url = reverse("users:reset-password", args=[sales_agent.uuid])

    for _ in range(4):
        _clock.shift(20)  # past django-otp's own growing delay between tries
        response = client.post(reverse("step-up"), {"code": "000000", "next": url})
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
    assert AuditEntry.objects.filter(action=Action.MFA_FAILED).count() == 4

    _clock.shift(20)
    response = client.post(reverse("step-up"), {"code": "000000", "next": url})

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get(url)["Location"].startswith(reverse("sign-in"))  # signed out
    locked = Client().post(
        reverse("sign-in"), {"username": global_admin.email, "password": PASSWORD}
    )
    assert locked.status_code == 429


@pytest.mark.rule(22)
def test_a_user_with_no_factor_is_not_asked(partner, global_admin, sales_agent):
    partner.require_mfa = False
    partner.save(update_fields=["require_mfa"])
    TOTPDevice.objects.filter(user=global_admin).delete()
    client = Client()
    client.force_login(global_admin)
    assert mfa.VERIFIED_AT not in client.session

    assert client.get(reverse("users:edit", args=[sales_agent.uuid])).status_code == 200
    assert client.get(reverse("step-up"))["Location"] == reverse("home")


def test_a_recent_confirmation_skips_the_page(as_global_admin, sales_agent):
    url = reverse("users:edit", args=[sales_agent.uuid])

    response = as_global_admin.get(f"{reverse('step-up')}?next={quote(url)}")

    assert response["Location"] == url


# --- The Django admin ------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(
        email="operator@portal.example", password=PASSWORD, full_name="Olivia Operator"
    )


@pytest.mark.rule(22)
def test_an_operator_without_a_code_does_not_reach_the_admin(operator):
    client = Client()
    client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_operator_verified_by_a_code_reaches_the_admin(operator):
    device = give_authenticator(operator)
    client = Client()
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page

    response = client.post(
        reverse("admin:login"),
        {
            "username": operator.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": totp(device),
            "next": reverse("admin:index"),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_signed_in_but_unverified_operator_session_is_refused(operator):
    client = Client()
    client.force_login(operator)  # verified, as the tests' sign-ins are
    assert client.get(reverse("admin:index")).status_code == 200

    session = client.session
    session.pop("otp_device_id", None)
    session.save()
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_command_gives_an_operator_an_authenticator_app(operator, capsys):
    call_command("operator_authenticator", operator.email)

    out = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=operator, confirmed=True)
    assert "otpauth://totp/" in out
    with pytest.raises(CommandError):
        call_command("operator_authenticator", operator.email)
    call_command("operator_authenticator", operator.email, "--replace")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert TOTPDevice.objects.filter(user=operator).count() == 1


def test_the_command_refuses_a_partner_user(global_admin):
    with pytest.raises(CommandError):
        call_command("operator_authenticator", global_admin.email)


def test_relationship_status_is_untouched_until_submitted(request, global_admin):
    held = _held(request)
    client = signed_in(global_admin)
    verified_ago(client, 20)

    client.post(_customer_url(request), {"confirm": "on"})

    rel = held.customer.relationships.get(partner=global_admin.partner)
    assert rel.status == RelationshipStatus.ACTIVE
