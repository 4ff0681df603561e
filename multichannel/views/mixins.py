"""The one gate every portal page goes through, in this order, whatever the method:

1. anonymous → sign-in redirect;
2. signed in without the role the page needs (`permission`, and `action_permission` to change
   something) → 403 naming the role (raised by `access.require`);
3. another partner's object (`get_subject`) → 404 (the `access.*_for` querysets never hold it);
4. an object the user's roles may not act on (`subject_check`, e.g. a User management admin on a
   Global admin) → 403 naming the role.

Only then does the view read a form or look at the object's state, so a refusal never depends
on what was posted or on what state the object is in.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property

from multichannel import access
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
        return super().dispatch(request, *args, **kwargs)

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
