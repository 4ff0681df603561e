"""The one gate every portal page goes through, in this order, whatever the method:

1. anonymous → sign-in redirect;
2. signed in without the role the page needs (`permission`, and `action_permission` to change
   something) → 403 naming the role (raised by `access.require`);
3. another partner's object (`get_subject`) → 404 (the `access.*_for` querysets never hold it);
4. an object the user's roles may not act on (`subject_check`, e.g. a User management admin on a
   Global admin) → 403 naming the role;
5. a sensitive action (`StepUpMixin`) whose user passed their second factor too long ago → the
   "Confirm it's you" page, then back.

Only then does the view read a form or look at the object's state, so a refusal never depends
on what was posted or on what state the object is in.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from multichannel import access, mfa
from multichannel.services.errors import RuleViolation

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # they read; every other method may change something


class PortalMixin(LoginRequiredMixin):
    request: Any  # the view's request, its user signed in (checked first, in `dispatch`)
    kwargs: dict[str, Any]
    permission: str | None = None
    # What a change (a POST) needs besides `permission`, when it needs more.
    action_permission: str | None = None
    section: str = ""
    title: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not access.is_portal_user(request.user):
            raise PermissionDenied(
                "This account does not belong to a partner. Platform operators use the admin site."
            )
        if self.permission:
            access.require(request.user, self.permission)
        if self.action_permission and request.method not in SAFE_METHODS:
            access.require(request.user, self.action_permission)
        subject = self.get_subject()
        if subject is not None:
            self.subject_check(subject).enforce_role()
        interrupted = self.before_handling(request)
        if interrupted is not None:
            return interrupted
        return super().dispatch(request, *args, **kwargs)

    def before_handling(self, request) -> HttpResponse | None:
        """Once every check has passed, a page may still send the user elsewhere first (see
        `StepUpMixin`); None goes on to the page."""
        return None

    def get_subject(self):
        """The one object the page is about, fetched through `access` (a 404 when the user's
        partner may not see it); None on a page about no one object."""
        return None

    def subject_check(self, subject) -> access.Check:
        """Whether the user's roles let them act on this particular object. Only a missing role
        is refused here (403 naming it); a rule about the object's state (already active, no
        longer pending) is for the page to explain, after the form is read."""
        return access.ALLOWED

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_title(self) -> str:
        return self.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("section", self.section)
        context.setdefault("title", self.get_title())
        context.setdefault("breadcrumbs", self.get_breadcrumbs())
        return context


STEP_UP_KEPT = "step_up_kept"  # what a sensitive action's form held when it asked to confirm


class StepUpMixin:
    """A sensitive action (removing a relationship, accepting a transfer, changing someone's
    roles, resetting their password or second factor, the partner's sign-in policy, exporting
    the activity log): when the user's last second factor is older than
    `mfa.STEP_UP_SECONDS`, they first confirm it's them (`step-up` page), then come back.

    Asked on a POST, what was posted (all but the CSRF token and any password) is kept in the
    session; back on the page the form shows it again, to check and submit. Nothing is done
    without a fresh submit. A user with no second factor is not asked (`mfa.step_up_due`).
    List it before the view's `PortalMixin`/`ObjectMixin`: it acts after their checks."""

    request: Any
    kept_fields: dict[str, list[str]] | None = None

    def step_up_wanted(self) -> bool:
        return True

    def before_handling(self, request) -> HttpResponse | None:
        if not self.step_up_wanted():
            return None
        if not mfa.step_up_due(request):
            kept = request.session.get(STEP_UP_KEPT)
            if kept and kept.get("path") == request.path:
                del request.session[STEP_UP_KEPT]
                if request.method in SAFE_METHODS:
                    self.kept_fields = kept.get("fields") or {}
            return None
        if request.method in SAFE_METHODS:
            back = request.get_full_path()
        else:
            back = self._keep_posted(request)
        return redirect(f"{reverse('step-up')}?{urlencode({'next': back})}")

    def _keep_posted(self, request) -> str:
        """Keep what was posted; return the page to come back to: this one, or, for an action
        that is only ever posted (an export), the page it was posted from."""
        secret = set()
        get_form_class = getattr(self, "get_form_class", None)
        if get_form_class is not None:
            form_class = get_form_class()
            if form_class is not None:
                secret = {
                    name
                    for name, field in form_class.base_fields.items()
                    if isinstance(field.widget, forms.PasswordInput)
                }
        request.session[STEP_UP_KEPT] = {
            "path": request.path,
            "fields": {
                name: values
                for name, values in request.POST.lists()
                if name != "csrfmiddlewaretoken" and name not in secret
            },
        }
        if "get" in getattr(self, "http_method_names", ()) and hasattr(self, "get"):
            return request.get_full_path()
        return _same_site_referer(request) or reverse("home")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)  # type: ignore[misc]
        if self.kept_fields is not None and not form.is_bound:
            data = QueryDict(mutable=True)
            for name, values in self.kept_fields.items():
                data.setlist(name, values)
            for name, field in form.fields.items():
                form.initial[name] = field.widget.value_from_datadict(
                    data, MultiValueDict(), form.add_prefix(name)
                )
        return form


