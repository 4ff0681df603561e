import uuid

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from multichannel import access
from multichannel.models import Severity, Subscription, SupportStatus, Topic
from multichannel.models.support import RESPONSE_TARGETS
from multichannel.services.support import ALLOWED_ATTACHMENTS, MAX_FILES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ",".join(sorted(ALLOWED_ATTACHMENTS))}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachments_help() -> str:
    kinds = ", ".join(sorted(e.lstrip(".").upper() for e in ALLOWED_ATTACHMENTS))
    size = filesizeformat(settings.PORTAL_ATTACHMENT_MAX_BYTES)
    return f"Optional: up to {MAX_FILES} files ({kinds}), {size} each."


def _severity_choices():
    hours = {s: int(RESPONSE_TARGETS[s].total_seconds() // 3600) for s in Severity}
    return [(s.value, f"{s.label} (first response within {hours[s]} hours)") for s in Severity]


class SupportRequestForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=None, to_field_name="uuid", empty_label="Choose a customer"
    )
    subscription = forms.ModelChoiceField(
        queryset=Subscription.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="None in particular",
        help_text="Optional.",
    )
    topic = forms.ChoiceField(choices=[("", "Choose a topic"), *Topic.choices])
    severity = forms.ChoiceField(
        choices=_severity_choices, widget=forms.RadioSelect, initial=Severity.C
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000)
    contact_name = forms.CharField(max_length=150, label="Contact name")
    contact_email = forms.EmailField(label="Contact email", max_length=254)
    contact_phone = forms.CharField(max_length=40, required=False, label="Contact phone")
    attachments = MultipleFileField(required=False, help_text=_attachments_help)

    def __init__(self, *args, viewer, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Support is for customers we work for: an active reseller relationship, not a pending
        # request (it may never be accepted).
        self.fields["customer"].queryset = access.managed_customers_for(viewer).order_by(
            "company_name"
        )
        self.fields["customer"].help_text = (
            "Customers we have an active reseller relationship with. One that has not accepted "
            "our relationship request yet cannot have support requests filed for it."
        )
        self.fields["attachments"].help_text = _attachments_help()
        chosen = customer
        if self.is_bound:
            value = self.data.get("customer")
            chosen = (
                self.fields["customer"].queryset.filter(uuid=value).first()
                if _uuid(value)
                else None
            )
        if chosen is not None:
            self.fields["subscription"].queryset = (
                access.subscriptions_for(viewer).filter(customer=chosen).order_by("offer_name")
            )
        else:
            del self.fields["subscription"]


def _uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Add a note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    attachments = MultipleFileField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=None,
        to_field_name="uuid",
        required=False,
        empty_label="Nobody",
        label="Assigned to",
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.support_assignees(viewer)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SupportStatus.choices)
