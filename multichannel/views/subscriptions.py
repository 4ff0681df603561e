from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from multichannel import access
from multichannel.filtersets import SubscriptionFilterSet
from multichannel.forms.customers import AutoRenewForm, ConfirmForm, SeatsForm
from multichannel.next_steps import action_for, next_step
from multichannel.roles import Perm
from multichannel.services import subscriptions as subscription_services
from multichannel.services.errors import RuleViolation
from multichannel.views.lists import FilteredListView, csv_response
from multichannel.views.mixins import PortalMixin, refuse

SUBSCRIPTIONS_CRUMB = ("Subscriptions", reverse_lazy("subscriptions:list"))


class SubscriptionListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_SUBSCRIPTIONS
    section = "subscriptions"
    title = "Subscriptions"
    template_name = "subscriptions/list.html"
    filterset_class = SubscriptionFilterSet
    sort_fields = {
        "customer": ("customer__company_name", "offer_name"),
        "offer": ("offer_name",),
        "seats": ("quantity",),
        "term_end": ("term_end",),
        "status": ("status",),
    }
    default_sort = "customer"

    def base_queryset(self):
        return access.subscriptions_for(self.request.user).select_related(
            "customer", "partner_of_record"
        )

    def get_filterset_kwargs(self):
        return {"partner_id": self.request.user.partner_id}

    def get_breadcrumbs(self):
        return [("Subscriptions", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        context["rows"] = [
            (s, next_step(s, partner_id=user.partner_id, relationship_active=True, today=today))
            for s in context["page_obj"].object_list
        ]
        return context


class SubscriptionExportView(SubscriptionListView):
    def get(self, request, *args, **kwargs):
        header = [
            "Customer",
            "Offer",
            "Offer ID",
            "Subscription ID",
            "Billing",
            "Bought through",
            "Partner of record",
            "Seats",
            "Term",
            "Term start",
            "Term end",
            "Auto-renew",
            "Status",
            "Commerce",
        ]
        rows = (
            (
                s.customer.company_name,
                s.offer_name,
                s.offer_id,
                s.external_id,
                s.get_billing_type_display(),
                s.get_channel_display(),
                s.partner_of_record.name if s.partner_of_record else "",
                s.quantity if s.quantity is not None else "",
                s.get_term_display(),
                s.term_start or "",
                s.term_end or "",
                "yes" if s.auto_renew else "no",
                s.get_status_display(),
                s.get_commerce_type_display(),
            )
            for s in self.get_queryset().iterator(chunk_size=1000)
        )
        return csv_response("subscriptions", header, rows)


class SubscriptionMixin(PortalMixin):
    permission = Perm.VIEW_SUBSCRIPTIONS
    section = "subscriptions"

    @cached_property
    def subscription(self):
        return access.get_subscription_for(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.subscription

    @cached_property
    def today(self):
        return timezone.localdate()

    def get_breadcrumbs(self):
        s = self.subscription
        return [
            ("Customers", reverse("customers:list")),
            (str(s.customer), s.customer.get_absolute_url()),
            (s.offer_name, s.get_absolute_url()),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subscription"] = self.subscription
        context["actions"] = access.subscription_actions(
            self.request.user, self.subscription, self.today
        )
        return context


class SubscriptionDetailView(SubscriptionMixin, TemplateView):
    template_name = "subscriptions/detail.html"

    def get_title(self):
        return f"{self.subscription.offer_name} — {self.subscription.customer}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs()[:-1], (self.subscription.offer_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, s = self.request.user, self.subscription
        step = next_step(s, partner_id=user.partner_id, relationship_active=True, today=self.today)
        action = action_for(step, s)
        context.update(
            step=step,
            # This page is where a managed subscription is managed: no link to itself.
            step_action=None if action and action.url == self.request.path else action,
            cancellation_deadline=s.cancellation_deadline(),
            history=list(access.activity_entries_about(user, s)[:20]),
            support_query=f"subscription={s.uuid}",
            support_requests=list(
                access.support_for(user).filter(subscription=s).order_by("-updated_at")[:5]
            )
            if access.has(user, Perm.VIEW_SUPPORT)
            else None,
        )
        return context


class SubscriptionActionView(SubscriptionMixin, FormView):
    """Ask, then do: GET describes what will happen; POST does it through one service call."""

    permission = Perm.CHANGE_SUBSCRIPTIONS
    template_name = "subscriptions/confirm.html"
    form_class = ConfirmForm
    action = ""  # the SubscriptionActions field that says whether it is allowed
    verb = ""
    done = ""

    def get_check(self):
        return getattr(
            access.subscription_actions(self.request.user, self.subscription, self.today),
            self.action,
        )

    def subject_check(self, subject):
        return self.get_check()

    def get_title(self):
        return f"{self.verb} {self.subscription.offer_name}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), (self.verb, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(check=self.get_check(), verb=self.verb, action=self.action, today=self.today)
        return context

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except RuleViolation as violation:
            if violation.field in form.fields:
                form.add_error(violation.field, violation.message)
                return self.form_invalid(form)
            return refuse(
                self.request, violation, "subscriptions:detail", uuid=self.subscription.uuid
            )
        messages.success(self.request, self.done.format(s=self.subscription))
        return redirect("subscriptions:detail", uuid=self.subscription.uuid)


class SeatsView(SubscriptionActionView):
    action, verb = "seats", "Change seats of"
    template_name = "subscriptions/seats.html"
    form_class = SeatsForm
    done = "{s.offer_name} now has its new number of seats."

    def get_initial(self):
        return {"quantity": self.subscription.quantity}

    def form_valid(self, form):
        # Changing seats changes the bill: show the change and ask once more.
        if self.request.POST.get("confirmed") != "yes":
            return self.render_to_response(
                self.get_context_data(form=form, confirming=form.cleaned_data["quantity"])
            )
        return super().form_valid(form)

    def perform(self, form):
        subscription_services.change_seats(
            by=self.request.user,
            subscription=self.subscription,
            quantity=form.cleaned_data["quantity"],
            today=self.today,
            seen=form.cleaned_data["seen"],
        )


class AutoRenewView(SubscriptionActionView):
    action = "auto_renew"
    form_class = AutoRenewForm

    def get_initial(self):
        return {"turn": "off" if self.subscription.auto_renew else "on"}

    @property
    def done(self):
        return f"Auto-renew of {{s.offer_name}} is {self.turned}."

    @property
    def verb(self):
        return "Turn off auto-renew of" if self.subscription.auto_renew else "Turn on auto-renew of"

    def perform(self, form):
        self.turned = form.cleaned_data["turn"]
        subscription_services.set_auto_renew(
            by=self.request.user, subscription=self.subscription, on=self.turned == "on"
        )


class SuspendView(SubscriptionActionView):
    action, verb = "suspend", "Suspend"
    done = "{s.offer_name} is suspended."

    def perform(self, form):
        subscription_services.suspend(by=self.request.user, subscription=self.subscription)


class ReactivateView(SubscriptionActionView):
    action, verb = "reactivate", "Reactivate"
    done = "{s.offer_name} is active again."

    def perform(self, form):
        subscription_services.reactivate(by=self.request.user, subscription=self.subscription)


class CancelView(SubscriptionActionView):
    action, verb = "cancel", "Cancel"
    done = "{s.offer_name} has been cancelled."

    def perform(self, form):
        subscription_services.cancel(
            by=self.request.user, subscription=self.subscription, today=self.today
        )
