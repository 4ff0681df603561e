"""Reseller relationship requests: the three-step walk-through, the list, one request, removal."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from multichannel import access, notifications
from multichannel.filtersets import RequestFilterSet
from multichannel.forms.customers import ConfirmForm
from multichannel.forms.relationships import (
    RequestCustomerForm,
    RequestEmailForm,
    RequestRolesForm,
)
from multichannel.models import Cloud, Relationship, RelationshipStatus
from multichannel.roles import Perm
from multichannel.services import relationships as relationship_services
from multichannel.views.customers import CustomerMixin
from multichannel.views.lists import FilteredListView
from multichannel.views.mixins import (
    ActionMixin,
    ButtonMixin,
    ObjectMixin,
    PortalMixin,
    StepUpMixin,
)

REQUESTS_CRUMB = ("Relationship requests", reverse_lazy("relationship_requests:list"))
DRAFT = "portal_relationship_request_draft"
STEPS = [
    ("relationship_requests:new", "Customer"),
    ("relationship_requests:new-roles", "Delegated admin roles"),
    ("relationship_requests:new-review", "Review and email"),
]


# --- The walk-through ------------------------------------------------------------------------


class RequestStepMixin(PortalMixin):
    permission = Perm.ADD_REQUESTS
    section = "relationships"
    title = "Request a reseller relationship"
    step = 0
    template_name = "relationships/new.html"

    @property
    def draft(self) -> dict:
        return self.request.session.get(DRAFT, {})

    def save_draft(self, **values) -> None:
        self.request.session[DRAFT] = {**self.draft, **values}

    def get_breadcrumbs(self):
        return [REQUESTS_CRUMB, ("New request", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["steps"] = [
            (reverse(name) + "?keep=1", label, index < self.step, index == self.step)
            for index, (name, label) in enumerate(STEPS)
        ]
        context["step_number"] = self.step + 1
        context["draft"] = self.draft
        context["partner"] = self.request.user.partner
        return context


class RequestCustomerStep(RequestStepMixin, ActionMixin, FormView):
    form_class = RequestCustomerForm

    def get(self, request, *args, **kwargs):
        chosen = request.GET.get("customer")
        if chosen:
            try:
                customer = access.get_customer_for(request.user, uuid.UUID(chosen))
            except ValueError as exc:
                raise Http404("No such customer.") from exc
            request.session[DRAFT] = {
                "company_name": customer.company_name,
                "domain": customer.primary_domain,
                "contact_email": customer.contact_email,
            }
        elif "keep" not in request.GET:
            request.session.pop(DRAFT, None)  # a fresh request
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {k: self.draft.get(k) for k in ("company_name", "domain", "contact_email")}

    def perform(self, form):
        tenant = relationship_services.find_tenant(form.cleaned_data["domain"])
        relationship_services.check_cloud(self.request.user.partner, tenant)
        self.save_draft(**form.cleaned_data)
        return redirect("relationship_requests:new-roles")


class DraftRequiredMixin:
    """A later step needs the earlier ones: without them, back to the first step."""

    needs = ("domain",)

    def _missing_steps(self):
        return not all(k in self.draft for k in self.needs)

    def get(self, request, *args, **kwargs):
        if self._missing_steps():
            return redirect(reverse("relationship_requests:new") + "?keep=1")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self._missing_steps():
            return redirect(reverse("relationship_requests:new") + "?keep=1")
        return super().post(request, *args, **kwargs)


class RequestRolesStep(DraftRequiredMixin, RequestStepMixin, FormView):
    step = 1
    form_class = RequestRolesForm

    @property
    def roles_required(self) -> bool:
        return self.request.user.partner.cloud == Cloud.US_GOVERNMENT

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "required": self.roles_required}

    def get_initial(self):
        roles = self.draft.get("delegated_admin_roles")
        if roles is None:
            return {}
        return {
            "include": bool(roles),
            "roles": roles,
            "days": self.draft.get("delegated_admin_days"),
        }

    def form_valid(self, form):
        self.save_draft(
            delegated_admin_roles=form.cleaned_data["roles"],
            delegated_admin_days=form.cleaned_data["days"],
        )
        return redirect("relationship_requests:new-review")


class RequestReviewStep(DraftRequiredMixin, RequestStepMixin, ActionMixin, FormView):
    step = 2
    form_class = RequestEmailForm
    needs = ("domain", "delegated_admin_roles")

    def get_initial(self):
        draft = self.draft
        text = draft.get("email_text") or relationship_services.default_email_text(
            self.request.user.partner,
            draft["company_name"],
            draft["delegated_admin_roles"],
            draft.get("delegated_admin_days"),
        )
        return {"email_text": text}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = relationship_services.find_tenant(self.draft["domain"])
        context["known_tenant"] = tenant is not None
        context["visible_customer"] = (
            access.customers_for(self.request.user).filter(pk=tenant.pk).first() if tenant else None
        )
        return context

    def perform(self, form):
        draft = self.draft
        self.save_draft(email_text=form.cleaned_data["email_text"])
        return relationship_services.request_relationship(
            by=self.request.user,
            company_name=draft["company_name"],
            domain=draft["domain"],
            contact_email=draft["contact_email"],
            delegated_admin_roles=draft["delegated_admin_roles"],
            delegated_admin_days=draft.get("delegated_admin_days"),
            email_text=form.cleaned_data["email_text"],
        )

    def succeeded(self, relationship_request):
        self.request.session.pop(DRAFT, None)
        messages.success(
            self.request,
            "The request is ready: copy the link, or email it to the customer from here.",
        )
        return redirect("relationship_requests:detail", uuid=relationship_request.uuid)


# --- The list and one request ----------------------------------------------------------------


# The pages that show invitation links are never cached. Like every page they send the portal's
# `same-origin` referrer policy: their addresses hold no secret, other sites never learn them,
# and the browser names the origin of their forms (Send, Resend), as the CSRF check needs.
@method_decorator(never_cache, name="dispatch")
class RequestListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_REQUESTS
    section = "relationships"
    title = "Relationship requests"
    template_name = "relationships/list.html"
    filterset_class = RequestFilterSet
    sort_fields = {
        "created": ("created_at",),
        "expires": ("expires_at",),
        "company": ("company_name",),
    }
    default_sort = "-created"

    def base_queryset(self):
        return (
            access.relationship_requests_for(self.request.user)
            .with_effective_status()
            .select_related("created_by", "customer")
        )

    def get_filterset_kwargs(self):
        return {"partner_id": self.request.user.partner_id}

    def get_breadcrumbs(self):
        return [("Relationship requests", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (
                relationship_request,
                relationship_request.get_invitation_url()
                if relationship_request.effective_status == "pending"
                else None,
            )
            for relationship_request in context["page_obj"].object_list
        ]
        return context


@method_decorator(never_cache, name="dispatch")
class RequestDetailView(ObjectMixin, TemplateView):
    permission = Perm.VIEW_REQUESTS
    section = "relationships"
    template_name = "relationships/detail.html"
    lookup = access.get_relationship_request_for
    context_name = "relationship_request"

    def get_title(self):
        return f"Request to {self.subject.company_name}"

    def get_breadcrumbs(self):
        return [REQUESTS_CRUMB, (self.subject.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        relationship_request, user = self.subject, self.request.user
        pending = relationship_request.current_status() == "pending"
        context.update(
            relationship_request=relationship_request,
            status=relationship_request.current_status(),
            url=relationship_request.get_invitation_url() if pending else None,
            can_send=access.can_send_relationship_request(user, relationship_request),
            can_revoke=access.can_revoke_relationship_request(user, relationship_request),
            customer_visible=access.customers_for(user)
            .filter(pk=relationship_request.customer_id)
            .exists(),
        )
        return context


class RequestSendView(ObjectMixin, ButtonMixin, View):
    """Email the invitation (again): a button on the request's page."""

    permission = Perm.CHANGE_REQUESTS
    http_method_names = ["post"]
    lookup = access.get_relationship_request_for
    context_name = "relationship_request"

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return relationship_services.send_request(
            by=self.request.user, relationship_request=self.subject
        )

    def succeeded(self, result):
        request, relationship_request = self.request, self.subject
        contact = relationship_request.contact_email
        if notifications.delivery_failed():
            messages.warning(
                request,
                f"The invitation could not be emailed to {contact}: the mail server did not take "
                "it. Copy the link and send it yourself, or try again in a minute.",
            )
        else:
            messages.success(request, f"The invitation was emailed to {contact}.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = relationship_request.get_absolute_url()
        return redirect(back)


class RequestRevokeView(ObjectMixin, ActionMixin, FormView):
    permission = Perm.CHANGE_REQUESTS
    section = "relationships"
    template_name = "relationships/revoke.html"
    form_class = ConfirmForm
    lookup = access.get_relationship_request_for
    context_name = "relationship_request"

    def get_title(self):
        return f"Revoke the request to {self.subject.company_name}"

    def get_breadcrumbs(self):
        url = self.subject.get_absolute_url()
        return [REQUESTS_CRUMB, (self.subject.company_name, url), ("Revoke", None)]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "relationship_request": self.subject,
            "check": access.can_revoke_relationship_request(self.request.user, self.subject),
        }

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return relationship_services.revoke_request(
            by=self.request.user, relationship_request=self.subject
        )

    def succeeded(self, relationship_request):
        messages.success(self.request, "The request was revoked; its link no longer works.")
        return redirect("relationship_requests:detail", uuid=self.subject.uuid)


