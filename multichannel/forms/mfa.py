from django import forms


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(
                "Enter the 6 digits your authenticator app shows, without letters."
            )
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="One of the codes you saved when you set up your authenticator app, "
        "e.g. abcd-efgh-jkmn. Each works once.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}
        ),
        error_messages={"required": "Enter one of your recovery codes."},
    )


class MfaRequirementForm(forms.Form):
    require_mfa = forms.TypedChoiceField(
        label="Multi-factor sign-in",
        choices=[
            (
                "yes",
                "Required: every user enters a code from an authenticator app after their "
                "password; a user without one sets it up at their next sign-in",
            ),
            ("no", "Not required: each user chooses whether to use an authenticator app"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether multi-factor sign-in is required."},
    )
