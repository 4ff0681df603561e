"""Demo data: partners, users for every role, a superuser. Safe to run again and again."""

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction

from multichannel.models import Action, Cloud, Partner, User
from multichannel.roles import Role
from multichannel.services.audit import record
from multichannel.services.partners import sync_role_groups
from multichannel.services.users import RoleGroupLookup

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 — printed on screen on purpose


@dataclass(frozen=True)
class DemoPartner:
    partner_id: str
    name: str
    country: str
    cloud: Cloud
    domain: str


PARTNERS = [
    DemoPartner(
        "4100123", "Contoso Cloud Solutions", "US", Cloud.COMMERCIAL, "contoso-partner.example"
    ),
    DemoPartner("5200456", "Fabrikam Partners", "GB", Cloud.COMMERCIAL, "fabrikam-partner.example"),
    DemoPartner(
        "6300789", "Tailspin Government Services", "US", Cloud.US_GOVERNMENT, "tailspin-gov.example"
    ),
]

GA, UMA, SA = Role.GLOBAL_ADMIN, Role.USER_MANAGEMENT_ADMIN, Role.SALES_AGENT

# (local part, full name, roles) per partner; the first partner has a fuller team.
TEAMS = {
    "4100123": [
        ("admin", "Avery Adams", {GA}),
        ("admin2", "Blake Brennan", {GA}),
        ("usermgr", "Casey Carter", {UMA}),
        ("sales", "Dana Diaz", {SA}),
        ("sales2", "Eli Evans", {SA}),
        ("lead", "Frankie Foster", {UMA, SA}),
    ],
    "5200456": [
        ("admin", "Georgia Grant", {GA}),
        ("usermgr", "Harper Hughes", {UMA}),
        ("sales", "Indigo Irving", {SA}),
    ],
    "6300789": [
        ("admin", "Jordan James", {GA}),
        ("sales", "Kai Kennedy", {SA}),
    ],
}

SUPERUSER_EMAIL = "operator@portal.example"


class Command(BaseCommand):
    help = "Load demo partners and users (idempotent). Prints the demo sign-ins."

    @transaction.atomic
    def handle(self, *args, **options):
        rows = []
        for spec in PARTNERS:
            partner, _ = Partner.objects.get_or_create(
                partner_id=spec.partner_id,
                defaults={"name": spec.name, "country": spec.country, "cloud": spec.cloud},
            )
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

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"Every demo user's password: {DEMO_PASSWORD}\n")
        width = max(len(email) for _, email, _ in rows)
        for partner_name, email, roles in rows:
            self.stdout.write(f"  {email:<{width}}  {roles:<36} {partner_name}")
        self.stdout.write(f"\n  Django admin (/admin/): {SUPERUSER_EMAIL}")
