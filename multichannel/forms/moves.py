from django import forms

from multichannel.access import ONBOARDING_CHANNELS
from multichannel.models import Channel, ServiceDisposition


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class EnteredSourceForm(forms.Form):
    """Step 1 when the existing Azure subscription is not in the portal yet."""

    external_id = forms.UUIDField(
        label="Subscription ID",
        help_text="The GUID of the existing Azure subscription (Azure portal → Subscriptions).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    channel = forms.ChoiceField(
        label="Bought through",
        choices=[("", "Choose where it was bought")]
        + [(c.value, c.label) for c in Channel if c in ONBOARDING_CHANNELS],
    )
    offer_name = forms.CharField(max_length=200, label="Offer", initial="Azure plan")
    offer_id = forms.CharField(max_length=100, label="Offer ID", initial="MS-AZR-0017P")
    services = forms.CharField(
        label="Services and resources it runs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line, e.g. “Web app: contoso-shop” or “SQL database: orders”. You can "
        "change the list later.",
    )

    def clean_services(self):
        return _lines(self.cleaned_data["services"])


class ConfirmSourceForm(forms.Form):
    services = forms.CharField(
        label="Services and resources it runs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line. They become the list of step 3, where you say what moves.",
    )

    def clean_services(self):
        return _lines(self.cleaned_data["services"])


class NewSubscriptionForm(forms.Form):
    friendly_name = forms.CharField(
        max_length=100,
        label="Name of the new Azure subscription",
        help_text="How the customer will recognise it, e.g. “Contoso production”.",
    )


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label="Service or resource")
    # No choice is made for the user: cancelling a service is theirs to choose, row by row.
    disposition = forms.ChoiceField(
        choices=ServiceDisposition.choices,
        required=False,
        label="What happens to it",
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean() or {}
        named = cleaned.get("name", "").strip()
        # Left out when the choice was already refused ("Select a valid choice.").
        if named and not cleaned.get("disposition") and "disposition" not in self.errors:
            self.add_error(
                "disposition",
                "Choose whether it moves to us (cancelled on the old subscription) or stays.",
            )
        return cleaned


class BaseServiceFormSet(forms.BaseFormSet):
    row_label = "Service"  # "Service 2, What happens to it: ..." in the error summary


ServiceFormSet = forms.formset_factory(
    ServiceForm, formset=BaseServiceFormSet, extra=0, max_num=200, absolute_max=200
)


class FinishForm(forms.Form):
    cancel_source = forms.BooleanField(
        required=False,
        label="Also cancel the whole old subscription",
        help_text="Only when nothing is kept on it: it is then marked cancelled here.",
    )


class PlanMoveForm(forms.Form):
    remind_days_before = forms.IntegerField(
        label="Remind me this many days before the term end",
        min_value=1,
        max_value=180,
        initial=30,
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ChecklistForm(forms.Form):
    same_offer_and_seats = forms.BooleanField(
        required=False, label="The same offer and seat count is ready to buy under us"
    )
    auto_renew_off = forms.BooleanField(
        required=False, label="The customer turned off auto-renew with its current seller"
    )
    bought_under_us = forms.BooleanField(
        required=False, label="Bought under us within 30 days of the term end"
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    seen = forms.CharField(required=False, widget=forms.HiddenInput)  # see checklist_version
