"""List filters (django-filter). Each list view narrows its queryset through `access` first."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from multichannel import access
from multichannel.models import Action, AuditEntry, User
from multichannel.roles import Role

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

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value))

    def with_role(self, queryset, name, value):
        return queryset.filter(groups__role_group__role=value)

    def with_status(self, queryset, name, value):
        return queryset.filter(is_active=(value == "active"))


class ActivityFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
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
    actor = django_filters.ModelChoiceFilter(
        label="User", queryset=User.objects.none(), empty_label="Anyone", to_field_name="uuid"
    )
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
        self.filters["actor"].queryset = User.objects.filter(partner_id=viewer.partner_id)
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
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(target_label__icontains=value) | Q(actor_label__icontains=value))
