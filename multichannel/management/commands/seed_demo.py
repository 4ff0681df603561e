"""Demo data: partners, users for every role, customers with reseller relationships and
subscriptions from every channel, and a superuser. Safe to run again and again: what exists is
left as it is, what is missing is added.

Customers are planned in memory first, from `random.Random(2026)`, so every run plans the same
tenants (domains, tenant IDs, subscription IDs, who holds what, every status) whatever the day;
only dates move with the day the seed runs, each drawn as days before or after it (a live term's
end, so which terms end within 30, 60 or 90 days is the same every day). Rows
are then written in bulk, skipping customers whose domain, relationships whose partner and
customer, and subscriptions whose customer and subscription ID are already there.

Each area's demo data is planned and made in `multichannel/management/demo/`: partners and
their teams, customers, relationship requests, moves, transfers and support requests."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from multichannel.management.demo.customers import (
    customer_counts,
    grant_customer_access,
    seed_customers,
)
from multichannel.management.demo.emails import emails_held_back
from multichannel.management.demo.mfa import REQUIRES_MFA, seed_mfa, seed_operator_authenticator
from multichannel.management.demo.moves import moves_summary, seed_moves
from multichannel.management.demo.partners import DEMO_PASSWORD, PARTNERS, SUPERUSER_EMAIL, TEAMS
from multichannel.management.demo.requests import DEMO_BASE_URL, seed_requests
from multichannel.management.demo.support import seed_support, support_summary
from multichannel.management.demo.transfers import seed_transfers, transfers_summary
from multichannel.models import (
    Action,
    Partner,
    RelationshipRequest,
    RequestStatus,
    User,
)
from multichannel.roles import Role
from multichannel.services.audit import record
from multichannel.services.partners import sync_role_groups
from multichannel.services.users import RoleGroupLookup


class Command(BaseCommand):
    help = (
        "Load demo partners, users, customers and subscriptions (idempotent). "
        "Prints the demo sign-ins."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rows = []
        partners: dict[str, Partner] = {}
        for spec in PARTNERS:
            partner, _ = Partner.objects.get_or_create(
                partner_id=spec.partner_id,
                defaults={
                    "name": spec.name,
                    "country": spec.country,
                    "cloud": spec.cloud,
                    "require_mfa": REQUIRES_MFA[spec.partner_id],
                },
            )
            partners[spec.partner_id] = partner
            sync_role_groups(partner)
            groups = RoleGroupLookup(partner)
            for local, full_name, roles in TEAMS[spec.partner_id]:
                email = f"{local}@{spec.domain}"
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email=email, password=DEMO_PASSWORD, full_name=full_name, partner=partner
                    )
                    user.groups.set(groups.groups(roles))
                    record(
                        Action.USER_CREATED,
                        partner=partner,
                        actor_label="Demo data",
                        target=user,
                        new={"email": email, "roles": [r.label for r in Role if r in roles]},
                    )
                rows.append((partner.name, email, ", ".join(r.label for r in Role if r in roles)))
        if not User.objects.filter(email=SUPERUSER_EMAIL).exists():
            User.objects.create_superuser(
                email=SUPERUSER_EMAIL, password=DEMO_PASSWORD, full_name="Platform Operator"
            )
        operator_key = seed_operator_authenticator(User.objects.get(email=SUPERUSER_EMAIL))
        totp_keys = seed_mfa(partners)
        seed_customers(partners, timezone.localdate())
        grant_customer_access(partners.values())
        demo_request = seed_requests(partners)
        skipped = seed_moves(partners)
        skipped += seed_transfers(partners)
        with emails_held_back():
            skipped += seed_support(partners)

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"Every demo user's password: {DEMO_PASSWORD}\n")
        width = max(len(email) for _, email, _ in rows)
        for partner_name, email, roles in rows:
            self.stdout.write(f"  {email:<{width}}  {roles:<36} {partner_name}")
        self.stdout.write("")
        self._write_mfa(partners, totp_keys, width)
        for partner in partners.values():
            customers, subscriptions = customer_counts(partner)
            self.stdout.write(
                f"  {partner.name}: {customers} customers, {subscriptions} subscriptions"
            )
        self.stdout.write("")
        for partner in partners.values():
            statuses = Counter(
                RelationshipRequest.objects.filter(partner=partner)
                .with_effective_status()
                .values_list("effective_status", flat=True)
            )
            summary = ", ".join(
                f"{statuses[s]} {s.label.lower()}" for s in RequestStatus if s in statuses
            )
            self.stdout.write(f"  {partner.name} relationship requests: {summary or 'none'}")
        self.stdout.write("")
        for partner in partners.values():
            self.stdout.write(f"  {partner.name} moves: {moves_summary(partner)}")
        self.stdout.write("")
        for partner in partners.values():
            self.stdout.write(f"  {partner.name} transfers: {transfers_summary(partner)}")
        self.stdout.write("")
        for partner in partners.values():
            self.stdout.write(f"  {partner.name} support requests: {support_summary(partner)}")
        for reason in skipped:
            self.stdout.write(self.style.WARNING(f"  Demo data skipped: {reason}"))
        self.stdout.write(
            f"\n  Django admin (/admin/): {SUPERUSER_EMAIL}, authenticator app key {operator_key}"
        )
        if demo_request is not None and demo_request.current_status() == RequestStatus.PENDING:
            self.stdout.write(
                f"\n  Demo invitation link ({demo_request.partner.name} → "
                f"{demo_request.company_name}), to open signed out or in a private window:\n"
                f"  {demo_request.get_invitation_url(DEMO_BASE_URL)}"
            )

    def _write_mfa(self, partners, totp_keys, width) -> None:
        """Who signs in with a second factor, and the authenticator keys of those who have one."""
        for partner in partners.values():
            partner.refresh_from_db(fields=["require_mfa"])
            state = "required" if partner.require_mfa else "not required"
            self.stdout.write(f"  {partner.name}: multi-factor sign-in {state}")
        if totp_keys:
            self.stdout.write(
                "  Authenticator keys (add to any authenticator app, or "
                "`oathtool --totp -b <key>`):"
            )
            for email, key in totp_keys:
                self.stdout.write(f"  {email:<{width}}  {key}")
        self.stdout.write("")
