"""Send the reminders of planned moves whose day has come (run daily by cron or a scheduler)."""

from django.core.management.base import BaseCommand

from multichannel.services.moves import send_reminders


class Command(BaseCommand):
    help = "Mark planned moves due and email the people who planned them."

    def handle(self, *args, **options):
        count = send_reminders()
        self.stdout.write(f"{count} planned move{'s' if count != 1 else ''} now due.")
