"""Multi-factor sign-in: enrol an authenticator app, recovery codes, the second sign-in step, an
admin's reset and the partner's requirement. Each change is recorded here, in one place.

Codes are checked by django-otp (`TOTPDevice.verify_token`: one time step of tolerance either
side, a code at or before the last one accepted is refused, a wrong code slows the next);
recovery codes by `RecoveryCodeDevice`, which keeps only their hashes.
"""

import secrets
from dataclasses import dataclass
from math import ceil
from typing import cast

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from multichannel import access, mfa
from multichannel.models import (
    Action,
    Outcome,
    Partner,
    RecoveryCode,
    RecoveryCodeDevice,
    User,
)
from multichannel.models.mfa import recovery_code_digest
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation

RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_recovery_code() -> str:
    """12 characters from 31 (about 59 bits), shown as three groups of four."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


WRONG_CODE = "That code is not right. Enter the 6-digit code your authenticator app shows now."
ALREADY_ENROLLED = (
    "You already use an authenticator app. Remove it first to set up a different one."
)


def _wait_message(device: TOTPDevice) -> str | None:
    """After wrong codes, django-otp makes the next one wait 1, 2, 4 ... seconds: say how long,
    rather than calling a right code wrong. Nothing is checked meanwhile."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return None
    seconds = max(1, ceil((data["locked_until"] - timezone.now()).total_seconds()))
    return (
        f"After a wrong code the next one has to wait: try again in {seconds} "
        f"second{'s' if seconds != 1 else ''}, with the code your app shows then."
    )


def start_enrolment(*, user: User, key: str | None = None) -> TOTPDevice:
    """The authenticator app the user is setting up: unconfirmed, so it counts for nothing until
    a code from it is entered (`confirm_enrolment`). Opening the page again shows the same
    secret. Nothing is recorded: an unconfirmed device changes nothing about signing in.
    `key` (hex) is for the demo data only."""
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        if mfa.has_factor(user):
            raise RuleViolation(ALREADY_ENROLLED)
        pending = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk")
        device = pending.first()
        if device is None or (key is not None and device.key != key):
            pending.delete()
            device = TOTPDevice.objects.create(
                user=user, name="Authenticator app", confirmed=False, key=key or random_hex(20)
            )
        return device


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """The user entered a code from the app being set up: it now counts, and a new set of
    recovery codes is made. Returns the recovery codes, to be shown once."""
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        if mfa.has_factor(user):
            raise RuleViolation(ALREADY_ENROLLED)
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if device is None:
            raise RuleViolation("Start again: open the page to set up an authenticator app.")
        wait = _wait_message(device)
        if wait:
            raise RuleViolation(wait, field="code")
        if not device.verify_token(code):
            verified = False
        else:
            verified = True
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(
                Action.MFA_ENROLLED, actor=user, target=user, new={"factor": "authenticator app"}
            )
            codes = _new_recovery_codes(user)
    if not verified:  # the device's throttle count is kept: the transaction is over
        raise RuleViolation(WRONG_CODE, field="code")
    return codes


def regenerate_recovery_codes(*, user: User) -> list[str]:
    """A new set of recovery codes; the old set stops working."""
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        if not mfa.has_factor(user):
            raise RuleViolation(
                "Set up an authenticator app first; recovery codes stand in for it."
            )
        return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes
    )
    record(Action.RECOVERY_CODES_GENERATED, actor=user, target=user, new={"codes": len(codes)})
    return codes


