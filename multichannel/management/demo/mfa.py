"""The demo's multi-factor sign-in: Contoso requires it and its users have an authenticator app
with a fixed key (printed by seed_demo, for any authenticator app or `oathtool --totp -b`);
Fabrikam does not require it, so a Global admin can turn it on; Tailspin requires it and its
users set up an app at their first sign-in."""

import hashlib
from base64 import b32encode
from binascii import unhexlify

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.management.demo.partners import CONTOSO, FABRIKAM, TAILSPIN
from multichannel.models import Partner, User
from multichannel.services import mfa as mfa_services

REQUIRES_MFA = {CONTOSO: True, FABRIKAM: False, TAILSPIN: True}
ENROLLED_PARTNERS = (CONTOSO,)


def demo_totp_key(email: str) -> str:
    """A fixed authenticator key per demo user (hex, 20 bytes), the same on every machine."""
    return hashlib.sha1(f"partner-portal-demo-totp:{email}".encode()).hexdigest()  # noqa: S324


def base32_key(hex_key: str) -> str:
    return b32encode(unhexlify(hex_key)).decode()


def seed_operator_authenticator(operator: User) -> str:
    """The demo operator's authenticator app for the admin's sign-in (a fixed key, as the
    partners' users have). Returns its base32 key."""
    key = demo_totp_key(operator.email)
    if not mfa.has_factor(operator):
        TOTPDevice.objects.create(user=operator, name="Authenticator app", confirmed=True, key=key)
    return base32_key(key)


def seed_mfa(partners: dict[str, Partner]) -> list[tuple[str, str]]:
    """Enrol the users of the partners in ENROLLED_PARTNERS through the services, as each user
    would (a code from the app confirms it). Returns (email, base32 key) for each of them."""
    keys = []
    for partner_id in ENROLLED_PARTNERS:
        for user in User.objects.filter(partner=partners[partner_id]).order_by("email"):
            key = demo_totp_key(user.email)
            if not mfa.has_factor(user):
                device = mfa_services.start_enrolment(user=user, key=key)
                code = str(totp(device.bin_key, step=device.step, digits=device.digits))
                mfa_services.confirm_enrolment(user=user, code=code.zfill(device.digits))
            keys.append((user.email, base32_key(key)))
    return keys
