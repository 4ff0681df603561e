"""Transfers of Azure subscriptions between partners: incoming (we are the target) and
outgoing (we hold them) sides of the same requests."""

import uuid as uuid_module

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from multichannel import access
from multichannel.filtersets import TransferFilterSet
from multichannel.forms.customers import ConfirmForm
from multichannel.forms.transfers import (
    AcceptTransferForm,
    DeclineTransferForm,
    TransferRequestForm,
)
from multichannel.models import (
    BillingType,
    LineItemStatus,
    Subscription,
)
from multichannel.roles import Perm
from multichannel.services import transfers as transfer_services
from multichannel.views.lists import FilteredListView, list_crumb
from multichannel.views.mixins import ActionMixin, ObjectMixin, PortalMixin, StepUpMixin

TRANSFERS_CRUMB = ("Transfers", reverse_lazy("transfers:list"))


class TransferListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_TRANSFERS
    section = "transfers"
    title = "Transfers"
    template_name = "transfers/list.html"
    filterset_class = TransferFilterSet
    sort_fields = {"created": ("created_at",), "expires": ("expires_at",)}
    default_sort = "-created"
    extra_params = ("direction",)

    @property
    def direction(self) -> str:
        return "outgoing" if self.request.GET.get("direction") == "outgoing" else "incoming"

    def base_queryset(self):
        user = self.request.user
        transfers = (
            access.transfers_for(user)
            .with_effective_status()
            .select_related("customer", "source_partner", "target_partner", "created_by")
            .annotate(
                item_count=Count("items", distinct=True),
                moved_count=Count(
                    "items", filter=Q(items__status=LineItemStatus.MOVED), distinct=True
                ),
            )
        )
        if self.direction == "outgoing":
            return transfers.filter(source_partner_id=user.partner_id)
        return transfers.filter(target_partner_id=user.partner_id)

    def get_breadcrumbs(self):
        return [("Transfers", None)]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "direction": self.direction}


