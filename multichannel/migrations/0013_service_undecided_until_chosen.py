from django.db import migrations, models


def undecide_unchosen(apps, schema_editor):
    """Services of onboardings that have not passed step 3 were never chosen for: the old default
    ("cancel") is no choice of the user's, so they become undecided."""
    AzureService = apps.get_model("multichannel", "AzureService")
    AzureService.objects.filter(onboarding__status="in_progress", onboarding__reached__lt=4).update(
        disposition=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("multichannel", "0012_audit_no_truncate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="azureservice",
            name="disposition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("cancel", "Moves to us: cancel it on the old subscription"),
                    ("keep", "Stays: keep it on the old subscription"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.RunPython(undecide_unchosen, migrations.RunPython.noop),
    ]
