"""The one gate every portal page goes through.

Anonymous → sign-in redirect; signed in without the needed role → 403 naming the role (raised by
`access.require`); another partner's object → 404 (the `access.*_for` querysets never hold it).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from multichannel import access
from multichannel.services.errors import RuleViolation


class PortalMixin(LoginRequiredMixin):
    permission: str | None = None
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
        return super().dispatch(request, *args, **kwargs)

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
