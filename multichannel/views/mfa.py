"""Multi-factor sign-in pages: the second sign-in step, and the user's own Account security
(set up or remove an authenticator app, recovery codes)."""

from base64 import b32encode
from typing import Any, cast

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.forms.mfa import AuthenticatorCodeForm, RecoveryCodeForm
from multichannel.models import User
from multichannel.services import mfa as mfa_services
from multichannel.services.errors import RuleViolation
from multichannel.views.auth import locked_out
from multichannel.views.mixins import STEP_UP_KEPT, ActionMixin, ButtonMixin, PortalMixin

NEW_CODES = "mfa_new_recovery_codes"  # shown once, then dropped


def _security_crumb() -> tuple[str, str | None]:
    return ("Account security", reverse("account-security"))


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """Where to go once done: the page the user first asked for, if it is one of ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(default)


def _with_next(url: str, request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next")
    if wanted:
        return f"{url}?{urlencode({'next': wanted})}"
    return url


class SecondStepView(PortalMixin, ActionMixin, FormView):
    """After the password: a code from the authenticator app, or a recovery code."""

    template_name = "registration/verify.html"
    recovery = False

    def get_form_class(self) -> type[forms.Form]:
        return RecoveryCodeForm if self.recovery else AuthenticatorCodeForm

    def get_title(self) -> str:
        return "Use a recovery code" if self.recovery else "Enter your sign-in code"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not mfa.second_step_due(request):
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        credentials = {"username": cast(User, request.user).email}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return self._locked(credentials)
        return super().post(request, *args, **kwargs)

    def _locked(self, credentials: dict[str, str]) -> HttpResponse:
        """Locked out: the half-done sign-in ends; signing in again waits as the page says."""
        logout(self.request)
        return locked_out(self.request, credentials=credentials)

    def perform(self, form: Any) -> Any:
        return mfa_services.pass_second_step(
            request=self.request, code=form.cleaned_data["code"], recovery=self.recovery
        )

    def refused(self, form: Any, violation: RuleViolation) -> HttpResponse:
        if getattr(self.request, "axes_locked_out", False):
            credentials = {"username": self.request.user.email}
            self.request.axes_locked_out = False  # answered here rather than by axes' middleware
            return self._locked(credentials)
        return super().refused(form, violation)

    def succeeded(self, result: mfa_services.SecondStep) -> HttpResponse:
        mfa.mark_verified(self.request, result.device)
        if result.recovery_codes_left is not None:
            left = result.recovery_codes_left
            advice = " Make a new set from Account security soon." if left <= 3 else ""
            messages.warning(
                self.request,
                f"You signed in with a recovery code. You have {left} recovery "
                f"code{'s' if left != 1 else ''} left.{advice}",
            )
        return redirect(_next_url(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["recovery"] = self.recovery
        context["next"] = self.request.POST.get("next") or self.request.GET.get("next") or ""
        context["other_url"] = _with_next(
            reverse("sign-in-verify" if self.recovery else "sign-in-recovery"), self.request
        )
        return context


class StepUpView(SecondStepView):
    """ "Confirm it's you": a sensitive action wants a second factor passed within the last
    `mfa.STEP_UP_SECONDS`. The same check as the sign-in's second step, wrong codes counting
    toward the same lockout; then back to the action (`next`, a page of this site only)."""

    def get_title(self) -> str:
        return "Confirm it's you with a recovery code" if self.recovery else "Confirm it's you"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not mfa.step_up_due(request):
            return redirect(_next_url(request))
        return super(SecondStepView, self).dispatch(request, *args, **kwargs)

    def succeeded(self, result: mfa_services.SecondStep) -> HttpResponse:
        kept = self.request.session.get(STEP_UP_KEPT)
        response = super().succeeded(result)
        if kept:
            messages.info(
                self.request,
                "Thank you. What you entered is filled in again: check it and submit it.",
            )
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["step_up"] = True
        context["other_url"] = _with_next(
            reverse("step-up" if self.recovery else "step-up-recovery"), self.request
        )
        context["minutes"] = mfa.STEP_UP_SECONDS // 60
        return context


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// link as a QR code, drawn here as SVG markup (no image, no inline style).
    Safe to put in the page as it is: segno writes only the SVG's own elements, with our fixed
    title; the link (which holds the user's email) becomes the path's shape, never text."""
    return mark_safe(  # noqa: S308
        segno.make(device.config_url, error="m").svg_inline(
            scale=5,
            border=2,
            dark="#000",
            light="#fff",
            svgclass="mfa-qr",
            omitsize=True,
            title="QR code to scan with your authenticator app",
        )
    )


def grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class EnrolView(PortalMixin, ActionMixin, FormView):
    """Set up an authenticator app: scan the QR code (or type the secret), enter a code."""

    template_name = "account/enrol.html"
    form_class = AuthenticatorCodeForm
    title = "Set up an authenticator app"
    section = "account"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [_security_crumb(), ("Set up an authenticator app", None)]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if mfa.has_factor(cast(User, request.user)):
            messages.info(request, mfa_services.ALREADY_ENROLLED)
            return redirect("account-security")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            device = mfa_services.start_enrolment(user=self.request.user)
        except RuleViolation:
            device = None
        if device is not None:
            context["qr_svg"] = qr_code_svg(device)
            context["secret"] = grouped_secret(device)
        context["required"] = mfa.required_for(self.request.user)
        context["second_step_due"] = mfa.second_step_due(self.request)
        context["next"] = self.request.POST.get("next") or self.request.GET.get("next") or ""
        return context

    def perform(self, form: Any) -> Any:
        codes = mfa_services.confirm_enrolment(
            user=self.request.user, code=form.cleaned_data["code"]
        )
        mfa.mark_verified(self.request, mfa.authenticator(self.request.user))
        self.request.session[NEW_CODES] = codes
        messages.success(self.request, "Your authenticator app is set up.")
        return redirect(_with_next(reverse("mfa-recovery-codes"), self.request))


class SecurityView(PortalMixin, TemplateView):
    template_name = "account/security.html"
    title = "Account security"
    section = "account"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [("Account security", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        self.request.session.pop(NEW_CODES, None)  # shown once: gone once the user moved on
        context["authenticator"] = mfa.authenticator(user)
        context["recovery_codes_left"] = mfa.recovery_codes_left(user)
        context["required"] = mfa.required_for(user)
        return context


class RecoveryCodesView(PortalMixin, TemplateView):
    """The recovery codes just made, shown once; the user saves them, then goes on."""

    template_name = "account/recovery_codes.html"
    title = "Save your recovery codes"
    section = "account"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [_security_crumb(), ("Recovery codes", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["codes"] = self.request.session.get(NEW_CODES) or []
        context["next"] = self.request.GET.get("next") or ""
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.session.pop(NEW_CODES, None)
        return redirect(_next_url(request, default="account-security"))


class RecoveryCodesDownloadView(PortalMixin, View):
    """The recovery codes just made, as a text file (while they are still shown)."""

    def get_subject(self) -> list[str]:
        codes = self.request.session.get(NEW_CODES)
        if not codes:
            raise Http404("Recovery codes are shown only once, right after they are made.")
        return codes

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        codes = self.get_subject()
        text = (
            f"Partner Portal recovery codes for {cast(User, request.user).email}\n"
            "Each code works once, in place of a code from your authenticator app.\n\n"
            + "\n".join(codes)
            + "\n"
        )
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="partner-portal-recovery-codes.txt"'
        response["Cache-Control"] = "no-store"
        return response


class RegenerateCodesView(PortalMixin, ButtonMixin, TemplateView):
    template_name = "account/regenerate_codes.html"
    title = "Make new recovery codes"
    section = "account"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [_security_crumb(), ("New recovery codes", None)]

    def refused_url(self) -> str:
        return reverse("account-security")

    def perform(self, form: Any) -> Any:
        self.request.session[NEW_CODES] = mfa_services.regenerate_recovery_codes(
            user=self.request.user
        )
        messages.success(self.request, "New recovery codes are ready; the old ones no longer work.")
        return redirect("mfa-recovery-codes")


class RemoveAuthenticatorView(PortalMixin, ButtonMixin, TemplateView):
    template_name = "account/remove_authenticator.html"
    title = "Remove your authenticator app"
    section = "account"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [_security_crumb(), ("Remove authenticator app", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["authenticator"] = mfa.authenticator(self.request.user)
        context["required"] = mfa.required_for(self.request.user)
        return context

    def refused_url(self) -> str:
        return reverse("account-security")

    def perform(self, form: Any) -> Any:
        mfa_services.remove_authenticator(user=self.request.user)
        messages.success(
            self.request, "Your authenticator app and recovery codes have been removed."
        )
        return redirect("account-security")
