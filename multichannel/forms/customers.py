import re

from django import forms
from django.core.validators import DomainNameValidator
from django_countries.fields import CountryField

from multichannel.models import (
    BillingType,
    Channel,
    Partner,
    Subscription,
    SubscriptionStatus,
    Term,
)

_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


class CustomerForm(forms.Form):
    company_name = forms.CharField(max_length=200, label="Company name")
    primary_domain = forms.CharField(
        max_length=253,
        label="Primary domain",
        help_text="The tenant's domain, for example contoso.onmicrosoft.com.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-domain-from": "company_name"}
        ),
    )
    tenant_id = forms.UUIDField(
        label="Tenant ID",
        required=False,
        help_text="Leave empty to create a new tenant ID.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    country = CountryField(blank_label="Choose a country").formfield()
    contact_name = forms.CharField(max_length=150, label="Primary contact name")
    contact_email = forms.EmailField(label="Primary contact email", max_length=254)
    contact_phone = forms.CharField(
        max_length=40, required=False, label="Primary contact phone", help_text="Optional."
    )

    def clean_primary_domain(self):
        domain = self.cleaned_data["primary_domain"].strip().lower().rstrip(".")
        DomainNameValidator(accept_idna=False, message="Enter a domain such as contoso.com.")(
            domain
        )
        return domain

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError("Enter a phone number such as +1 425 555 0100.")
        return phone


def suggested_domain(company_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "", company_name.lower())[:27]
    return f"{slug}.onmicrosoft.com" if slug else ""


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SubscriptionForm(forms.ModelForm):
    """A subscription the customer bought elsewhere, entered by hand."""

    class Meta:
        model = Subscription
        fields = [
            "channel",
            "partner_of_record",
            "billing_type",
            "offer_name",
            "offer_id",
            "external_id",
            "quantity",
            "term",
            "term_start",
            "term_end",
            "auto_renew",
            "status",
            "commerce_type",
        ]
        labels = {
            "channel": "Bought through",
            "partner_of_record": "CSP partner that holds it",
            "external_id": "Subscription ID",
            "offer_id": "Offer ID",
            "quantity": "Seats",
            "term_start": "Term start (purchase or last renewal)",
            "term_end": "Term end",
        }
        help_texts = {
            "external_id": "The GUID shown for it in the admin center or on the invoice.",
            "quantity": "License-based subscriptions only.",
            "partner_of_record": "Only when it was bought from another CSP partner.",
        }
        widgets = {
            "term_start": DATE,
            "term_end": DATE,
            "external_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "channel": forms.Select(attrs={"data-controls": "channel"}),
            "billing_type": forms.Select(attrs={"data-controls": "billing"}),
        }

    def __init__(self, *args, customer, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.fields["partner_of_record"].queryset = Partner.objects.exclude(pk=partner.pk).filter(
            cloud=partner.cloud
        )
        self.fields["partner_of_record"].empty_label = "—"
        self.fields["status"].choices = SubscriptionStatus.choices
        self.fields["channel"].choices = [("", "Choose where it was bought"), *Channel.choices]
        self.fields["billing_type"].choices = BillingType.choices
        self.fields["billing_type"].initial = BillingType.LICENSE
        self.fields["term"].choices = [("", "Choose the term"), *Term.choices]
        self.fields["term"].required = False
        for name in ("partner_of_record",):
            self.fields[name].widget.attrs["data-show-when"] = f"channel={Channel.CSP}"
        for name in ("quantity", "term", "term_start", "term_end", "auto_renew"):
            self.fields[name].widget.attrs["data-show-when"] = f"billing={BillingType.LICENSE}"

    def clean(self):
        cleaned = super().clean()
        # Fields that do not apply are hidden in the browser; whatever they held is dropped.
        if cleaned.get("billing_type") == BillingType.USAGE:
            cleaned.update(quantity=None, term="", term_start=None, term_end=None, auto_renew=False)
        if cleaned.get("channel") != Channel.CSP:
            cleaned["partner_of_record"] = None
        return cleaned

    def clean_external_id(self):
        external_id = self.cleaned_data["external_id"]
        customer = self.instance.customer
        if Subscription.objects.filter(customer=customer, external_id=external_id).exists():
            raise forms.ValidationError("This customer already has a subscription with this ID.")
        return external_id


class SeatsForm(forms.Form):
    quantity = forms.IntegerField(label="Seats", min_value=1, max_value=1_000_000)
    # The number the user saw when confirming (set by the confirmation step).
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AutoRenewForm(forms.Form):
    """What the page asked to do, not a toggle: a second submit does not undo the first."""

    turn = forms.ChoiceField(choices=[("on", "on"), ("off", "off")], widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """An empty form: POSTing it confirms the action the page describes."""
