from math import ceil

from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone

from multichannel import throttle
from multichannel.auth import axes_username
from multichannel.forms import auth as auth_forms


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    form_class = auth_forms.SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        # This browser is now a place the account signs in from (see throttle.py).
        response = super().form_valid(form)
        response.set_cookie(
            throttle.KNOWN_BROWSER_COOKIE,
            throttle.known_browser_value(form.get_user().email),
            max_age=int(throttle.KNOWN_FOR.total_seconds()),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="account_slowed"):
            response.status_code = 429
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = auth_forms.PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "Your password has been changed.")
        return redirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset.html"
    form_class = auth_forms.PasswordResetForm
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = auth_forms.SetPasswordForm
    success_url = reverse_lazy("password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this instead of signing in while an email is locked from this address:
    say so, and say when to try again."""
    username = axes_username(request, credentials) or ""
    cool_off = get_cool_off(request)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=get_client_ip_address(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last_failure or timezone.now()) + cool_off
    minutes = max(1, ceil((retry_at - timezone.now()).total_seconds() / 60))
    context = {"username": username, "retry_at": retry_at, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
