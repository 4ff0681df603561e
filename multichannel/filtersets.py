"""List filters (django-filter). Each list view narrows its queryset through `access` first."""

import uuid
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from multichannel import access
from multichannel.forms.widgets import FastSelectForm
from multichannel.models import (
    Action,
    AuditEntry,
    AzureOnboarding,
    BillingType,
    Channel,
    Customer,
    MoveStatus,
    OnboardingStatus,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    Severity,
    Subscription,
    SubscriptionStatus,
    SupportRequest,
    SupportStatus,
    Term,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.customers import other_channels_exist
from multichannel.models.subscriptions import LIVE_STATUSES
from multichannel.roles import Perm, Role


def _people(partner_id):
    """The partner's users as a list of choices: only what the option shows is loaded."""
    return (
        User.objects.filter(partner_id=partner_id)
        .only("uuid", "full_name", "email")
        .order_by("full_name", "email")
    )


class _PeopleIterator(ModelChoiceIterator):
    """The people as (uuid, name) read as plain values: a select of a few hundred colleagues
    builds no user objects."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for key, name, email in self.queryset.values_list("uuid", "full_name", "email"):
            yield (str(key), name or email)


class _PeopleField(ModelChoiceField):
    iterator = _PeopleIterator


class PersonFilter(django_filters.ModelChoiceFilter):
    """One of the partner's users, chosen by uuid (set `queryset` to `_people(partner_id)`)."""

    field_class = _PeopleField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("empty_label", "Anyone")
        kwargs.setdefault("to_field_name", "uuid")
        super().__init__(*args, **kwargs)


class _CustomerIterator(ModelChoiceIterator):
    """The customers as (uuid, company name) read as plain values."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for key, name in self.queryset.values_list("uuid", "company_name"):
            yield (str(key), name)


class _CustomerField(ModelChoiceField):
    iterator = _CustomerIterator


class CustomerFilter(django_filters.ModelChoiceFilter):
    """One of the viewer's customers, chosen by uuid (set `queryset` to what they may see): a
    customer the viewer may not see is not a valid choice, so it filters nothing and shows
    nothing of it."""

    field_class = _CustomerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Customer.objects.none())
        kwargs.setdefault("empty_label", "Any customer")
        kwargs.setdefault("to_field_name", "uuid")
        super().__init__(*args, **kwargs)


SEARCH_WIDGET = forms.SearchInput(attrs={"placeholder": "Name or email", "autocomplete": "off"})


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=SEARCH_WIDGET)
    role = django_filters.ChoiceFilter(
        label="Role", choices=Role.choices, method="with_role", empty_label="Any role"
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[("active", "Active"), ("inactive", "Deactivated")],
        method="with_status",
        empty_label="Active and deactivated",
    )

    class Meta:
        model = User
        fields = []
        form = FastSelectForm

    def search(self, queryset, name, value):
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value))

    def with_role(self, queryset, name, value):
        return queryset.filter(groups__role_group__role=value)

    def with_status(self, queryset, name, value):
        return queryset.filter(is_active=(value == "active"))


class ActivityFilterForm(FastSelectForm):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        elif end == date.max:  # the log is searched up to the end of that day
            self.add_error("date_to", "Choose an earlier end date.")
        return cleaned


def default_activity_start():
    return (timezone.localdate() - timedelta(days=30)).isoformat()


class ActivityFilterSet(django_filters.FilterSet):
    """The activity log's filters; with no dates given it shows the last 30 days."""

    date_from = django_filters.DateFilter(
        label="From", method="since", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="until", widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = PersonFilter(label="User")
    customer = CustomerFilter(label="Customer")
    action = django_filters.ChoiceFilter(
        label="Action", choices=Action.choices, empty_label="Any action"
    )
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Target or user email"}),
    )

    class Meta:
        model = AuditEntry
        fields = []
        form = ActivityFilterForm

    def __init__(self, data=None, *args, viewer, **kwargs):
        if data is not None:
            data = data.copy()
            if not data.get("date_from") and "date_from" not in data:
                data["date_from"] = default_activity_start()
        super().__init__(data, *args, **kwargs)
        self.filters["actor"].queryset = _people(viewer.partner_id)
        if access.has(viewer, Perm.VIEW_CUSTOMERS):
            self.filters["customer"].queryset = access.customers_for(viewer).order_by(
                "company_name", "pk"
            )
        else:  # entries about accounts concern no customer
            del self.filters["customer"]
        categories = set(access.activity_categories_for(viewer))
        self.filters["action"].extra["choices"] = [
            (a.value, a.label) for a in Action if a.category in categories
        ]

    @staticmethod
    def _start_of(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    def since(self, queryset, name, value):
        return queryset.filter(created_at__gte=self._start_of(value))

    def until(self, queryset, name, value):
        return queryset.filter(created_at__lt=self._start_of(value + timedelta(days=1)))

    def search(self, queryset, name, value):
        return queryset.filter(Q(target_label__icontains=value) | Q(actor_label__icontains=value))


TERM_WINDOWS = [("30", "Next 30 days"), ("60", "Next 60 days"), ("90", "Next 90 days")]


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def _ending_within(queryset, days: str, prefix: str = ""):
    today = timezone.localdate()
    return queryset.filter(
        **{
            f"{prefix}status__in": LIVE_STATUSES,
            f"{prefix}term_end__gte": today,
            f"{prefix}term_end__lte": today + timedelta(days=int(days)),
        }
    )


class PartnerFilterSet(django_filters.FilterSet):
    """Filters that need to know whose list it is (what "ours" means)."""

    def __init__(self, *args, partner_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id = partner_id


class CustomerFilterSet(PartnerFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Company, domain or tenant ID"}),
    )
    relationship = django_filters.ChoiceFilter(
        label="Relationship",
        method="with_relationship",
        empty_label="Any",
        choices=[
            ("active", "Active reseller relationship"),
            ("waiting", "Waiting on our relationship request"),
            ("delegated", "With delegated admin roles"),
            ("no_delegated", "Without delegated admin roles"),
            ("multi_partner", "Also works with other partners"),
        ],
    )
    other_channels = django_filters.ChoiceFilter(
        label="Other channels",
        method="with_other_channels",
        empty_label="Any",
        choices=[("yes", "Has subscriptions from other channels"), ("no", "Only ours")],
    )
    term_ends = django_filters.ChoiceFilter(
        label="A term ends", method="with_term_ending", empty_label="Any time", choices=TERM_WINDOWS
    )

    class Meta:
        model = Customer
        fields = []
        form = FastSelectForm

    def search(self, queryset, name, value):
        tenant = _uuid_or_none(value)
        if tenant is not None:
            return queryset.filter(tenant_id=tenant)
        return queryset.filter(
            Q(company_name__icontains=value) | Q(primary_domain__icontains=value.lower())
        )

    def with_relationship(self, queryset, name, value):
        ours = Relationship.objects.filter(
            partner_id=self.partner_id, status=RelationshipStatus.ACTIVE
        )
        if value == "active":
            return queryset.filter(pk__in=ours.values("customer_id"))
        if value == "waiting":  # visible without a relationship: a tenant our request added
            return queryset.exclude(pk__in=ours.values("customer_id"))
        if value == "delegated":
            return queryset.filter(
                pk__in=ours.filter(delegated_admin_until__gte=timezone.localdate()).values(
                    "customer_id"
                )
            )
        if value == "no_delegated":
            return queryset.exclude(
                pk__in=ours.filter(delegated_admin_until__gte=timezone.localdate()).values(
                    "customer_id"
                )
            )
        others = Relationship.objects.filter(status=RelationshipStatus.ACTIVE).exclude(
            partner_id=self.partner_id
        )
        return queryset.filter(pk__in=others.values("customer_id"))

    def with_other_channels(self, queryset, name, value):
        exists = other_channels_exist(self.partner_id)
        return queryset.filter(exists if value == "yes" else ~exists)

    def with_term_ending(self, queryset, name, value):
        return queryset.filter(
            pk__in=_ending_within(Subscription.objects, value).values("customer_id")
        )


class SubscriptionFilterSet(PartnerFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Offer, customer or subscription ID"}),
    )
    channel = django_filters.ChoiceFilter(
        label="Bought through", choices=Channel.choices, empty_label="Any channel"
    )
    billing_type = django_filters.ChoiceFilter(
        label="Billing", choices=BillingType.choices, empty_label="Any billing"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=SubscriptionStatus.choices, empty_label="Any status"
    )
    term = django_filters.ChoiceFilter(
        label="Term",
        method="with_term",
        empty_label="Any term",
        choices=[*Term.choices, ("long", "Annual or three years")],
    )
    holder = django_filters.ChoiceFilter(
        label="Held by",
        method="held",
        empty_label="Anyone",
        choices=[("us", "Us"), ("others", "Other partners and channels")],
    )
    term_ends = django_filters.ChoiceFilter(
        label="Term ends", method="with_term_ending", empty_label="Any time", choices=TERM_WINDOWS
    )

    class Meta:
        model = Subscription
        fields = []
        form = FastSelectForm

    def search(self, queryset, name, value):
        external = _uuid_or_none(value)
        if external is not None:
            return queryset.filter(external_id=external)
        return queryset.filter(
            Q(offer_name__icontains=value)
            | Q(offer_id__iexact=value)
            | Q(customer__company_name__icontains=value)
        )

    def with_term(self, queryset, name, value):
        if value == "long":
            return queryset.filter(term__in=[Term.ANNUAL, Term.TRIENNIAL])
        return queryset.filter(term=value)

    def held(self, queryset, name, value):
        ours = Q(channel=Channel.CSP, partner_of_record_id=self.partner_id)
        return queryset.filter(ours) if value == "us" else queryset.exclude(ours)

    def with_term_ending(self, queryset, name, value):
        return _ending_within(queryset, value)


class RequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Company, domain or contact"}),
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=RequestStatus.choices,
        method="with_status",
        empty_label="Any status",
    )
    created_by = PersonFilter(label="Created by")

    class Meta:
        model = RelationshipRequest
        fields = []
        form = FastSelectForm

    def __init__(self, *args, partner_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["created_by"].queryset = _people(partner_id)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(company_name__icontains=value)
            | Q(domain__icontains=value.lower())
            | Q(contact_email__icontains=value.lower())
        )

    def with_status(self, queryset, name, value):
        return queryset.filter(effective_status=value)


class SupportFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Title, number or customer"}),
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=SupportStatus.choices, empty_label="Any status"
    )
    severity = django_filters.ChoiceFilter(
        label="Severity", choices=Severity.choices, empty_label="Any severity"
    )
    assigned_to = PersonFilter(label="Assigned to")
    overdue = django_filters.BooleanFilter(
        label="Response overdue",
        method="with_overdue",
        widget=forms.Select(
            choices=[("", "Any"), ("true", "Overdue only"), ("false", "Not overdue")]
        ),
    )

    class Meta:
        model = SupportRequest
        fields = []
        form = FastSelectForm

    def __init__(self, *args, partner_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["assigned_to"].queryset = _people(partner_id)

    def search(self, queryset, name, value):
        value = value.strip().lstrip("#")
        if not value:
            return queryset
        by_text = Q(title__icontains=value) | Q(customer__company_name__icontains=value)
        if value.isascii() and value.isdigit():  # not "²", which isdigit() but int() refuses
            by_text |= Q(number=int(value))
        return queryset.filter(by_text)

    def with_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = SupportRequest.objects.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class StatusFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Customer or subscription"}),
    )

    def search(self, queryset, name, value):
        return queryset.filter(customer__company_name__icontains=value) | queryset.filter(
            **{self.search_field: value}
        )


class OnboardingFilterSet(StatusFilterSet):
    search_field = "source__offer_name__icontains"
    status = django_filters.ChoiceFilter(
        label="Status", choices=OnboardingStatus.choices, empty_label="Any status"
    )

    class Meta:
        model = AzureOnboarding
        fields = []
        form = FastSelectForm


class MoveFilterSet(StatusFilterSet):
    search_field = "subscription__offer_name__icontains"
    status = django_filters.ChoiceFilter(
        label="Status", choices=MoveStatus.choices, empty_label="Any status"
    )

    class Meta:
        model = PlannedMove
        fields = []
        form = FastSelectForm


class TransferFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Customer or partner"}),
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        # "Accepted" is only ever a moment: an accepted transfer completes at once.
        choices=[c for c in TransferStatus.choices if c[0] != TransferStatus.ACCEPTED],
        method="with_status",
        empty_label="Any status",
    )

    class Meta:
        model = TransferRequest
        fields = []
        form = FastSelectForm

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(customer__company_name__icontains=value)
            | Q(source_partner__name__icontains=value)
            | Q(target_partner__name__icontains=value)
        )

    def with_status(self, queryset, name, value):
        return queryset.filter(effective_status=value)
