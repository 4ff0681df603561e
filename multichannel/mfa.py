"""Where a sign-in stands with its second factor: the one place that reads and writes it in the
session.

A sign-in is two steps for a user who has an authenticator app, or whose partner requires one:
the password (Django's `login()`), then a code (`mark_verified()`). Until the second step has
passed, `SecondFactorRequiredMiddleware` lets the session reach only the second-step pages,
the enrolment pages and sign-out. django-otp's `OTPMiddleware` says whether it has passed
(`request.user.is_verified()`: the device that verified the session still exists and is
confirmed); `mark_verified()` also notes when, for pages that want a recent second factor
(`verified_within()`).
"""

import time
from typing import cast

from axes.utils import reset as reset_sign_in_failures
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel.current_request import client_ip_of
from multichannel.models import RecoveryCodeDevice, User

VERIFIED_AT = "mfa_verified_at"
SECOND_STEP_DUE = "mfa_second_step_due"
STEP_UP_SECONDS = 15 * 60  # sensitive actions want a second factor at most this old


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app (a user has at most one)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def has_factor(user: User) -> bool:
    """Whether the user has a second factor to sign in with. Unconfirmed devices never count;
    recovery codes only stand in for the app, they are no factor of their own."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    device = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    return device.unused().count() if device is not None else 0


def required_for(user: User) -> bool:
    partner = getattr(user, "partner", None)
    return bool(partner is not None and partner.require_mfa)


def password_step_passed(request: HttpRequest, user: User) -> None:
    """Called when the password was right (the `user_logged_in` signal): either a second step is
    now due, or the sign-in is complete and its failures are forgiven."""
    if required_for(user) or has_factor(user):
        request.session[SECOND_STEP_DUE] = True
    else:
        _sign_in_complete(request, user)


def second_step_due(request: HttpRequest) -> bool:
    """The session has passed its password but not yet a second factor that it needs."""
    if not request.user.is_authenticated or is_verified(request.user):
        return False
    return bool(request.session.get(SECOND_STEP_DUE)) or required_for(request.user)


def is_verified(user: object) -> bool:
    """django-otp's `user.is_verified()` (OTPMiddleware installs it on the request's user)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The second factor passed: the session counts as verified by `device` from now on, under
    a new session key (as Django's `login()` gives one after the password)."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[VERIFIED_AT] = time.time()
    request.session.pop(SECOND_STEP_DUE, None)
    _sign_in_complete(request, cast(User, request.user))


def verified_within(request: HttpRequest, seconds: float) -> bool:
    """Whether the session passed a second factor within the last `seconds` (for actions that
    want a fresh one)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_verified(user):
        return False
    verified_at = request.session.get(VERIFIED_AT)
    return verified_at is not None and time.time() - verified_at <= seconds


def step_up_due(request: HttpRequest) -> bool:
    """A sensitive action asks for the second factor again: the user has one, and passed it more
    than `STEP_UP_SECONDS` ago. A user with no factor at all has nothing to confirm with, so is
    not asked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_factor(cast(User, user)):
        return False
    return not verified_within(request, STEP_UP_SECONDS)


def _sign_in_complete(request: HttpRequest | None, user: User) -> None:
    """Failed sign-ins (wrong passwords and wrong codes) from this address are forgiven only
    once both steps have passed, so a right password never restarts the count of wrong codes."""
    if request is not None and getattr(user, "email", None):
        reset_sign_in_failures(ip=client_ip_of(request), username=user.email)
