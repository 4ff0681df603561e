from django import forms

from multichannel import access
from multichannel.models import User
from multichannel.roles import ROLE_DESCRIPTIONS, Role
from multichannel.services.users import EMAIL_TAKEN, AccessDelivery, edit_version


class UserForm(forms.Form):
    """Name, email and roles; on creation also how the new user gets their first password."""

    full_name = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        help_text="The user signs in with this address.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    roles = forms.TypedMultipleChoiceField(
        coerce=Role,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Give the user at least one role."},
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)  # see edit_version
    delivery = forms.TypedChoiceField(
        label="First sign-in",
        coerce=AccessDelivery,
        choices=AccessDelivery.choices,
        initial=AccessDelivery.TEMPORARY_PASSWORD,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, actor, target: User | None = None, **kwargs):
        self.actor, self.target = actor, target
        if target is not None:
            current = {
                "full_name": target.full_name,
                "email": target.email,
                "roles": [role.value for role in Role if role in target.roles],
                "seen": edit_version(target),
            }
            kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        grantable = access.grantable_roles(actor)
        self.fields["roles"].choices = [
            (role.value, f"{role.label} — {ROLE_DESCRIPTIONS[role]}") for role in grantable
        ]
        if Role.GLOBAL_ADMIN not in grantable:
            self.fields["roles"].help_text = "Only a Global admin can grant the Global admin role."
        if target is not None:
            del self.fields["delivery"]
        else:
            del self.fields["seen"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        taken = User.objects.filter(email__iexact=email)
        if self.target is not None:
            taken = taken.exclude(pk=self.target.pk)
        if taken.exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


class PasswordResetForm(forms.Form):
    delivery = forms.TypedChoiceField(
        label="How should they get a new password?",
        coerce=AccessDelivery,
        choices=AccessDelivery.choices,
        initial=AccessDelivery.TEMPORARY_PASSWORD,
        widget=forms.RadioSelect,
    )
