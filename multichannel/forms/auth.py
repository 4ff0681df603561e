import hashlib
from datetime import timedelta
from math import ceil

from axes.utils import reset as reset_lockouts
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.cache import cache

from multichannel import throttle
from multichannel.models import Action, User
from multichannel.services import users as user_services
from multichannel.services.audit import record


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Work email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active account.",
    }

    def clean(self):
        # An account guessed at from many addresses is slowed down: from a place it never
        # signed in from, the sign-in waits, and its password is not even checked.
        email = (self.cleaned_data.get("username") or "").strip().lower()
        wait = throttle.account_wait(self.request, email) if email else None
        if self.request is not None:
            # Once a sign-in: the backend then lets it take its turn.
            self.request.portal_wait_checked = True  # type: ignore[attr-defined]
        if wait is not None:
            raise forms.ValidationError(self.slowed_down_message(wait), code="account_slowed")
        return super().clean()

    @staticmethod
    def slowed_down_message(wait) -> str:
        seconds = wait.seconds
        when = f"{seconds} seconds" if seconds < 120 else f"{ceil(seconds / 60)} minutes"
        return (
            "There have been too many failed sign-ins for this account from other places, so "
            "signing in from here has to wait. Try again after "
            f"{wait.until:%H:%M:%S} UTC (in about {when}). Signing in from a computer or "
            "network you have used before is not held up."
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        user_services.change_own_password(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )
        return self.user


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Used from an emailed link; setting a password also lifts a sign-in lockout."""

    def save(self, commit=True):
        user_services.set_password_from_link(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )
        reset_lockouts(username=self.user.email)
        return self.user


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="Work email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        # Users invited by email link have no password yet; they may ask for a new link too.
        return User.objects.filter(
            email=email.strip().lower(), is_active=True, partner__isnull=False
        )

    # One email per address in this time, however often the form is sent: nobody can flood an
    # inbox, or the activity log, with resets. The page says the same whatever happened.
    resend_after = timedelta(minutes=5)

    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"].strip().lower()
        key = "portal:password-reset:" + hashlib.sha256(email.encode()).hexdigest()
        if not cache.add(key, True, timeout=self.resend_after.total_seconds()):
            return None
        for user in self.get_users(email):
            if throttle.may_log_anonymous():  # a bounded number an hour from one address
                record(Action.PASSWORD_RESET_REQUESTED, actor=user, target=user)
        return super().save(*args, **kwargs)
