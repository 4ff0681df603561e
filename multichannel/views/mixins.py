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

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from multichannel import access
from multichannel.services.errors import RuleViolation

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # they read; every other method may change something


class PortalMixin(LoginRequiredMixin):
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


class ServiceFormMixin:
    """A form view whose valid form is handed to one service call (`perform`). A rule the
    service enforces comes back as an error beside its field, with what was typed kept."""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            response = self.perform(form)
        except RuleViolation as violation:
            field = violation.field if violation.field in form.fields else None
            form.add_error(field, violation.message)
            return self.form_invalid(form)
        return response


def refuse(request, violation: RuleViolation, to: str, **kwargs):
    """A refused one-click action: say why, change nothing, go back."""
    messages.error(request, violation.message)
    return redirect(to, **kwargs)
