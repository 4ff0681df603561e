"""Give a platform operator an authenticator app for the Django admin's sign-in, which asks for
a code after the password. Prints the app's key and its otpauth:// link (for any authenticator
app, or `oathtool --totp -b KEY`). An operator who already has one keeps it unless `--replace`
is given; an operator is never shown an existing key again."""

from base64 import b32encode
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import operators
from multichannel.models import User


class Command(BaseCommand):
    help = "Set up an authenticator app for a platform operator's admin sign-in; print its key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The operator's email address.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace the operator's current app."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            user = (
                User.objects.select_for_update(no_key=True)
                .filter(email__iexact=options["email"])
                .first()
            )
            if user is None or not operators.is_operator(user):
                raise CommandError(
                    f"{options['email']} is no platform operator (an active staff user without "
                    "a partner)."
                )
            devices = TOTPDevice.objects.filter(user=user)
            if devices.filter(confirmed=True).exists() and not options["replace"]:
                raise CommandError(
                    f"{user.email} already has an authenticator app; add --replace to replace it."
                )
            devices.delete()
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        key = b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"Authenticator app set up for {user.email}.")
        self.stdout.write(f"Key: {key}")
        self.stdout.write(f"Link: {device.config_url}")
        self.stdout.write(
            "Add it to an authenticator app, then sign in to the admin with the code it shows."
        )