def remove_authenticator(*, user: User) -> None:
    """The user removes their authenticator app, and with it their recovery codes. Refused when
    it is their last factor and their partner requires one."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update(no_key=True).get(pk=cast(int, user.partner_id))
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        device = mfa.authenticator(user)
        if device is None:
            raise RuleViolation("You have no authenticator app to remove.")
        others = TOTPDevice.objects.devices_for_user(user, confirmed=True).exclude(pk=device.pk)
        if partner.require_mfa and not others.exists():
            raise RuleViolation(
                f"{partner.name} requires multi-factor sign-in, so you cannot remove your only "
                "authenticator app. To move to a new phone, ask an admin to reset your "
                "multi-factor sign-in, then set up the new one at your next sign-in."
            )
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        record(Action.MFA_REMOVED, actor=user, target=user, old={"factor": "authenticator app"})


@dataclass(frozen=True)
class SecondStep:
    device: TOTPDevice | RecoveryCodeDevice
    recovery_codes_left: int | None  # when a recovery code was used


def pass_second_step(*, request: HttpRequest, code: str, recovery: bool = False) -> SecondStep:
    """Check the second sign-in step of the signed-in user (`request.user`): a code from their
    app, or one of their recovery codes (spent). A wrong one is recorded, and counts towards
    the sign-in lockout as a wrong password does (django-axes, per email and address)."""
    user = cast(User, request.user)
    model = RecoveryCodeDevice if recovery else TOTPDevice
    device = model.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    wait = _wait_message(device) if isinstance(device, TOTPDevice) else None
    if wait:
        raise RuleViolation(wait, field="code")
    left = None
    with transaction.atomic():
        verified = (
            verify_token(user, device.persistent_id, code.strip())
            if device is not None and mfa.has_factor(user)
            else None
        )
        if verified is not None and recovery:
            left = verified.unused().count()
            record(Action.RECOVERY_CODE_USED, actor=user, target=user, new={"codes_left": left})
    if verified is None:
        with transaction.atomic():
            record(
                Action.MFA_FAILED,
                actor=user,
                target=user,
                new={"with": "recovery code" if recovery else "authenticator app"},
                outcome=Outcome.FAILURE,
            )
        request.portal_second_step = True  # type: ignore[attr-defined]  # signals.py: recorded here, not as a wrong password
        user_login_failed.send(
            sender=__name__, credentials={"username": user.email}, request=request
        )
        if recovery:
            raise RuleViolation(
                "That recovery code is not right, or it was used before.", field="code"
            )
        raise RuleViolation(WRONG_CODE, field="code")
    return SecondStep(verified, left)


def reset_mfa(*, by: User, user: User) -> None:
    """An admin removes all of a user's factors and ends all their sessions; under the
    partner's requirement they set up an app again at their next sign-in."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update(no_key=True).get(pk=cast(int, by.partner_id))
        actor = User.objects.get(pk=by.pk)
        target = User.objects.select_for_update(no_key=True).get(pk=user.pk, partner=partner)
        access.can_reset_mfa(actor, target).enforce()
        if not (
            TOTPDevice.objects.filter(user=target).exists()
            or RecoveryCodeDevice.objects.filter(user=target).exists()
        ):
            raise RuleViolation(f"{target} has no multi-factor sign-in to reset.")
        TOTPDevice.objects.filter(user=target).delete()
        RecoveryCodeDevice.objects.filter(user=target).delete()
        target.session_generation += 1
        target.save(update_fields=["session_generation"])
        record(
            Action.MFA_RESET,
            actor=actor,
            target=target,
            old={"factor": "authenticator app"},
            new={"sessions": "ended"},
        )


def set_mfa_requirement(*, by: User, require: bool) -> bool:
    """A Global admin turns the partner's requirement on or off. Returns False when it was
    already so."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update(no_key=True).get(pk=cast(int, by.partner_id))
        actor = User.objects.get(pk=by.pk)
        access.require(actor, Perm.CHANGE_PARTNER_SETTINGS)
        if partner.require_mfa == require:
            return False
        partner.require_mfa = require
        partner.save(update_fields=["require_mfa"])
        record(
            Action.MFA_POLICY_CHANGED,
            actor=actor,
            target=partner,
            old={"require_mfa": not require},
            new={"require_mfa": require},
        )
    return True
