from django import forms
from django_countries.fields import CountryField

from multichannel.models import Cloud, Partner, User
from multichannel.models.partners import partner_id_validator
from multichannel.services.partners import PARTNER_ID_TAKEN
from multichannel.services.users import EMAIL_TAKEN, AccessDelivery


class NewPartnerForm(forms.Form):
    """A platform operator's form in the Django admin: the partner, then its first Global admin."""

    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="The organisation's name, as its people know it.",
    )
    partner_id = forms.CharField(
        label="Partner ID",
        max_length=7,
        validators=[partner_id_validator],
        help_text="Its Microsoft partner ID: 6 or 7 digits.",
    )
    country = CountryField(blank_label="Choose a country").formfield()
    cloud = forms.ChoiceField(
        choices=Cloud.choices,
        initial=Cloud.COMMERCIAL,
        help_text="Its customers must be in the same cloud.",
    )
    admin_full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"class": "vTextField"})
    )
    admin_email = forms.EmailField(
        label="Work email",
        max_length=254,
        help_text="They sign in with this address.",
        widget=forms.EmailInput(attrs={"class": "vTextField"}),
    )
    delivery = forms.TypedChoiceField(
        label="First sign-in",
        coerce=AccessDelivery,
        choices=AccessDelivery.choices,
        initial=AccessDelivery.TEMPORARY_PASSWORD,
        widget=forms.RadioSelect,
        help_text="Either way they choose their own password when they first sign in.",
    )

    PARTNER_FIELDS = ["name", "partner_id", "country", "cloud"]
    ADMIN_FIELDS = ["admin_full_name", "admin_email", "delivery"]

    def clean_partner_id(self):
        partner_id = self.cleaned_data["partner_id"].strip()
        if Partner.objects.filter(partner_id=partner_id).exists():
            raise forms.ValidationError(PARTNER_ID_TAKEN)
        return partner_id

    def clean_admin_email(self):
        email = User.objects.normalize_email(self.cleaned_data["admin_email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email
