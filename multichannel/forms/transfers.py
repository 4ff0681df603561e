from django import forms

from multichannel.access.transfers import customers_to_ask_transfers_for
from multichannel.models import Partner, ProductType


class CustomerContactSelect(forms.Select):
    """Each customer's option carries its primary contact's email, so that choosing a customer
    fills in the contact to notify (static/js/portal.js, `data-contact-for`)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        customer = getattr(value, "instance", None)
        if customer is not None and customer.contact_email:
            option["attrs"]["data-contact-email"] = customer.contact_email
        return option


class TransferRequestForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=None,
        to_field_name="uuid",
        widget=CustomerContactSelect(attrs={"data-contact-for": "id_notify_email"}),
        empty_label="Choose a customer",
        help_text=(
            "Customers we have a reseller relationship with whose active Azure another partner "
            "holds, not already asked for."
        ),
    )
    source_partner = forms.ModelChoiceField(
        label="Partner that holds the subscriptions",
        queryset=None,
        to_field_name="uuid",
        empty_label="Choose the partner",
    )
    product_types = forms.MultipleChoiceField(
        label="What to transfer",
        choices=ProductType.choices,
        initial=[ProductType.AZURE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose what to transfer."},
    )
    notify_email = forms.EmailField(
        label="Customer contact to notify",
        max_length=254,
        help_text="Told when the transfer completes.",
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_to_ask_transfers_for(viewer).order_by(
            "company_name"
        )
        self.fields["source_partner"].queryset = Partner.objects.exclude(
            pk=viewer.partner_id
        ).filter(cloud=viewer.partner.cloud)


class AcceptTransferForm(forms.Form):
    subscriptions = forms.TypedMultipleChoiceField(
        label="Subscriptions that go",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one subscription, or decline the request."},
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subscriptions"].choices = [
            (
                item.subscription_id,
                f"{item.subscription.friendly_name or item.subscription.offer_name + ' (no name)'}"
                f" — subscription ID {item.subscription.external_id}",
            )
            for item in items
        ]
        self.fields["subscriptions"].initial = [item.subscription_id for item in items]


class DeclineTransferForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (told to the requesting partner)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