def _same_site_referer(request) -> str | None:
    """The page a request came from, as a path on this site, if it is one."""
    referer = request.META.get("HTTP_REFERER") or ""
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith("//") else None


class ActionMixin:
    """A form page whose valid form is handed to one service call: `perform(form)` makes the
    call and returns what it made, `succeeded(result)` the response (by default `perform`'s own
    response). A rule the service enforces (`RuleViolation`) changes nothing and is said beside
    its field, with what was typed kept; a refusal of the whole action is said above the form,
    or, on a page that names `refused_url()` (a confirmation), on that page."""

    request: Any  # the view's request, its user signed in (PortalMixin checks that first)

    def perform(self, form) -> Any:
        raise NotImplementedError

    def succeeded(self, result) -> HttpResponse:
        return result

    def refused_url(self) -> str | None:
        return None

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except RuleViolation as violation:
            return self.refused(form, violation)
        return self.succeeded(result)

    def refused(self, form, violation: RuleViolation) -> HttpResponse:
        url = self.refused_url()
        if violation_field(form, violation) is None and url is not None:
            messages.error(self.request, violation.message)
            return redirect(url)
        add_violation(form, violation)
        return self.form_invalid(form)  # type: ignore[attr-defined]


class ButtonMixin(ActionMixin):
    """A button that acts at once when posted, its page shows no form of its own: whatever
    refuses it, what was posted (`form_class`, when the button sends a choice, not valid:
    `invalid_message`) or a rule, is said on `refused_url()`."""

    form_class: type[forms.Form] | None = None
    invalid_message = ""

    def refused_url(self) -> str:
        raise NotImplementedError

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"data": self.request.POST}

    def post(self, request, *args, **kwargs):
        form = self.form_class(**self.get_form_kwargs()) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.form_invalid(form)
        return self.form_valid(form)

    def refused(self, form, violation: RuleViolation) -> HttpResponse:
        messages.error(self.request, violation.message)
        return redirect(self.refused_url())

    def form_invalid(self, form):
        messages.error(self.request, self.invalid_message)
        return redirect(self.refused_url())


class ObjectMixin(PortalMixin):
    """A page about one object: `lookup` fetches it through `access` (a 404 when the user's
    partner may not see it) from the URL's `uuid`, before anything else is read; the page and
    its template know it as `subject` and as `context_name`."""

    lookup: Callable[..., Any]  # an `access.get_*_for(viewer, uuid)`
    context_name = "subject"

    @cached_property
    def subject(self) -> Any:
        return type(self).lookup(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.subject

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(self.context_name, self.subject)
        return context


def violation_field(form, violation: RuleViolation) -> str | None:
    """The form field a refusal is about, if the form has it."""
    return violation.field if violation.field in getattr(form, "fields", {}) else None


def add_violation(form, violation: RuleViolation) -> None:
    """A refusal beside its field, or above the form (or formset) when it names none of it."""
    if hasattr(form, "add_error"):
        form.add_error(violation_field(form, violation), violation.message)
    else:  # a formset
        form.non_form_errors().append(violation.message)


def refuse(request, violation: RuleViolation, to: str, **kwargs):
    """A refused one-click action: say why, change nothing, go back."""
    messages.error(request, violation.message)
    return redirect(to, **kwargs)
