"""Expire what has waited too long: relationship requests after 90 days. Run it from cron or a
scheduler (e.g. every 15 minutes); it is safe to run in several places at once."""

from django.core.management.base import BaseCommand

from multichannel.services.relationships import expire_requests


class Command(BaseCommand):
    help = "Mark pending relationship requests past their expiry as expired."

    def handle(self, *args, **options):
        count = expire_requests()
        self.stdout.write(f"{count} relationship request{'s' if count != 1 else ''} expired.")
