import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.shortcuts import redirect

from multichannel import current_request, mfa


class RequestContextMiddleware:
    """Make the client's address and the portal's address known to the activity log and emails,
    and collect the emails the mail server did not take."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip_token = current_request.set_client_ip(current_request.client_ip_of(request))
        url_token = current_request.set_base_url(request.build_absolute_uri("/"))
        deliveries_token = current_request.start_deliveries()
        try:
            return self.get_response(request)
        finally:
            current_request.reset_client_ip(ip_token)
            current_request.reset_base_url(url_token)
            current_request.reset_deliveries(deliveries_token)


SIGNED_IN_AT = "portal_signed_in_at"
LAST_SEEN = "portal_last_seen"
LOGOUT_REASON = "portal_logout_reason"


class SessionLimitsMiddleware:
    """No session outlives PORTAL_SESSION_MAX_AGE after sign-in; idle ones end after
    SESSION_COOKIE_AGE, because the expiry only slides forward while the user is active."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT)
            if signed_in_at is None:
                session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.PORTAL_SESSION_MAX_AGE.total_seconds():
                request.portal_logout_reason = "expired"
                logout(request)
                hours = int(settings.PORTAL_SESSION_MAX_AGE.total_seconds() // 3600)
                messages.info(
                    request, f"Your session ended after {hours} hours. Please sign in again."
                )
                return redirect_to_login(request.get_full_path())
            touch = settings.PORTAL_SESSION_TOUCH_INTERVAL.total_seconds()
            if now - session.get(LAST_SEEN, 0) > touch:
                session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """After the password, a user who has a second factor, or whose partner requires one, passes
    it (or sets one up) before reaching anything else (see mfa.py)."""

    VERIFY_URL_NAMES = frozenset({"sign-in-verify", "sign-in-recovery", "sign-out"})
    ENROL_URL_NAMES = frozenset(
        {
            "mfa-enrol",
            "mfa-recovery-codes",
            "mfa-recovery-codes-download",
            "sign-out",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not mfa.second_step_due(request):
            return None
        match = request.resolver_match
        if match and match.app_name == "admin":
            return None
        enrolled = mfa.has_factor(request.user)
        allowed = self.VERIFY_URL_NAMES if enrolled else self.ENROL_URL_NAMES
        if match and match.url_name in allowed and not match.namespace:
            return None
        target = "sign-in-verify" if enrolled else "mfa-enrol"
        if not enrolled:
            messages.warning(
                request,
                f"{request.user.partner.name} requires multi-factor sign-in. Set up an "
                "authenticator app to continue.",
            )
        return redirect_to_login(request.get_full_path(), target)


class PasswordChangeRequiredMiddleware:
    """A user holding a temporary password sets their own before doing anything else."""

    # The recovery codes just made are shown once: the user saves them before going on.
    ALLOWED_URL_NAMES = frozenset(
        {"password-change", "sign-out", "mfa-recovery-codes", "mfa-recovery-codes-download"}
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.must_change_password):
            return None
        if mfa.second_step_due(request):  # the second factor comes first
            return None
        match = request.resolver_match
        if match and match.url_name in self.ALLOWED_URL_NAMES and not match.namespace:
            return None
        if match and match.app_name == "admin":
            return None
        messages.warning(request, "Choose a new password before you continue.")
        return redirect("password-change")


class QueryCountMiddleware:
    """For benchmarks only (PORTAL_QUERY_COUNT_HEADER): the response tells how many SQL queries
    the request made, in an X-Query-Count header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
