"""Expire what has waited too long: relationship requests after 90 days, transfer requests after
30. Run it from cron or a scheduler (e.g. every 15 minutes); it is safe to run in several places
at once."""

from django.core.management.base import BaseCommand

from multichannel.services.relationships import expire_requests
from multichannel.services.transfers import expire_transfers


class Command(BaseCommand):
    help = "Mark pending relationship and transfer requests past their expiry as expired."

    def handle(self, *args, **options):
        count = expire_requests()
        self.stdout.write(f"{count} relationship request{'s' if count != 1 else ''} expired.")
        count = expire_transfers()
        self.stdout.write(f"{count} transfer request{'s' if count != 1 else ''} expired.")
