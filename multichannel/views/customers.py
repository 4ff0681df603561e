from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.generic import FormView, TemplateView

from multichannel import access
from multichannel.filtersets import CustomerFilterSet
from multichannel.forms.customers import CustomerForm, SubscriptionForm, suggested_domain
from multichannel.models import (
    BillingType,
    Partner,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    SubscriptionStatus,
)
from multichannel.models.subscriptions import CHANNEL_GROUPS, channel_group
from multichannel.next_steps import (
    NextStep,
    StepAction,
    action_for,
    next_step,
    onboardings_in_progress,
)
from multichannel.roles import Perm
from multichannel.services import customers as customer_services
from multichannel.views.lists import (
    Column,
    CsvExportMixin,
    FilteredListView,
    list_crumb,
    yes_no,
)
from multichannel.views.mixins import ActionMixin, ObjectMixin, PortalMixin

CUSTOMERS_CRUMB = ("Customers", reverse_lazy("customers:list"))


class CustomerListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_CUSTOMERS
    section = "customers"
    title = "Customers"
    template_name = "customers/list.html"
    filterset_class = CustomerFilterSet
    sort_fields = {
        "company": ("company_name",),
        "domain": ("primary_domain",),
        "subscriptions": ("subscription_count",),
        "term_end": ("next_term_end",),
        "since": ("relationship_since",),
    }
    default_sort = "company"

    def base_queryset(self):
        """Each row's summary is a subquery the database runs for the rows it returns only
        (after the sort and the page's LIMIT), unless the list is sorted by it."""
        user = self.request.user
        return access.customers_for(user).with_summary(user.partner_id, timezone.localdate())

    def get_filterset_kwargs(self):
        return {"partner_id": self.request.user.partner_id}

    def get_breadcrumbs(self):
        return [("Customers", None)]


class CustomerExportView(CsvExportMixin, CustomerListView):
    csv_name = "customers"
    csv_columns = (
        Column("Company", lambda c: c.company_name),
        Column("Primary domain", lambda c: c.primary_domain),
        Column("Tenant ID", lambda c: c.tenant_id),
        Column("Country", lambda c: c.country.code),
        Column("Primary contact", lambda c: c.contact_name),
        Column("Contact email", lambda c: c.contact_email),
        Column("Contact phone", lambda c: c.contact_phone),
        Column("Live subscriptions", lambda c: c.subscription_count),
        Column("Subscriptions from other channels", lambda c: yes_no(c.has_other_channels)),
        Column("Next term end", lambda c: c.next_term_end or ""),
        Column(
            "Relationship since",
            lambda c: c.relationship_since.date() if c.relationship_since else "",
        ),
    )


class CustomerCreateView(PortalMixin, ActionMixin, FormView):
    permission = Perm.ADD_CUSTOMERS
    section = "customers"
    title = "Add a customer"
    template_name = "customers/form.html"
    form_class = CustomerForm

    def get_breadcrumbs(self):
        return [CUSTOMERS_CRUMB, ("Add a customer", None)]

    def get_initial(self):
        return {"country": self.request.user.partner.country}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cloud"] = self.request.user.partner.get_cloud_display()
        form = context["form"]
        company = form["company_name"].value() or ""
        context["suggested_domain"] = suggested_domain(company)
        return context

    def perform(self, form):
        try:
            customer = customer_services.create_customer(by=self.request.user, **form.cleaned_data)
        except customer_services.DuplicateCustomer as duplicate:
            form.add_error(duplicate.field, self._duplicate_message(duplicate))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{customer} was added, with an active reseller relationship with us.",
        )
        return redirect("customers:detail", uuid=customer.uuid)

    def _duplicate_message(self, duplicate):
        existing = duplicate.existing
        if access.customers_for(self.request.user).filter(pk=existing.pk).exists():
            return format_html(
                '{} <a href="{}">Open {}</a>.',
                duplicate.message,
                existing.get_absolute_url(),
                existing,
            )
        return format_html(
            "{} Request a reseller relationship with it instead of adding it again.",
            duplicate.message,
        )


class CustomerMixin(ObjectMixin):
    permission = Perm.VIEW_CUSTOMERS
    section = "customers"
    lookup = access.get_customer_for
    context_name = "customer"

    @cached_property
    def relationship(self):
        """Our relationship with the customer: the active one, else the latest."""
        return (
            Relationship.objects.filter(
                partner_id=self.request.user.partner_id, customer=self.subject
            )
            .select_related("created_by")
            .order_by("status", "-started_at")  # "active" sorts before "removed"
            .first()
        )

    @property
    def managed(self) -> bool:
        return bool(self.relationship and self.relationship.status == RelationshipStatus.ACTIVE)

    def get_breadcrumbs(self):
        return [
            CUSTOMERS_CRUMB,
            (str(self.subject), self.subject.get_absolute_url()),
        ]


GROUP_ORDER = {key: (index, label) for index, (key, label) in enumerate(CHANNEL_GROUPS)}


def _channel_group(subscription, partner_id) -> tuple[int, str]:
    key = channel_group(subscription.channel, subscription.partner_of_record_id, partner_id)
    return GROUP_ORDER[key]


