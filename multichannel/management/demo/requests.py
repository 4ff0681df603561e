"""Demo relationship requests in every status, made through the services as the demo users would."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from multichannel.management.demo.emails import emails_held_back
from multichannel.management.demo.partners import CONTOSO, FABRIKAM, PARTNERS, TAILSPIN
from multichannel.models import (
    Channel,
    Cloud,
    Customer,
    Partner,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    Subscription,
    User,
)
from multichannel.models.requests import INVITATION_LIFETIME
from multichannel.services.relationships import (
    Answer,
    accept_request,
    decline_request,
    default_email_text,
    expire_requests,
    request_relationship,
    revoke_request,
)

# --- Relationship requests -----------------------------------------------------------------

DEMO_BASE_URL = "http://127.0.0.1:8000"  # where `make run` serves the portal
OVERDUE = "overdue"  # pending, its 90 days over, the expiry command not run since
NEW_TENANT, FABRIKAM_CUSTOMER, OUR_CUSTOMER = "new", "fabrikam", "ours"
# The expiry command last ran this long ago: what expired before is marked expired, what expired
# since still reads pending in the table (and expired on every page).
EXPIRY_LAST_RAN = timedelta(days=7)


@dataclass(frozen=True)
class DemoRequest:
    """One demo invitation: who makes it, to whom, what it asks for, and what became of it."""

    by: str  # local part of the demo user who makes it
    outcome: str  # a RequestStatus value, or OVERDUE
    days_ago: int  # when it was made
    company: str = ""  # for a new tenant (an existing one is picked by `tenant`)
    domain: str = ""
    contact: str = ""  # the customer's admin, "First Last"; email first.last@domain
    roles: tuple[str, ...] = ()  # in the order of models.requests.DELEGATED_ADMIN_ROLES
    days: int | None = None
    sent: int = 0  # times emailed (set directly: the seed sends no email)
    tenant: str = NEW_TENANT
    revoked_by: str = ""  # local part of the demo user who revokes it

    def contact_email(self, domain: str) -> str:
        return f"{self.contact.replace(' ', '.')}@{domain}".lower()


PENDING, ACCEPTED = RequestStatus.PENDING, RequestStatus.ACCEPTED
DECLINED, REVOKED = RequestStatus.DECLINED, RequestStatus.REVOKED
DEMO_INVITATION = (CONTOSO, "litwareinc.onmicrosoft.com")  # its link is printed

DEMO_REQUESTS: dict[str, list[DemoRequest]] = {
    CONTOSO: [
        # Waiting for an answer.
        DemoRequest(
            "sales", PENDING, 2, "Litware Inc", "litwareinc.onmicrosoft.com", "Nadia Lindqvist",
            ("Helpdesk administrator", "License administrator", "User administrator"), 180,
            sent=1,
        ),
        DemoRequest(
            "sales", PENDING, 5, "Adatum Corporation", "adatumcorp.onmicrosoft.com",
            "Omar Castillo", sent=2,
        ),
        DemoRequest(
            "sales2", PENDING, 9, "Alpine Ski House", "alpineskihouse.onmicrosoft.com",
            "Sofia Eriksen", ("Global reader", "Service support administrator"), 90,
        ),
        DemoRequest(
            "lead", PENDING, 14, "Coho Winery", "cohowinery.onmicrosoft.com", "Marco Rossi",
            sent=1,
        ),
        DemoRequest(
            "sales2", PENDING, 21, "Proseware, Inc.", "prosewareinc.onmicrosoft.com",
            "Priya Kaur",
            ("Exchange administrator", "SharePoint administrator", "Teams administrator"), 365,
            sent=1,
        ),
        DemoRequest(
            "sales", PENDING, 33, "Lamna Healthcare Company", "lamnahealthcare.onmicrosoft.com",
            "Elena Varga", sent=2,
        ),
        # Accepted: a new tenant; a tenant Fabrikam already serves (now multi-partner); delegated
        # admin roles for a customer Contoso already resells to.
        DemoRequest(
            "sales", ACCEPTED, 26, "Relecloud", "relecloud.onmicrosoft.com", "Hugo Moreau",
            ("Helpdesk administrator", "License administrator", "User administrator"), 365,
            sent=1,
        ),
        DemoRequest("sales", ACCEPTED, 12, sent=1, tenant=FABRIKAM_CUSTOMER),
        DemoRequest(
            "lead", ACCEPTED, 4, roles=("Global reader", "Helpdesk administrator"), days=180,
            tenant=OUR_CUSTOMER,
        ),
        DemoRequest(
            "sales2", DECLINED, 40, "Wingtip Toys", "wingtiptoys.onmicrosoft.com", "Felix Okafor",
            ("Global reader",), 30, sent=1,
        ),
        # Expired: one marked so by the expiry command, one past its 90 days since it last ran.
        DemoRequest(
            "sales", RequestStatus.EXPIRED, 118, "Fourth Coffee", "fourthcoffee.onmicrosoft.com",
            "Grace Walsh", sent=2,
        ),
        DemoRequest(
            "sales2", OVERDUE, 93, "Trey Research", "treyresearch.onmicrosoft.com",
            "Kenji Tanaka", ("Directory readers",), 60, sent=1,
        ),
        DemoRequest(
            "sales", REVOKED, 45, "Tailwind Traders", "tailwindtraders.onmicrosoft.com",
            "Laila Haddad", sent=1, revoked_by="sales",
        ),
        DemoRequest(
            "lead", REVOKED, 30, "Woodgrove Bank", "woodgrovebank.onmicrosoft.com",
            "Victor Novak", ("Billing administrator",), 30, revoked_by="admin",
        ),
    ],
    FABRIKAM: [
        DemoRequest(
            "sales", PENDING, 3, "Graphic Design Institute",
            "graphicdesigninstitute.onmicrosoft.com", "Chloe Dubois",
            ("Global reader", "User administrator"), 120, sent=1,
        ),
        DemoRequest(
            "sales", PENDING, 8, "Margie's Travel", "margiestravel.onmicrosoft.com",
            "Liam Murphy", sent=1,
        ),
        DemoRequest(
            "sales", ACCEPTED, 17, "VanArsdel Ltd", "vanarsdel.onmicrosoft.com", "Isabel Jansen",
            sent=1,
        ),
    ],
    TAILSPIN: [
        # US Government partners always ask for delegated admin roles (rule 9).
        DemoRequest(
            "admin", PENDING, 6, "Millbrook County Clerk's Office",
            "millbrookcountyclerk.onmicrosoft.com", "Rosa Delgado",
            ("Directory readers", "Helpdesk administrator", "User administrator"), 365, sent=1,
        ),
    ],
}  # fmt: skip


def demo_tenant(spec: DemoRequest, partners: dict[str, Partner]) -> tuple[str, str, Answer]:
    """(company name, domain, who answers) for a demo request."""
    if spec.tenant == NEW_TENANT:
        return spec.company, spec.domain, Answer(spec.contact, spec.contact_email(spec.domain))
    contoso, fabrikam = partners[CONTOSO], partners[FABRIKAM]
    relationships = Relationship.objects.filter(
        customer=OuterRef("pk"), status=RelationshipStatus.ACTIVE
    )
    subscriptions = Subscription.objects.filter(customer=OuterRef("pk"))
    candidates = Customer.objects.filter(cloud=Cloud.COMMERCIAL).exclude(
        Exists(RelationshipRequest.objects.filter(customer=OuterRef("pk")))
    )
    if spec.tenant == FABRIKAM_CUSTOMER:
        # Served by Fabrikam, never by Contoso; live subscriptions bought outside CSP too.
        candidates = (
            candidates.filter(Exists(relationships.filter(partner=fabrikam)))
            .exclude(Exists(Relationship.objects.filter(customer=OuterRef("pk"), partner=contoso)))
            .exclude(Exists(subscriptions.filter(partner_of_record=contoso)))
            .filter(Exists(subscriptions.filter(partner_of_record=fabrikam)))
            .filter(Exists(subscriptions.live().exclude(channel=Channel.CSP)))
        )
    else:
        # Contoso's alone, a reseller relationship without delegated admin roles.
        candidates = candidates.filter(
            Exists(relationships.filter(partner=contoso, delegated_admin_roles=[]))
        ).exclude(Exists(Relationship.objects.filter(customer=OuterRef("pk"), partner=fabrikam)))
    customer = candidates.order_by("primary_domain").first()
    if customer is None:
        raise RuntimeError(f"No demo customer fits the {spec.tenant!r} request.")
    admin = Answer(customer.contact_name, customer.contact_email)
    return customer.company_name, customer.primary_domain, admin


def seed_requests(partners: dict[str, Partner]) -> RelationshipRequest | None:
    """Relationship requests in every state, made and answered through the services as the demo
    users and customers would (so the activity log tells the story), then moved back in time.
    A partner that already has any of its demo requests is left as it is. Returns the request
    whose link the seed prints."""
    now = timezone.now()
    users = {u.email: u for u in User.objects.filter(partner__in=partners.values())}
    overdue = False
    for spec_partner in PARTNERS:
        partner, plan = partners[spec_partner.partner_id], DEMO_REQUESTS[spec_partner.partner_id]
        domains = [spec.domain for spec in plan if spec.domain]
        if RelationshipRequest.objects.filter(partner=partner, domain__in=domains).exists():
            continue
        made = []
        with emails_held_back():
            for spec in sorted(plan, key=lambda spec: -spec.days_ago):
                company, domain, admin = demo_tenant(spec, partners)
                relationship_request = request_relationship(
                    by=users[f"{spec.by}@{spec_partner.domain}"],
                    company_name=company,
                    domain=domain,
                    contact_email=admin.email,
                    delegated_admin_roles=list(spec.roles),
                    delegated_admin_days=spec.days,
                    email_text=default_email_text(partner, company, list(spec.roles), spec.days),
                )
                if spec.outcome == ACCEPTED:
                    accept_request(token=relationship_request.token(), answer=admin)
                elif spec.outcome == DECLINED:
                    decline_request(token=relationship_request.token(), answer=admin)
                elif spec.outcome == REVOKED:
                    revoker = users[f"{spec.revoked_by}@{spec_partner.domain}"]
                    revoke_request(by=revoker, relationship_request=relationship_request)
                made.append((relationship_request.pk, spec))
        for pk, spec in made:
            created = now - timedelta(days=spec.days_ago)
            first_email = created + timedelta(minutes=12)
            RelationshipRequest.objects.filter(pk=pk).update(
                created_at=created,
                expires_at=created + INVITATION_LIFETIME,
                send_count=spec.sent,
                last_sent_at=(
                    None
                    if not spec.sent
                    else first_email + timedelta(days=spec.days_ago // 2 * (spec.sent - 1))
                ),
            )
            overdue = overdue or spec.outcome in (RequestStatus.EXPIRED, OVERDUE)
    if overdue:
        expire_requests(now - EXPIRY_LAST_RAN)
    partner_id, domain = DEMO_INVITATION
    return (
        RelationshipRequest.objects.filter(partner=partners[partner_id], domain=domain)
        .select_related("partner")
        .order_by("-created_at", "-id")
        .first()
    )
