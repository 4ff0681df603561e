"""The demo's multi-factor sign-in: Contoso requires it and its users sign in with the
authenticator keys seed_demo prints; Fabrikam does not require it; Tailspin's users set up an
app at their first sign-in."""

import re
from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.management.demo.partners import (
    CONTOSO,
    DEMO_PASSWORD,
    FABRIKAM,
    SUPERUSER_EMAIL,
    TAILSPIN,
)
from multichannel.models import Partner, User


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def printed(db) -> dict[str, str]:
    """email → the authenticator key seed_demo printed for it."""
    out = seed()
    return dict(re.findall(r"^\s+(\S+@contoso-partner\.example)\s+([A-Z2-7]{32})$", out, re.M))


def test_contoso_requires_it_and_fabrikam_does_not(printed):
    required = dict(Partner.objects.values_list("partner_id", "require_mfa"))

    assert required == {CONTOSO: True, FABRIKAM: False, TAILSPIN: True}


def test_every_contoso_user_has_an_app_with_the_printed_key(printed):
    contoso = User.objects.filter(partner__partner_id=CONTOSO)

    assert set(printed) == set(contoso.values_list("email", flat=True))
    for user in contoso:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert pyotp.TOTP(printed[user.email]).byte_secret() == device.bin_key
    others = TOTPDevice.objects.exclude(user__partner__partner_id=CONTOSO)
    assert list(others.values_list("user__email", flat=True)) == [SUPERUSER_EMAIL]


def test_the_demo_operator_has_an_app_with_the_printed_key(db):
    out = seed()
    key = re.search(rf"{re.escape(SUPERUSER_EMAIL)}, authenticator app key ([A-Z2-7]{{32}})", out)

    assert key is not None
    device = TOTPDevice.objects.get(user__email=SUPERUSER_EMAIL, confirmed=True)
    assert pyotp.TOTP(key.group(1)).byte_secret() == device.bin_key


def test_a_demo_user_signs_in_with_a_code_from_the_printed_key(printed):
    email = "sales@contoso-partner.example"
    client = Client()
    client.post(reverse("sign-in"), {"username": email, "password": DEMO_PASSWORD})
    device = TOTPDevice.objects.get(user__email=email)
    # The seed used the code of its time step; the next one is within the tolerance of now.
    code = pyotp.TOTP(printed[email]).at((device.last_t + 1) * device.step + 1)

    response = client.post(reverse("sign-in-verify"), {"code": code})

    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200


def test_tailspins_users_set_up_an_app_at_their_first_sign_in(printed):
    client = Client()
    client.post(
        reverse("sign-in"), {"username": "sales@tailspin-gov.example", "password": DEMO_PASSWORD}
    )

    assert client.get("/")["Location"].startswith(reverse("mfa-enrol"))


def test_seeding_again_keeps_the_same_keys(printed):
    devices = dict(TOTPDevice.objects.values_list("user__email", "key"))

    again = dict(re.findall(r"^\s+(\S+@contoso-partner\.example)\s+([A-Z2-7]{32})$", seed(), re.M))

    assert again == printed
    assert dict(TOTPDevice.objects.values_list("user__email", "key")) == devices
    assert all(mfa.has_factor(user) for user in User.objects.filter(email__in=printed))