@dataclass(frozen=True)
class SubscriptionRow:
    """One line of the customer page, its text made ready: a customer may have hundreds."""

    subscription_pk: int
    url: str
    offer_name: str
    held_by: str
    billing: str
    seats: str
    term_end: str
    status: str
    step: NextStep
    action: StepAction | None

    @classmethod
    def of(cls, subscription, step, partner_id) -> "SubscriptionRow":
        holder = subscription.partner_of_record
        return cls(
            subscription_pk=subscription.pk,
            url=subscription.get_absolute_url(),
            offer_name=subscription.offer_name,
            held_by=holder.name if holder and holder.pk != partner_id else "",
            billing=_BILLING[subscription.billing_type],
            seats="—" if subscription.quantity is None else str(subscription.quantity),
            term_end=f"{subscription.term_end:%Y-%m-%d}" if subscription.term_end else "—",
            status=_STATUS[subscription.status],
            step=step,
            action=action_for(step, subscription),
        )

    def html(self) -> SafeString:
        """The table row, written in Python: hundreds of rows cost a few milliseconds. Every
        value is escaped by format_html."""
        held = format_html(HELD_BY, self.held_by) if self.held_by else ""
        action = (
            format_html(ACTION, url=self.action.url, label=self.action.label, offer=self.offer_name)
            if self.action
            else ""
        )
        step = self.step
        return format_html(
            ROW,
            url=self.url,
            offer=self.offer_name,
            held=held,
            status=self.status,
            billing=self.billing,
            seats=self.seats,
            term_end=self.term_end,
            tone=step.tone,
            title=step.title,
            detail=step.detail,
            action=action,
        )


HELD_BY = '<div class="small text-body-secondary">Held by {}</div>'
ACTION = (
    '<a class="btn btn-sm btn-outline-primary mt-1" href="{url}">{label}'
    '<span class="visually-hidden"> {offer}</span></a>'
)
# On a phone: the status under the offer, the next step without its explanation.
ROW = (
    '<tr><td><a href="{url}">{offer}</a>{held}<div class="small d-sm-none">{status}</div></td>'
    '<td class="d-none d-md-table-cell">{billing}</td>'
    '<td class="d-none d-lg-table-cell text-end">{seats}</td>'
    '<td class="d-none d-md-table-cell">{term_end}</td>'
    '<td class="d-none d-sm-table-cell">{status}</td>'
    '<td><div class="next-step"><span class="badge text-bg-{tone} text-wrap text-start">'
    '{title}</span><div class="small text-body-secondary mt-1 d-none d-md-block">{detail}</div>'
    "{action}</div></td></tr>"
)


class SubscriptionRows(list):
    """A group's rows; `html` is the table body, each row escaped by format_html."""

    @property
    def html(self) -> SafeString:
        return format_html_join("", "{}", ((row.html(),) for row in self))


_BILLING = {value: str(label) for value, label in BillingType.choices}
_STATUS = {value: str(label) for value, label in SubscriptionStatus.choices}


class CustomerDetailView(CustomerMixin, TemplateView):
    template_name = "customers/detail.html"

    def get_title(self):
        return str(self.subject)

    def get_breadcrumbs(self):
        back = list_crumb(self.request, "Customers", "customers:list", CustomerListView)
        return [back, (str(self.subject), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, customer = self.request.user, self.subject
        today = timezone.localdate()
        partner_id = user.partner_id
        groups, held = [], []
        if self.managed:
            subscriptions = sorted(
                customer.subscriptions.select_related("partner_of_record"),
                key=lambda s: (_channel_group(s, partner_id), s.offer_name, s.pk),
            )
            onboardings = onboardings_in_progress(user, subscriptions)
            for (_, label), members in groupby(
                subscriptions, key=lambda s: _channel_group(s, partner_id)
            ):
                rows = SubscriptionRows()
                for subscription in members:
                    if subscription.is_live and subscription.held_by(partner_id):
                        held.append(subscription)
                    step = next_step(
                        subscription,
                        partner_id=partner_id,
                        relationship_active=True,
                        today=today,
                        onboarding=onboardings.get(subscription.pk),
                    )
                    rows.append(SubscriptionRow.of(subscription, step, partner_id))
                groups.append((label, rows))
        context.update(
            customer=customer,
            relationship=self.relationship,
            managed=self.managed,
            other_partners=list(
                Partner.objects.filter(
                    relationships__customer=customer,
                    relationships__status=RelationshipStatus.ACTIVE,
                )
                .exclude(pk=partner_id)
                .order_by("name")
                .values_list("name", flat=True)
                .distinct()
            ),
            subscription_groups=groups,
            subscription_total=sum(len(rows) for _, rows in groups),
            enter_subscription=access.can_enter_subscription(user, customer, managed=self.managed),
            open_request=RelationshipRequest.objects.open()
            .filter(partner_id=partner_id, customer=customer)
            .first(),
            can_request=access.has(user, Perm.ADD_REQUESTS),
            customer_query=f"customer={customer.uuid}",
            support_requests=list(
                access.support_for(user).filter(customer=customer).order_by("-updated_at")[:5]
            )
            if access.has(user, Perm.VIEW_SUPPORT)
            else None,
            remove_check=access.can_remove_relationship(
                user, customer, managed=self.managed, held=held
            ),
        )
        return context


class SubscriptionCreateView(CustomerMixin, ActionMixin, FormView):
    permission = Perm.ADD_SUBSCRIPTIONS
    template_name = "subscriptions/form.html"
    form_class = SubscriptionForm

    def get_title(self):
        return f"Enter a subscription {self.subject} bought elsewhere"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Enter a subscription", None)]

    @cached_property
    def check(self):
        return access.can_enter_subscription(self.request.user, self.subject, managed=self.managed)

    def subject_check(self, subject):
        return self.check

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "customer": self.subject,
            "partner": self.request.user.partner,
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "customer": self.subject,
            "check": self.check,
        }

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        subscription = customer_services.enter_subscription(
            by=self.request.user, customer=self.subject, **fields
        )
        messages.success(self.request, f"{subscription.offer_name} was recorded.")
        return redirect("subscriptions:detail", uuid=subscription.uuid)
