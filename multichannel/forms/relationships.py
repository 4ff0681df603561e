from typing import Any

from django import forms
from django.core.validators import DomainNameValidator

from multichannel.models.requests import DELEGATED_ADMIN_ROLES
from multichannel.services.relationships import in_tenant


class RequestCustomerForm(forms.Form):
    """Step 1: which customer tenant. Its domain decides: a tenant already in the portal is
    invited as it is; a new one is added to the portal."""

    company_name = forms.CharField(max_length=200, label="Company name")
    domain = forms.CharField(
        max_length=253,
        label="Primary domain",
        help_text="The customer's tenant domain, for example contoso.onmicrosoft.com.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_email = forms.EmailField(
        label="Send the invitation to",
        max_length=254,
        help_text="A Global admin of the customer's tenant.",
    )

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lower().rstrip(".")
        DomainNameValidator(accept_idna=False, message="Enter a domain such as contoso.com.")(
            domain
        )
        return domain

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        domain, email = cleaned.get("domain"), cleaned.get("contact_email")
        if domain and email and not in_tenant(email, domain):
            self.add_error(
                "contact_email",
                f"Send it to an address in {domain}: the customer's admin accepts with an "
                "email in the tenant's domain.",
            )
        return cleaned


class RequestRolesForm(forms.Form):
    """Step 2: delegated admin roles (GDAP), for 1 to 730 days."""

    include = forms.BooleanField(required=False, label="Ask for delegated admin roles as well")
    roles = forms.MultipleChoiceField(
        required=False,
        label="Delegated admin roles",
        choices=[(role, role) for role in DELEGATED_ADMIN_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.IntegerField(
        required=False,
        label="For how many days after the customer accepts",
        min_value=1,
        max_value=730,
        initial=365,
        help_text="From 1 to 730 days; there is no permanent delegated access.",
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        if required:
            self.fields["include"].initial = True
            self.fields["include"].disabled = True
            self.fields[
                "include"
            ].help_text = "US Government partners always include delegated admin roles."

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        include = self.required or cleaned.get("include")
        if include:
            if not cleaned.get("roles"):
                self.add_error("roles", "Choose at least one role.")
            if not cleaned.get("days") and "days" not in self.errors:
                self.add_error("days", "Say for how many days (1 to 730).")
        elif cleaned.get("roles"):  # roles chosen, but not asked for: say so, drop nothing
            self.add_error(
                "include", "Tick this to ask for the roles you chose, or clear their boxes."
            )
        else:
            cleaned["roles"], cleaned["days"] = [], None
        return cleaned


class RequestEmailForm(forms.Form):
    """Step 3: the email text. The link is added below it and cannot be edited."""

    email_text = forms.CharField(
        label="Email text",
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=5000,
        help_text="The invitation link and what the customer grants are added below this text.",
    )


class AnswerForm(forms.Form):
    """The customer's answer to an invitation, on its public page."""

    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(label="Your work email", max_length=254)
    agree = forms.BooleanField(
        required=False,
        label=(
            "I have read and accept the Microsoft Customer Agreement on behalf of my organisation"
        ),
    )