# --- Removing a relationship -----------------------------------------------------------------


class RemoveRelationshipView(StepUpMixin, CustomerMixin, ActionMixin, FormView):
    permission = Perm.REMOVE_RELATIONSHIPS
    template_name = "relationships/remove.html"
    form_class = ConfirmForm

    def get_title(self):
        return f"Remove the reseller relationship with {self.subject}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Remove relationship", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        held = relationship_services.live_subscriptions_we_hold(
            self.request.user.partner_id, self.subject
        )
        context.update(
            customer=self.subject,
            held=held,
            check=access.can_remove_relationship(
                self.request.user, self.subject, managed=self.managed, held=held
            ),
        )
        return context

    removed = None  # our removed relationship, when the customer left our sight that way

    def get_subject(self):
        try:
            return super().get_subject()
        except Http404:
            # Removing it takes the customer out of our sight: a second click, or a colleague
            # who removed it first, finds it gone.
            if self.request.method == "POST":
                self.removed = (
                    Relationship.objects.filter(
                        partner_id=self.request.user.partner_id,
                        customer__uuid=self.kwargs["uuid"],
                        status=RelationshipStatus.REMOVED,
                    )
                    .select_related("customer")
                    .first()
                )
            if self.removed is None:
                raise
            return None

    def post(self, request, *args, **kwargs):
        if self.removed is not None:
            messages.info(
                request, f"The reseller relationship with {self.removed.customer} is removed."
            )
            return redirect("customers:list")
        return super().post(request, *args, **kwargs)

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return relationship_services.remove_relationship(
            by=self.request.user, customer=self.subject
        )

    def succeeded(self, relationship):
        messages.success(
            self.request,
            f"The reseller relationship with {self.subject} was removed; it is no longer in "
            "your customer list.",
        )
        return redirect("customers:list")