class TransferCreateView(PortalMixin, ActionMixin, FormView):
    permission = Perm.REQUEST_TRANSFERS
    section = "transfers"
    title = "Ask for a transfer of Azure subscriptions"
    template_name = "transfers/new.html"
    form_class = TransferRequestForm

    def get_breadcrumbs(self):
        return [TRANSFERS_CRUMB, ("New transfer request", None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user}

    def get_initial(self):
        initial = {}
        customer_uuid = self.request.GET.get("customer")
        source_uuid = self.request.GET.get("source")
        if customer_uuid and _is_uuid(customer_uuid):
            customer = access.customers_for(self.request.user).filter(uuid=customer_uuid).first()
            if customer is not None:
                initial.update(customer=customer.uuid, notify_email=customer.contact_email)
        if source_uuid and _is_uuid(source_uuid):
            initial["source_partner"] = source_uuid
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        # Nothing to ask for: the page says why instead of offering an empty choice.
        choices = form.fields["customer"].queryset
        context["no_customers"] = not form.is_bound and not choices.exists()
        customer = _chosen(form, "customer")
        source = _chosen(form, "source_partner")
        if customer is not None and source is not None:
            context["eligible"] = list(access.eligible_for_transfer(customer, source.pk))
            context["not_eligible"] = list(
                Subscription.objects.live()
                .held_by(source.pk)
                .filter(customer=customer, billing_type=BillingType.LICENSE)
                .order_by("offer_name")
            )
            context["chosen_customer"], context["chosen_source"] = customer, source
        return context

    def form_invalid(self, form):
        # A preview needs only the customer and the partner: nothing to say about the rest yet.
        if "review" in self.request.POST and not form.errors.keys() & PREVIEW_NEEDS:
            form.errors.clear()
            _fill_contact(form)
            return self.render_to_response(self.get_context_data(form=form, reviewing=True))
        return super().form_invalid(form)

    def form_valid(self, form):
        if "review" in self.request.POST:  # show what would move before asking
            return self.render_to_response(self.get_context_data(form=form, reviewing=True))
        return super().form_valid(form)

    def perform(self, form):
        return transfer_services.request_transfer(
            by=self.request.user,
            customer=form.cleaned_data["customer"],
            source_partner=form.cleaned_data["source_partner"],
            notify_email=form.cleaned_data["notify_email"],
            product_types=form.cleaned_data["product_types"],
        )

    def succeeded(self, transfer):
        messages.success(
            self.request,
            f"The request was sent to {transfer.source_partner.name}; it waits for their answer "
            f"until {transfer.expires_at:%Y-%m-%d}.",
        )
        return redirect("transfers:detail", uuid=transfer.uuid)


PREVIEW_NEEDS = {"customer", "source_partner"}


def _fill_contact(form) -> None:
    """A preview shows the chosen customer's primary contact as the contact to notify when none
    was typed (as a link from the customer's page does)."""
    customer = form.cleaned_data.get("customer")
    if customer is not None and customer.contact_email and not form.data.get("notify_email"):
        form.data = form.data.copy()
        form.data["notify_email"] = customer.contact_email


def _is_uuid(value: str) -> bool:
    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True


def _chosen(form, name):
    if form.is_bound:
        return form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    value = form.initial.get(name)
    if not value:
        return None
    field = form.fields[name]
    return field.queryset.filter(uuid=value).first()


class TransferMixin(ObjectMixin):
    permission = Perm.VIEW_TRANSFERS
    section = "transfers"
    lookup = access.get_transfer_for
    context_name = "transfer"

    def get_breadcrumbs(self):
        back = list_crumb(self.request, "Transfers", "transfers:list", TransferListView)
        return [back, (self.subject.customer.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, transfer = self.request.user, self.subject
        context.update(
            transfer=transfer,
            status=transfer.current_status(),
            incoming=transfer.target_partner_id == user.partner_id,
            can_cancel=access.can_cancel_transfer(user, transfer),
            can_answer=access.can_answer_transfer(user, transfer),
        )
        return context


class TransferDetailView(TransferMixin, TemplateView):
    template_name = "transfers/detail.html"

    def get_title(self):
        return f"Transfer of {self.subject.customer.company_name}'s Azure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = list(
            self.subject.items.select_related("subscription", "subscription__partner_of_record")
        )
        context["history"] = list(access.transfer_history(self.request.user, self.subject)[:30])
        return context


class TransferAnswerView(StepUpMixin, TransferMixin, ActionMixin, FormView):
    """Accept (choosing the line items) or decline: the source partner's Global admin. Whoever
    is not a Global admin is refused on either side, before the form or the transfer's state."""

    permission = Perm.ACCEPT_TRANSFERS
    accept = True

    def step_up_wanted(self):
        return self.accept  # declining gives nothing away

    def get_template_names(self):
        return ["transfers/accept.html" if self.accept else "transfers/decline.html"]

    def get_form_class(self):
        return AcceptTransferForm if self.accept else DeclineTransferForm

    @cached_property
    def pending_items(self):
        return list(
            self.subject.items.select_related("subscription").filter(status=LineItemStatus.PENDING)
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.accept:
            kwargs["items"] = self.pending_items
        return kwargs

    def get_title(self):
        verb = "Accept" if self.accept else "Decline"
        return f"{verb} the transfer of {self.subject.customer.company_name}'s Azure"

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        user, transfer = self.request.user, self.subject
        if self.accept:
            return transfer_services.accept_transfer(
                by=user, transfer=transfer, subscription_ids=form.cleaned_data["subscriptions"]
            )
        return transfer_services.decline_transfer(
            by=user, transfer=transfer, reason=form.cleaned_data["reason"]
        )

    def succeeded(self, transfer):
        messages.success(
            self.request,
            "The transfer is complete." if self.accept else "The transfer request was declined.",
        )
        return redirect("transfers:detail", uuid=transfer.uuid)


class TransferCancelView(TransferMixin, ActionMixin, FormView):
    template_name = "transfers/cancel.html"
    form_class = ConfirmForm
    permission = Perm.REQUEST_TRANSFERS

    def get_title(self):
        return f"Cancel the transfer request for {self.subject.customer.company_name}"

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return transfer_services.cancel_transfer(by=self.request.user, transfer=self.subject)

    def succeeded(self, transfer):
        messages.success(self.request, "The transfer request was cancelled.")
        return redirect("transfers:detail", uuid=self.subject.uuid)
