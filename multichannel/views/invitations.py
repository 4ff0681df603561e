"""The customer's side of an invitation: a public page, no partner sign-in.

The link's token never stays in the address bar: the landing view keeps its hash in the session
(sending `no-referrer`, as its address holds the token) and redirects to a page whose address
holds nothing secret. Like the database (rule 5), the session never holds the token itself.
That page's form carries a CSRF token like every other form; the portal's `same-origin`
referrer policy lets the browser name its origin when it posts the answer."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from multichannel.forms.relationships import AnswerForm
from multichannel.models import RelationshipRequest
from multichannel.services import relationships as relationship_services
from multichannel.services.errors import RuleViolation
from multichannel.views.mixins import add_violation

LINK = "portal_invitation_link"  # the session key holding the link's hash
OLD_TOKEN = "portal_invitation_token"  # noqa: S105 (where sessions once kept the token itself)


def _link_hash(request: HttpRequest) -> str | None:
    """The hash of the link this visitor opened; a token left in an older session is replaced
    by its hash."""
    token = request.session.pop(OLD_TOKEN, None)
    if token:
        request.session[LINK] = relationship_services.link_hash(token)
    return request.session.get(LINK)


def no_referrer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The landing page's own address holds the token: nothing it leads to may learn it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


@method_decorator([no_referrer, never_cache], name="dispatch")
class InvitationLinkView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        request.session[LINK] = relationship_services.link_hash(token)
        return redirect("invitation")


@method_decorator(never_cache, name="dispatch")
class InvitationView(View):
    template_name = "invitations/answer.html"

    def _problem(
        self, request: HttpRequest, problem: relationship_services.InvitationLinkProblem
    ) -> HttpResponse:
        return render(
            request,
            "invitations/problem.html",
            {"message": problem.message, "title": "Invitation"},
            status=problem.status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            relationship_request = relationship_services.find_request_by_link(
                token_hash=_link_hash(request)
            )
        except relationship_services.InvitationLinkProblem as problem:
            return self._problem(request, problem)
        return self._page(request, relationship_request, AnswerForm())

    def _page(
        self,
        request: HttpRequest,
        relationship_request: RelationshipRequest,
        form: AnswerForm,
        status: int = 200,
        confirm_decline: bool = False,
    ) -> HttpResponse:
        context = {
            "relationship_request": relationship_request,
            "form": form,
            "confirm_decline": confirm_decline,
            "title": f"{relationship_request.partner.name} asks to be your reseller",
            "roles_until": relationship_request.delegated_admin_until(),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        link = _link_hash(request)
        try:
            relationship_request = relationship_services.find_request_by_link(token_hash=link)
        except relationship_services.InvitationLinkProblem as problem:
            return self._problem(request, problem)
        if request.POST.get("answer") == "back":  # from "Decline for good?": what was typed stays
            kept = {key: request.POST.get(key, "") for key in ("name", "email")}
            return self._page(request, relationship_request, AnswerForm(initial=kept))
        form = AnswerForm(request.POST)
        accepting = request.POST.get("answer") == "accept"
        if form.is_valid():  # every problem at once, not one per attempt
            agreed = form.cleaned_data["agree"]
            typed = relationship_services.Answer(
                form.cleaned_data["name"], form.cleaned_data["email"]
            )
            try:
                relationship_services.check_answer(relationship_request, typed)
            except RuleViolation as violation:
                add_violation(form, violation)
            if accepting and not agreed:
                form.add_error("agree", "Accepting needs the customer agreement accepted.")
        if not form.is_valid():
            return self._page(request, relationship_request, form, status=400)
        if not accepting and request.POST.get("confirm_decline") != "yes":
            # Declining cannot be undone: ask once more, keeping what was typed.
            return self._page(request, relationship_request, form, confirm_decline=True)
        answer = relationship_services.Answer(form.cleaned_data["name"], form.cleaned_data["email"])
        service = (
            relationship_services.accept_request
            if accepting
            else relationship_services.decline_request
        )
        try:
            relationship_request = service(token_hash=link, answer=answer)
        except relationship_services.InvitationLinkProblem as problem:
            return self._problem(request, problem)
        except RuleViolation as violation:
            add_violation(form, violation)
            return self._page(request, relationship_request, form, status=400)
        # The link stays in the session: reloading now says the invitation has been answered.
        return render(
            request,
            "invitations/done.html",
            {
                "relationship_request": relationship_request,
                "title": "Thank you",
                "accepted": accepting,
            },
        )
