from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from multichannel import access
from multichannel.filtersets import SubscriptionFilterSet
from multichannel.forms.customers import AutoRenewForm, ConfirmForm, SeatsForm
from multichannel.next_steps import action_for, next_step, onboardings_in_progress
from multichannel.roles import Perm
from multichannel.services import subscriptions as subscription_services
from multichannel.views.lists import (
    BACK,
    Column,
    CsvExportMixin,
    FilteredListView,
    list_crumb,
    yes_no,
)
from multichannel.views.mixins import ActionMixin, ObjectMixin, PortalMixin

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
        subscriptions = context["page_obj"].object_list
        onboardings = onboardings_in_progress(user, subscriptions)
        context["rows"] = []
        for s in subscriptions:
            step = next_step(
                s,
                partner_id=user.partner_id,
                relationship_active=True,
                today=today,
                onboarding=onboardings.get(s.pk),
            )
            context["rows"].append((s, step, action_for(step, s)))
        return context


class SubscriptionExportView(CsvExportMixin, SubscriptionListView):
    csv_name = "subscriptions"
    csv_columns = (
        Column("Customer", lambda s: s.customer.company_name),
        Column("Offer", lambda s: s.offer_name),
        Column("Offer ID", lambda s: s.offer_id),
        Column("Subscription ID", lambda s: s.external_id),
        Column("Billing", lambda s: s.get_billing_type_display()),
        Column("Bought through", lambda s: s.get_channel_display()),
        Column(
            "Partner of record", lambda s: s.partner_of_record.name if s.partner_of_record else ""
        ),
        Column("Seats", lambda s: s.quantity if s.quantity is not None else ""),
        Column("Term", lambda s: s.get_term_display()),
        Column("Term start", lambda s: s.term_start or ""),
        Column("Term end", lambda s: s.term_end or ""),
        Column("Auto-renew", lambda s: yes_no(s.auto_renew)),
        Column("Status", lambda s: s.get_status_display()),
        Column("Commerce", lambda s: s.get_commerce_type_display()),
    )


class SubscriptionMixin(ObjectMixin):
    permission = Perm.VIEW_SUBSCRIPTIONS
    section = "subscriptions"
    lookup = access.get_subscription_for
    context_name = "subscription"

    @cached_property
    def today(self):
        return timezone.localdate()

    def get_breadcrumbs(self):
        s = self.subject
        return [
            ("Customers", reverse("customers:list")),
            (str(s.customer), s.customer.get_absolute_url()),
            (s.offer_name, s.get_absolute_url()),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = access.subscription_actions(
            self.request.user, self.subject, self.today
        )
        # The last day a new-commerce subscription may be cancelled, while that day is still to
        # come (rule 13): once it has passed, the page says nothing of it.
        deadline = self.subject.cancellation_deadline()
        context["cancellation_deadline"] = (
            deadline if deadline is not None and self.today <= deadline else None
        )
        return context


class SubscriptionDetailView(SubscriptionMixin, TemplateView):
    template_name = "subscriptions/detail.html"

    def get_title(self):
        return f"{self.subject.offer_name} — {self.subject.customer}"

    def get_breadcrumbs(self):
        crumbs = [*super().get_breadcrumbs()[:-1], (self.subject.offer_name, None)]
        if BACK in self.request.GET:  # opened from the subscriptions list: back to it
            crumbs[0] = list_crumb(
                self.request, "Subscriptions", "subscriptions:list", SubscriptionListView
            )
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, s = self.request.user, self.subject
        step = next_step(
            s,
            partner_id=user.partner_id,
            relationship_active=True,
            today=self.today,
            onboarding=onboardings_in_progress(user, [s]).get(s.pk),
        )
        action = action_for(step, s)
        context.update(
            step=step,
            # This page is where a managed subscription is managed: no link to itself.
            step_action=None if action and action.url == self.request.path else action,
            history=list(access.activity_entries_about(user, s)[:20]),
            support_query=f"subscription={s.uuid}",
            support_requests=list(
                access.support_for(user).filter(subscription=s).order_by("-updated_at")[:5]
            )
            if access.has(user, Perm.VIEW_SUPPORT)
            else None,
        )
        return context


class SubscriptionActionView(SubscriptionMixin, ActionMixin, FormView):
    """Ask, then do: GET describes what will happen; POST does it through one service call."""

    permission = Perm.CHANGE_SUBSCRIPTIONS
    template_name = "subscriptions/confirm.html"
    form_class = ConfirmForm
    action = ""  # the SubscriptionActions field that says whether it is allowed
    verb = ""
    done = ""

    def get_check(self):
        return getattr(
            access.subscription_actions(self.request.user, self.subject, self.today),
            self.action,
        )

    def subject_check(self, subject):
        return self.get_check()

    def get_title(self):
        return f"{self.verb} {self.subject.offer_name}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), (self.verb, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(check=self.get_check(), verb=self.verb, action=self.action, today=self.today)
        return context

    def refused_url(self):
        return self.subject.get_absolute_url()

    def succeeded(self, result):
        messages.success(self.request, self.done.format(s=self.subject))
        return redirect("subscriptions:detail", uuid=self.subject.uuid)


class SeatsView(SubscriptionActionView):
    action, verb = "seats", "Change seats of"
    template_name = "subscriptions/seats.html"
    form_class = SeatsForm
    done = "{s.offer_name} now has its new number of seats."

    def get_initial(self):
        return {"quantity": self.subject.quantity}

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
            subscription=self.subject,
            quantity=form.cleaned_data["quantity"],
            today=self.today,
            seen=form.cleaned_data["seen"],
        )


class AutoRenewView(SubscriptionActionView):
    action = "auto_renew"
    form_class = AutoRenewForm

    def get_initial(self):
        return {"turn": "off" if self.subject.auto_renew else "on"}

    @property
    def done(self):
        return f"Auto-renew of {{s.offer_name}} is {self.turned}."

    @property
    def verb(self):
        return "Turn off auto-renew of" if self.subject.auto_renew else "Turn on auto-renew of"

    def perform(self, form):
        self.turned = form.cleaned_data["turn"]
        subscription_services.set_auto_renew(
            by=self.request.user, subscription=self.subject, on=self.turned == "on"
        )


class SuspendView(SubscriptionActionView):
    action, verb = "suspend", "Suspend"
    done = "{s.offer_name} is suspended."

    def perform(self, form):
        subscription_services.suspend(by=self.request.user, subscription=self.subject)


class ReactivateView(SubscriptionActionView):
    action, verb = "reactivate", "Reactivate"
    done = "{s.offer_name} is active again."

    def perform(self, form):
        subscription_services.reactivate(by=self.request.user, subscription=self.subject)


class CancelView(SubscriptionActionView):
    action, verb = "cancel", "Cancel"
    done = "{s.offer_name} has been cancelled."

    def perform(self, form):
        subscription_services.cancel(
            by=self.request.user, subscription=self.subject, today=self.today
        )
