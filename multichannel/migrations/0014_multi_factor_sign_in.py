"""Multi-factor sign-in: the partner's requirement, recovery codes (hashed), and a counter that
ends a user's sessions when an admin resets their second factor.

Partners that exist when this runs keep signing in as before (require_mfa False) until a
Global admin turns it on; partners created afterwards require it (the field's default)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("multichannel", "0013_service_undecided_until_chosen"),
    ]

    operations = [
        # Existing rows get False ...
        migrations.AddField(
            model_name="partner",
            name="require_mfa",
            field=models.BooleanField(
                default=False,
                help_text="Every user signs in with an authenticator app code after the password.",
                verbose_name="require multi-factor sign-in",
            ),
        ),
        # ... new ones True.
        migrations.AlterField(
            model_name="partner",
            name="require_mfa",
            field=models.BooleanField(
                default=True,
                help_text="Every user signs in with an authenticator app code after the password.",
                verbose_name="require multi-factor sign-in",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="session_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("auth.signed_in", "Signed in"),
                    ("auth.sign_in_failed", "Sign-in failed"),
                    ("auth.sign_in_locked", "Sign-in refused: locked out"),
                    ("auth.signed_out", "Signed out"),
                    ("auth.session_expired", "Session ended (12-hour limit)"),
                    ("auth.password_changed", "Changed own password"),
                    ("auth.password_reset_requested", "Asked for a password reset"),
                    ("auth.password_set_from_link", "Set password from emailed link"),
                    ("auth.mfa_enrolled", "Authenticator app added"),
                    ("auth.mfa_removed", "Authenticator app removed"),
                    ("auth.recovery_codes_generated", "Recovery codes generated"),
                    ("auth.recovery_code_used", "Signed in with a recovery code"),
                    ("auth.mfa_failed", "Second sign-in step failed"),
                    ("partners.created", "Partner created with its first Global admin"),
                    ("partners.mfa_policy_changed", "Multi-factor sign-in requirement changed"),
                    ("users.created", "User created"),
                    ("users.updated", "User details changed"),
                    ("users.roles_changed", "Roles changed"),
                    ("users.deactivated", "User deactivated"),
                    ("users.reactivated", "User reactivated"),
                    ("users.password_reset", "Password reset by an admin"),
                    ("users.mfa_reset", "Multi-factor sign-in reset by an admin"),
                    ("customers.created", "Customer added"),
                    ("relationships.removed", "Reseller relationship removed"),
                    ("relationships.request_created", "Relationship request created"),
                    ("relationships.request_sent", "Relationship request emailed"),
                    ("relationships.request_revoked", "Relationship request revoked"),
                    ("relationships.request_expired", "Relationship request expired"),
                    ("relationships.request_accepted", "Relationship request accepted"),
                    ("relationships.request_declined", "Relationship request declined"),
                    ("subscriptions.entered", "Subscription entered by hand"),
                    ("subscriptions.seats_changed", "Seats changed"),
                    ("subscriptions.auto_renew_changed", "Auto-renew changed"),
                    ("subscriptions.suspended", "Subscription suspended"),
                    ("subscriptions.reactivated", "Subscription reactivated"),
                    ("subscriptions.cancelled", "Subscription cancelled"),
                    ("onboarding.started", "Azure onboarding started"),
                    ("onboarding.source_confirmed", "Existing subscription confirmed"),
                    ("onboarding.subscription_created", "Azure subscription created under us"),
                    ("onboarding.services_recorded", "Services to move recorded"),
                    ("onboarding.finished", "Azure onboarding finished"),
                    ("moves.planned", "Move planned for the term end"),
                    ("moves.updated", "Planned move checklist updated"),
                    ("moves.due", "Planned move due: reminder sent"),
                    ("moves.done", "Planned move done"),
                    ("moves.cancelled", "Planned move cancelled"),
                    ("transfers.created", "Transfer request created"),
                    ("transfers.accepted", "Transfer request accepted"),
                    ("transfers.completed", "Transfer completed"),
                    ("transfers.declined", "Transfer request declined"),
                    ("transfers.cancelled", "Transfer request cancelled"),
                    ("transfers.expired", "Transfer request expired"),
                    ("support.filed", "Support request filed"),
                    ("support.note_added", "Note added to a support request"),
                    ("support.status_changed", "Support request status changed"),
                    ("support.assigned", "Support request assigned"),
                    ("activity.exported", "Activity log exported"),
                ],
                max_length=64,
            ),
        ),
        migrations.CreateModel(
            name="RecoveryCodeDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery code set",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="multichannel.recoverycodedevice",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("device", "digest"), name="recovery_code_unique"
                    )
                ],
            },
        ),
    ]
