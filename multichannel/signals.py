"""Receivers: role groups follow partners and migrations; sign-ins go to the activity log."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from multichannel import mfa, throttle
from multichannel.auth import axes_username
from multichannel.current_request import current_client_ip
from multichannel.middleware import LAST_SEEN, SIGNED_IN_AT
from multichannel.models import Action, Outcome, Partner, User
from multichannel.services.audit import record
from multichannel.services.partners import sync_all_role_groups, sync_role_groups


@receiver(post_save, sender=Partner, dispatch_uid="partner_role_groups")
def _partner_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        sync_role_groups(instance)


@receiver(post_migrate, dispatch_uid="role_group_permissions")
def _migrated(sender, app_config=None, **kwargs):
    # Permissions are created by a post_migrate receiver of the auth app; by the time ours runs
    # for this app they exist, and every partner's role groups get the current mapping.
    if app_config is not None and app_config.name == "multichannel":
        sync_all_role_groups()


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now
    record(Action.SIGNED_IN, actor=user, partner=user.partner, target=user)
    if request is not None and hasattr(request, "session"):
        mfa.password_step_passed(request, user)


@receiver(user_logged_out, dispatch_uid="audit_signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    expired = getattr(request, "portal_logout_reason", None) == "expired"
    action = Action.SESSION_EXPIRED if expired else Action.SIGNED_OUT
    record(action, actor=user, partner=user.partner, target=user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    """A failure is logged, a lockout once per lock (axes counts the sign-ins it refuses), and
    nothing past the hourly bound for the address (throttle.py)."""
    email = axes_username(request, credentials) or ""
    locked = bool(getattr(request, "axes_locked_out", False))
    if getattr(request, "portal_second_step", False) and not locked:
        return  # a wrong second-step code: services/mfa.py records it
    new = {}
    if email and getattr(request, "portal_password_checked", False):
        failures = throttle.note_account_failure(email)
        if failures == settings.PORTAL_ACCOUNT_FAILURE_LIMIT:
            new["account"] = (
                f"{failures} failed sign-ins within an hour; signing in from a computer or "
                "network never used before now waits"
            )
    if locked and not throttle.lockout_is_new(email, current_client_ip()):
        return
    if not throttle.may_log_anonymous():
        return
    user = User.objects.select_related("partner").filter(email=email).first()
    record(
        Action.SIGN_IN_LOCKED if locked else Action.SIGN_IN_FAILED,
        partner=user.partner if user else None,
        target=user,
        target_label=email,
        actor_label=f"{email or 'unknown'} (not signed in)",
        new=new,
        outcome=Outcome.FAILURE,
    )
