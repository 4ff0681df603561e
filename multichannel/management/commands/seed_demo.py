"""Demo data: partners, users for every role, customers with reseller relationships and
subscriptions from every channel, and a superuser. Safe to run again and again: what exists is
left as it is, what is missing is added.

Customers are planned in memory first, from `random.Random(2026)`, so every run plans the same
tenants (domains, tenant IDs, subscription IDs, who holds what, every status) whatever the day;
only dates move with the day the seed runs, each drawn as days before or after it (a live term's
end, so which terms end within 30, 60 or 90 days is the same every day). Rows
are then written in bulk, skipping customers whose domain, relationships whose partner and
customer, and subscriptions whose customer and subscription ID are already there.
"""

import random
import re
import uuid
from calendar import monthrange
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from multichannel import access, notifications
from multichannel.access import ONBOARDING_CHANNELS
from multichannel.management.demo.support import seed_support, support_summary
from multichannel.models import (
    Action,
    AzureOnboarding,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    MoveStatus,
    OnboardingStatus,
    OnboardingStep,
    Partner,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    ServiceDisposition,
    Source,
    Subscription,
    SubscriptionStatus,
    Term,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.moves import OPEN_MOVE_STATUSES
from multichannel.models.requests import INVITATION_LIFETIME
from multichannel.models.subscriptions import CANCELLATION_WINDOW
from multichannel.models.transfers import TRANSFER_LIFETIME
from multichannel.roles import Role
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.moves import close_move, plan_move, send_reminders, update_checklist
from multichannel.services.onboarding import (
    confirm_source,
    create_new_subscription,
    finish,
    record_services,
    start_onboarding,
)
from multichannel.services.partners import sync_role_groups
from multichannel.services.permissions import customer_groups
from multichannel.services.relationships import (
    Answer,
    accept_invitation,
    decline_invitation,
    default_email_text,
    expire_requests,
    request_relationship,
    revoke_request,
)
from multichannel.services.subscriptions import cancel as cancel_subscription
from multichannel.services.transfers import (
    accept_transfer,
    cancel_transfer,
    decline_transfer,
    expire_transfers,
    request_transfer,
)
from multichannel.services.users import RoleGroupLookup

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 — printed on screen on purpose


@dataclass(frozen=True)
class DemoPartner:
    partner_id: str
    name: str
    country: str
    cloud: Cloud
    domain: str


CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"

PARTNERS = [
    DemoPartner(
        CONTOSO, "Contoso Cloud Solutions", "US", Cloud.COMMERCIAL, "contoso-partner.example"
    ),
    DemoPartner(FABRIKAM, "Fabrikam Partners", "GB", Cloud.COMMERCIAL, "fabrikam-partner.example"),
    DemoPartner(
        TAILSPIN, "Tailspin Government Services", "US", Cloud.US_GOVERNMENT, "tailspin-gov.example"
    ),
]

GA, UMA, SA = Role.GLOBAL_ADMIN, Role.USER_MANAGEMENT_ADMIN, Role.SALES_AGENT

# (local part, full name, roles) per partner; the first partner has a fuller team.
TEAMS = {
    CONTOSO: [
        ("admin", "Avery Adams", {GA}),
        ("admin2", "Blake Brennan", {GA}),
        ("usermgr", "Casey Carter", {UMA}),
        ("sales", "Dana Diaz", {SA}),
        ("sales2", "Eli Evans", {SA}),
        ("lead", "Frankie Foster", {UMA, SA}),
    ],
    FABRIKAM: [
        ("admin", "Georgia Grant", {GA}),
        ("usermgr", "Harper Hughes", {UMA}),
        ("sales", "Indigo Irving", {SA}),
    ],
    TAILSPIN: [
        ("admin", "Jordan James", {GA}),
        ("sales", "Kai Kennedy", {SA}),
    ],
}

SUPERUSER_EMAIL = "operator@portal.example"


# --- Customers: how many, and who shares them ------------------------------------------------

# Customers each partner has an active relationship with (the shared ones count for both).
CUSTOMER_COUNTS = {CONTOSO: 240, FABRIKAM: 160, TAILSPIN: 40}
SHARED_CUSTOMERS = 25  # Contoso's customers with whom Fabrikam also has an active relationship
FORMER_FABRIKAM_CUSTOMERS = 8  # Contoso's customers whose relationship with Fabrikam was removed
# Subscriptions of Contoso's first customers, so that subscription lists paginate.
BIG_CUSTOMERS = (200, 72, 64)
# The other commercial partner, which may hold some of a customer's CSP subscriptions.
OTHER_COMMERCIAL = {CONTOSO: FABRIKAM, FABRIKAM: CONTOSO}

SEED = 2026
ONMICROSOFT = ".onmicrosoft.com"
DAY = timedelta(days=1)

# --- Word lists: names that read like companies and people, and are made up -----------------

NAME_STEMS = (
    "Alderbrook", "Amberfield", "Ashgrove", "Bellhaven", "Birchmont", "Bramblecote",
    "Brightwater", "Cinderwick", "Cobblestone", "Copperleaf", "Crestmoor", "Dapplegate",
    "Deepwell", "Driftmoor", "Elmstead", "Emberlyn", "Fairwyn", "Fernhollow", "Flintridge",
    "Foxmere", "Glenhallow", "Goldcrest", "Greymarsh", "Hallowmere", "Hazelbrook",
    "Heathervale", "Hollowfield", "Ironwick", "Ivymoor", "Juniperline", "Kestrelwood",
    "Kingsmere", "Lanternfield", "Larkmoor", "Lindenhall", "Marrowgate", "Meadowlark",
    "Mistvale", "Moonridge", "Northmere", "Oakwhistle", "Orchardine", "Pebblebrook",
    "Pinehallow", "Quillmere", "Ravenholt", "Redwillow", "Rushwater", "Saltmeadow",
    "Silverbirch", "Stillbrook", "Stonewhistle", "Summerwick", "Thistledown", "Thornvale",
    "Tidewater", "Umberfield", "Valewood", "Wrenfield", "Willowmere", "Windermoor", "Yarrowby",
)  # fmt: skip
TRADES = (
    "Analytics", "Architects", "Bakeries", "Biotech", "Brewing", "Builders", "Capital",
    "Clinics", "Consulting", "Dental Care", "Design Studio", "Energy", "Engineering", "Farms",
    "Foods", "Freight", "Health Partners", "Hospitality", "Insurance", "Labs", "Legal",
    "Logistics", "Manufacturing", "Marine", "Media", "Medical Group", "Outfitters",
    "Pharmaceuticals", "Print Works", "Property Management", "Realty", "Retail", "Robotics",
    "Software", "Solar", "Textiles", "Travel", "Veterinary Care", "Wealth Advisors",
)  # fmt: skip
COUNTY_OFFICES = (
    "Sheriff's Office", "Health Department", "Public Works", "Emergency Management",
    "Elections Office", "Library System", "Assessor's Office", "Parks Department",
)  # fmt: skip
AUTHORITIES = (
    "Water Authority", "Transit Authority", "School District", "Housing Authority",
    "Fire District", "Port Authority",
)  # fmt: skip
FIRST_NAMES = (
    "Aisha", "Alex", "Amara", "Ben", "Carmen", "Chloe", "Daniel", "Elena", "Emeka", "Farah",
    "Felix", "Grace", "Hannah", "Hugo", "Isabel", "Ivan", "Jamal", "Julia", "Kenji", "Laila",
    "Liam", "Lucia", "Marco", "Maya", "Nadia", "Noah", "Olivia", "Omar", "Priya", "Rafael",
    "Rosa", "Samir", "Sofia", "Tariq", "Theo", "Uma", "Victor", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Achebe", "Bergstrom", "Castillo", "Chen", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Haddad", "Ivanova", "Jansen", "Kaur", "Kowalski", "Lindqvist", "Moreau",
    "Murphy", "Nakamura", "Novak", "Okafor", "Olsen", "Patel", "Quinn", "Rossi", "Santos",
    "Schmidt", "Singh", "Tanaka", "Underwood", "Varga", "Walsh", "Weber", "Xu", "Yilmaz",
    "Zielinski", "Brennan", "Costa", "Delgado", "Hartmann", "Lambert",
)  # fmt: skip

# (country, weight) per partner: where its customers are.
COUNTRIES = {
    CONTOSO: (("US", 55), ("CA", 15), ("GB", 10), ("AU", 10), ("IE", 5), ("DE", 5)),
    FABRIKAM: (("GB", 40), ("IE", 10), ("DE", 15), ("NL", 10), ("FR", 10), ("SE", 8), ("ES", 7)),
    TAILSPIN: (("US", 1),),
}
COMPANY_SUFFIXES = {
    "US": ("Inc.", "LLC", "Corp.", ""),
    "CA": ("Inc.", "Ltd.", ""),
    "GB": ("Ltd", "plc", ""),
    "IE": ("Ltd", "DAC", ""),
    "AU": ("Pty Ltd",),
    "DE": ("GmbH", "AG"),
    "NL": ("B.V.",),
    "FR": ("SAS", "SARL"),
    "SE": ("AB",),
    "ES": ("S.L.", "S.A."),
}
# Country and capital-city area code, and how many digits follow.
CITY_PHONES = {
    "DE": ("+49 30", 8),
    "NL": ("+31 20", 7),
    "FR": ("+33 1", 8),
    "SE": ("+46 8", 7),
    "ES": ("+34 91", 7),
}
AREA_CODES = ("206", "303", "312", "415", "425", "512", "617", "646")

# Names from models.requests.DELEGATED_ADMIN_ROLES (kept in this order: the demo draws from it).
DELEGATED_ADMIN_ROLES = (
    "Helpdesk administrator",
    "User administrator",
    "License administrator",
    "Global reader",
    "Service support administrator",
    "Exchange administrator",
    "Teams administrator",
    "Security reader",
)

# --- Offers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    name: str
    offer_id: str
    weight: int = 1


# New-commerce product IDs as Partner Center lists them (the Dynamics 365 one is illustrative).
NCE_LICENSE_OFFERS = (
    Offer("Microsoft 365 Business Basic", "CFQ7TTC0LH18", 8),
    Offer("Microsoft 365 Business Standard", "CFQ7TTC0LDPB", 8),
    Offer("Microsoft 365 Business Premium", "CFQ7TTC0LCHC", 12),
    Offer("Microsoft 365 E3", "CFQ7TTC0LFLX", 10),
    Offer("Microsoft 365 E5", "CFQ7TTC0LFLZ", 4),
    Offer("Microsoft 365 F3", "CFQ7TTC0LH05", 3),
    Offer("Microsoft 365 Apps for business", "CFQ7TTC0LH1G", 3),
    Offer("Office 365 E1", "CFQ7TTC0LF8Q", 3),
    Offer("Office 365 E3", "CFQ7TTC0LF8R", 5),
    Offer("Exchange Online (Plan 1)", "CFQ7TTC0LH16", 5),
    Offer("Exchange Online (Plan 2)", "CFQ7TTC0LH1P", 2),
    Offer("Microsoft Entra ID P1", "CFQ7TTC0LFLS", 3),
    Offer("Microsoft Intune Plan 1", "CFQ7TTC0LCH4", 3),
    Offer("Power BI Pro", "CFQ7TTC0LHSF", 4),
    Offer("Visio Plan 2", "CFQ7TTC0HD32", 2),
    Offer("Microsoft 365 Copilot", "CFQ7TTC0MM8R", 3),
    Offer("Dynamics 365 Sales Enterprise", "CFQ7TTC0LGWR", 3),
)
# Legacy offers had GUIDs.
LEGACY_LICENSE_OFFERS = (
    Offer("Office 365 E1", "91FD106F-4B2C-4938-95AC-F54F74E9A239", 2),
    Offer("Office 365 E3", "796B6B5F-613C-4E24-A17C-EBA730D49C02", 3),
    Offer("Office 365 Business Essentials", "BD938F12-058F-4927-BBA3-AE36B1D2501C", 2),
    Offer("Microsoft 365 Business Premium", "031C9E47-4802-4248-838E-778FB1D2CC05", 3),
    Offer("Exchange Online (Plan 1)", "195416C1-3447-423A-B37B-EE59A99A19C4", 2),
)
# US Government (GCC) tenants buy the G plans.
GOVERNMENT_LICENSE_OFFERS = (
    Offer("Microsoft 365 G3 GCC", "E823CA47-49C4-46B3-B38D-CA11D5ABE3D2", 5),
    Offer("Microsoft 365 G5 GCC", "E2BE619B-B125-455F-8660-FB503E431A5D", 2),
    Offer("Office 365 G3 GCC", "535A3A29-C5F0-42FE-8215-D3B9E1F38C4A", 3),
    Offer("Office 365 G5 GCC", "8900A2C0-EDBA-4079-BDF3-B276E293B6A8", 1),
)

NEW, LEGACY = CommerceType.NEW_COMMERCE, CommerceType.LEGACY
AZURE_PLAN = Offer("Azure plan", "DZH318Z0BPS6")
PAY_AS_YOU_GO = Offer("Pay-As-You-Go", "MS-AZR-0003P")
LEGACY_AZURE = Offer("Microsoft Azure", "MS-AZR-0145P")
# Usage-based (Azure) offers per channel, each with its commerce type.
USAGE_OFFERS = {
    Channel.CSP: ((AZURE_PLAN, NEW), (AZURE_PLAN, NEW), (LEGACY_AZURE, LEGACY)),
    Channel.DIRECT: ((AZURE_PLAN, NEW), (PAY_AS_YOU_GO, LEGACY)),
    Channel.ADVISOR: ((AZURE_PLAN, NEW),),
    Channel.OPEN: ((Offer("Microsoft Azure in Open Licensing", "MS-AZR-0111P"), LEGACY),),
    Channel.EA: (
        (Offer("Microsoft Azure Enterprise", "MS-AZR-0017P"), LEGACY),
        (Offer("Enterprise Dev/Test", "MS-AZR-0148P"), LEGACY),
    ),
    Channel.THIRD_PARTY: ((PAY_AS_YOU_GO, LEGACY),),
}  # fmt: skip
GOVERNMENT_PAY_AS_YOU_GO = Offer("Azure Government Pay-As-You-Go", "MS-AZR-USGOV-0003P")
GOVERNMENT_USAGE_OFFERS = {
    Channel.CSP: ((AZURE_PLAN, NEW),),
    Channel.DIRECT: ((GOVERNMENT_PAY_AS_YOU_GO, LEGACY),),
    Channel.OPEN: ((GOVERNMENT_PAY_AS_YOU_GO, LEGACY),),
    Channel.EA: ((Offer("Azure Government Enterprise", "MS-AZR-USGOV-0017P"), LEGACY),),
    Channel.THIRD_PARTY: ((GOVERNMENT_PAY_AS_YOU_GO, LEGACY),),
}

# Where subscriptions come from: "own" is CSP held by one of the customer's partners, "other" CSP
# held by the other commercial partner (one the customer has no relationship with).
OWN, OTHER = "own", "other"
COMMERCIAL_CHANNELS = (
    (OWN, 36), (OTHER, 10), (Channel.DIRECT, 16), (Channel.ADVISOR, 8), (Channel.OPEN, 7),
    (Channel.EA, 13), (Channel.THIRD_PARTY, 10),
)  # fmt: skip
GOVERNMENT_CHANNELS = (
    (OWN, 45), (Channel.DIRECT, 20), (Channel.EA, 20), (Channel.OPEN, 8), (Channel.THIRD_PARTY, 7),
)  # fmt: skip
# Contoso's license-based subscriptions ending within 30, 60 and 90 days (four each), from many
# channels: the ones bought elsewhere can move to Contoso only when their term ends.
ENDING_SOON_CHANNELS = (
    OWN, Channel.DIRECT, OTHER, Channel.EA, OWN, Channel.ADVISOR,
    OTHER, Channel.OPEN, OWN, Channel.THIRD_PARTY, Channel.DIRECT, OWN,
)  # fmt: skip
# New-commerce subscriptions Contoso holds bought within the last 7 days (may be cancelled), and
# as many that just missed that window.
CANCEL_WINDOW_CASES = 5
USAGE_SHARE = {
    Channel.CSP: 0.3,
    Channel.DIRECT: 0.45,
    Channel.ADVISOR: 0.55,
    Channel.OPEN: 0.35,
    Channel.EA: 0.5,
    Channel.THIRD_PARTY: 0.2,
}
ACTIVE, SUSPENDED = SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED
CANCELLED, EXPIRED = SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED
LICENSE_STATUSES = ((ACTIVE, 78), (SUSPENDED, 6), (CANCELLED, 8), (EXPIRED, 8))
USAGE_STATUSES = ((ACTIVE, 84), (SUSPENDED, 7), (CANCELLED, 9))  # Azure runs until cancelled
TERM_MONTHS = {Term.MONTHLY: 1, Term.ANNUAL: 12, Term.TRIENNIAL: 36}
NCE_TERMS = ((Term.MONTHLY, 30), (Term.ANNUAL, 55), (Term.TRIENNIAL, 15))
LEGACY_TERMS = ((Term.MONTHLY, 35), (Term.ANNUAL, 65))
# Subscriptions per ordinary customer: 1 to 8, mostly 2 to 4.
SUBSCRIPTION_COUNTS = ((1, 10), (2, 18), (3, 20), (4, 17), (5, 13), (6, 10), (7, 7), (8, 5))


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def term_end_for(start: date, term: str) -> date:
    return add_months(start, TERM_MONTHS[term]) - DAY


def term_start_for(end: date, term: str) -> date:
    return add_months(end + DAY, -TERM_MONTHS[term])


# A term's shortest length in days, and how many days longer the months it spans can make
# it (a leap day, a month end clipped: 31 March back to 28 February).
TERM_DAYS: dict[str, tuple[int, int]] = {
    Term.MONTHLY: (28, 3),
    Term.ANNUAL: (365, 1),
    Term.TRIENNIAL: (1095, 1),
}


def live_term_end_days(term: str) -> tuple[int, ...]:
    """How many days from today a live term may end, a range that is the same whatever the date:
    so which terms end within 30, 60 or 90 days, and which the demo moves are planned for, never
    depend on the day the seed runs. Its start, a whole term earlier, then lies 0 to `shortest`
    days back (more by the calendar); the few ends whose start would fall inside the 7-day
    cancellation window on some days and outside it on others are left out."""
    shortest, longer = TERM_DAYS[term]
    window = CANCELLATION_WINDOW.days
    return tuple(
        days
        for days in range(shortest)
        if not (shortest - 1 - days <= window < shortest + longer - 1 - days)
    )


LIVE_TERM_END_DAYS: dict[str, tuple[int, ...]] = {
    term: live_term_end_days(term) for term in TERM_DAYS
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- The plan ------------------------------------------------------------------------------


@dataclass
class PlannedCustomer:
    home: str  # the partner the seed made it for
    fields: dict  # Customer fields, but created_by_partner
    created_by: str | None  # partner ID of the partner that created the tenant in the portal
    relationships: dict[str, dict] = field(default_factory=dict)  # partner ID -> fields
    subscriptions: list[dict] = field(default_factory=list)  # fields; "holder" = partner ID
    big: bool = False

    @property
    def domain(self) -> str:
        return self.fields["primary_domain"]

    @property
    def partners(self) -> list[str]:
        """Partner IDs with an active relationship, in a stable order."""
        return sorted(
            p for p, r in self.relationships.items() if r["status"] == RelationshipStatus.ACTIVE
        )


@dataclass(frozen=True)
class Forced:
    """What one planned subscription must be; the rest is drawn at random."""

    channel: str
    billing: str = BillingType.LICENSE
    status: str = ACTIVE
    commerce: str | None = None
    term: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    cancelled_on: date | None = None
    holder: str | None = None


class CustomerPlanner:
    """Plans every demo customer, its relationships and its subscriptions, deterministically."""

    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.names: set[str] = set()
        self.domains: set[str] = set()

    def plan(self) -> list[PlannedCustomer]:
        rng = self.rng
        contoso = [self.customer(CONTOSO) for _ in range(CUSTOMER_COUNTS[CONTOSO])]
        fabrikam = [
            self.customer(FABRIKAM) for _ in range(CUSTOMER_COUNTS[FABRIKAM] - SHARED_CUSTOMERS)
        ]
        tailspin = [self.customer(TAILSPIN) for _ in range(CUSTOMER_COUNTS[TAILSPIN])]
        everyone = contoso + fabrikam + tailspin

        for customer in everyone:
            self.relate(customer, customer.home, invited=customer.created_by is None)
        ordinary = list(range(len(BIG_CUSTOMERS), len(contoso)))
        shared = rng.sample(ordinary, SHARED_CUSTOMERS)
        for index in shared:
            self.relate(contoso[index], FABRIKAM, invited=True)
        rest = [i for i in ordinary if i not in shared]
        former = rng.sample(rest, FORMER_FABRIKAM_CUSTOMERS)
        rest = [i for i in rest if i not in former]

        forced: dict[int, Forced] = {}
        ending = len(ENDING_SOON_CHANNELS)
        chosen = rng.sample(rest, ending + 2 * CANCEL_WINDOW_CASES)
        # Contoso's license-based subscriptions that end within 30, 60 and 90 days.
        for n, index in enumerate(chosen[:ending]):
            low = 1 + 30 * (3 * n // ending)
            end = self.today + timedelta(days=rng.randint(low, low + 29))
            channel = ENDING_SOON_CHANNELS[n]
            forced[index] = Forced(
                channel=channel,
                term=Term.ANNUAL,
                term_end=end,
                commerce=NEW if channel == OWN else None,
            )
        # New-commerce subscriptions Contoso holds: some may still be cancelled (bought within
        # the last 7 days), some just missed the window.
        for n, index in enumerate(chosen[ending:]):
            inside = n < CANCEL_WINDOW_CASES
            days_ago = rng.randint(0, 6) if inside else rng.randint(8, 20)
            forced[index] = Forced(
                channel=OWN,
                commerce=NEW,
                term=rng.choice((Term.MONTHLY, Term.ANNUAL)) if inside else Term.ANNUAL,
                term_start=self.today - timedelta(days=days_ago),
                holder=CONTOSO,
            )
        for index in former:
            self.former_relationship(contoso[index], FABRIKAM)

        for n, customer in enumerate(contoso):
            if n < len(BIG_CUSTOMERS):
                customer.big = True
                count = BIG_CUSTOMERS[n]
            else:
                count = self.weighted(SUBSCRIPTION_COUNTS)
            first = forced.get(n) or (self.history(customer) if n in former else None)
            self.add_subscriptions(customer, count, first)
        for customer in fabrikam + tailspin:
            self.add_subscriptions(customer, self.weighted(SUBSCRIPTION_COUNTS), None)
        for customer in everyone:
            self.start_before_own_subscriptions(customer)
        return everyone

    # Helpers drawing from the one random generator, in a fixed order.

    def weighted(self, choices):
        values, weights = zip(*choices, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def moment(self, day: date) -> datetime:
        """A time during office hours on `day`."""
        at = time(self.rng.randint(8, 17), self.rng.randrange(60))
        return timezone.make_aware(datetime.combine(day, at))

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def person(self, domain: str) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return f"{first} {last}", f"{first}.{last}@{domain}".lower()

    def phone(self, country: str) -> str:
        rng = self.rng
        if country in ("US", "CA"):
            return f"+1 {rng.choice(AREA_CODES)} 555 01{rng.randrange(100):02d}"
        if country == "GB":
            return f"+44 20 7946 0{rng.randrange(1000):03d}"
        if country == "AU":
            return f"+61 2 5550 {rng.randrange(10000):04d}"
        if country == "IE":
            return f"+353 20 91{rng.randrange(10):d} {rng.randrange(10000):04d}"
        prefix, digits = CITY_PHONES[country]
        return f"{prefix} {rng.randrange(10 ** (digits - 1), 10**digits)}"

    def company(self, home: str, country: str) -> tuple[str, str]:
        """A company name never used before, and its base name for the domain."""
        rng = self.rng
        while True:
            if home == TAILSPIN:
                place = rng.choice(NAME_STEMS)
                pattern = rng.randrange(3)
                if pattern == 0:
                    base = f"{place} County {rng.choice(COUNTY_OFFICES)}"
                elif pattern == 1:
                    base = f"City of {place}"
                else:
                    base = f"{place} {rng.choice(AUTHORITIES)}"
                name = base
            else:
                base = f"{rng.choice(NAME_STEMS)} {rng.choice(TRADES)}"
                name = f"{base} {rng.choice(COMPANY_SUFFIXES[country])}".strip()
            if base not in self.names:
                self.names.add(base)
                return name, base

    def domain_for(self, base: str) -> str:
        stem = slug(base)[:27]  # the longest initial domain prefix Microsoft gives
        domain, n = f"{stem}{ONMICROSOFT}", 1
        while domain in self.domains:
            n += 1
            domain = f"{stem[: 27 - len(str(n))]}{n}{ONMICROSOFT}"
        self.domains.add(domain)
        return domain

    # Customers and relationships.

    def customer(self, home: str) -> PlannedCustomer:
        rng = self.rng
        country = self.weighted(COUNTRIES[home])
        name, base = self.company(home, country)
        domain = self.domain_for(base)
        contact_name, contact_email = self.person(domain)
        # Some tenants were created in the portal by the partner; the rest accepted an invitation.
        created_by = home if home != TAILSPIN and rng.random() < 0.3 else None
        return PlannedCustomer(
            home=home,
            created_by=created_by,
            fields={
                "tenant_id": uuid.uuid5(uuid.NAMESPACE_DNS, domain),
                "company_name": name,
                "primary_domain": domain,
                "country": country,
                "cloud": Cloud.US_GOVERNMENT if home == TAILSPIN else Cloud.COMMERCIAL,
                "contact_name": contact_name,
                "contact_email": contact_email,
                "contact_phone": self.phone(country) if rng.random() < 0.9 else "",
            },
        )

    def acceptance(self, customer: PlannedCustomer, partner_id: str, at: datetime) -> dict:
        """What the customer's Global admin accepted: the relationship, the customer agreement
        and, sometimes (always for US Government partners), delegated admin roles."""
        rng = self.rng
        if rng.random() < 0.6:
            name, email = customer.fields["contact_name"], customer.fields["contact_email"]
        else:
            name, email = self.person(customer.domain)
        fields = {
            "accepted_by_name": name,
            "accepted_by_email": email,
            "accepted_at": at,
            "customer_agreement_accepted_at": at,
        }
        if partner_id == TAILSPIN or rng.random() < 0.55:
            roles = rng.sample(DELEGATED_ADMIN_ROLES, rng.randint(1, 3))
            fields["delegated_admin_roles"] = sorted(roles, key=DELEGATED_ADMIN_ROLES.index)
            fields["delegated_admin_until"] = self.today + timedelta(days=rng.randint(30, 700))
        return fields

    def relate(self, customer: PlannedCustomer, partner_id: str, *, invited: bool) -> None:
        started = self.moment(self.days_ago(20, 1500))
        fields = {"status": RelationshipStatus.ACTIVE, "started_at": started}
        if invited:
            fields |= self.acceptance(customer, partner_id, started)
        customer.relationships[partner_id] = fields

    def former_relationship(self, customer: PlannedCustomer, partner_id: str) -> None:
        """The partner used to work with the customer; its relationship was removed."""
        removed = self.moment(self.days_ago(60, 420))
        started = self.moment(removed.date() - timedelta(days=self.rng.randint(400, 1000)))
        fields = {
            "status": RelationshipStatus.REMOVED,
            "started_at": started,
            "removed_at": removed,
        }
        fields |= self.acceptance(customer, partner_id, started)
        fields.pop("delegated_admin_roles", None)  # roles end with the relationship
        fields.pop("delegated_admin_until", None)
        customer.relationships[partner_id] = fields

    def history(self, customer: PlannedCustomer) -> Forced:
        """A subscription the former partner held and that ended before it left (rule 8)."""
        former = next(
            (p, r)
            for p, r in customer.relationships.items()
            if r["status"] == RelationshipStatus.REMOVED
        )
        partner_id, relationship = former
        removed = relationship["removed_at"].date()
        if self.rng.random() < 0.5:
            return Forced(
                channel=OTHER,
                holder=partner_id,
                status=EXPIRED,
                term=Term.ANNUAL,
                term_end=removed - timedelta(days=self.rng.randint(1, 30)),
            )
        return Forced(
            channel=OTHER,
            holder=partner_id,
            billing=BillingType.USAGE,
            status=CANCELLED,
            cancelled_on=removed - timedelta(days=self.rng.randint(1, 30)),
        )

    def start_before_own_subscriptions(self, customer: PlannedCustomer) -> None:
        """A partner creates subscriptions only once its relationship has started."""
        for partner_id, relationship in customer.relationships.items():
            starts = [
                s["term_start"]
                for s in customer.subscriptions
                if s["holder"] == partner_id and s["term_start"] is not None
            ]
            if not starts:
                continue
            latest_start = self.moment(min(starts) - timedelta(days=self.rng.randint(1, 30)))
            if latest_start < relationship["started_at"]:
                relationship["started_at"] = latest_start
                if relationship.get("accepted_at"):
                    relationship["accepted_at"] = latest_start
                    relationship["customer_agreement_accepted_at"] = latest_start

    # Subscriptions.

    def add_subscriptions(self, customer: PlannedCustomer, count: int, first: Forced | None):
        for index in range(count):
            forced = first if index == 0 else None
            customer.subscriptions.append(self.subscription(customer, index, forced))

    def channel_choices(self, customer: PlannedCustomer):
        if customer.fields["cloud"] == Cloud.US_GOVERNMENT:
            return GOVERNMENT_CHANNELS
        if OTHER_COMMERCIAL[customer.home] in customer.relationships:
            # Shared: both commercial partners are its own. Former: the other partner's
            # subscriptions ended with the relationship.
            return tuple(c for c in COMMERCIAL_CHANNELS if c[0] != OTHER)
        return COMMERCIAL_CHANNELS

    def subscription(self, customer: PlannedCustomer, index: int, forced: Forced | None) -> dict:
        rng = self.rng
        government = customer.fields["cloud"] == Cloud.US_GOVERNMENT
        key = forced.channel if forced else self.weighted(self.channel_choices(customer))
        holder = forced.holder if forced else None
        if key == OWN:
            channel, holder = Channel.CSP, holder or rng.choice(customer.partners)
        elif key == OTHER:
            channel, holder = Channel.CSP, holder or OTHER_COMMERCIAL[customer.home]
        else:
            channel = key
        if forced:
            billing = forced.billing
        else:
            usage = rng.random() < USAGE_SHARE[channel]
            billing = BillingType.USAGE if usage else BillingType.LICENSE

        fields = {
            "channel": channel,
            "holder": holder,
            "billing_type": billing,
            "external_id": uuid.uuid5(
                uuid.NAMESPACE_DNS, f"subscription-{index}.{customer.domain}"
            ),
            "source": (
                Source.CREATED
                if channel == Channel.CSP and holder in customer.relationships
                else Source.ENTERED
            ),
            "cancelled_at": None,
        }
        if billing == BillingType.USAGE:
            offers = (GOVERNMENT_USAGE_OFFERS if government else USAGE_OFFERS)[channel]
            offer, commerce = rng.choice(offers)
            status = forced.status if forced else self.weighted(USAGE_STATUSES)
            fields |= {
                "quantity": None,
                "term": "",
                "term_start": None,
                "term_end": None,
                "auto_renew": False,
            }
            if status == CANCELLED:
                cancelled_on = (forced and forced.cancelled_on) or self.days_ago(3, 600)
                fields["cancelled_at"] = self.moment(cancelled_on)
        else:
            commerce = (forced and forced.commerce) or self.license_commerce(channel, government)
            if government:
                catalogue = GOVERNMENT_LICENSE_OFFERS
            else:
                catalogue = NCE_LICENSE_OFFERS if commerce == NEW else LEGACY_LICENSE_OFFERS
            offer = rng.choices(catalogue, weights=[o.weight for o in catalogue])[0]
            status = forced.status if forced else self.weighted(LICENSE_STATUSES)
            term = (forced and forced.term) or self.weighted(
                NCE_TERMS if commerce == NEW else LEGACY_TERMS
            )
            start, end, cancelled_on = self.term_dates(term, status, commerce, forced)
            live = status in (ACTIVE, SUSPENDED)
            fields |= {
                "quantity": self.seats(customer),
                "term": term,
                "term_start": start,
                "term_end": end,
                "auto_renew": live and rng.random() < 0.75,
            }
            if cancelled_on is not None:
                fields["cancelled_at"] = self.moment(cancelled_on)
        fields |= {
            "offer_name": offer.name,
            "offer_id": offer.offer_id,
            "status": status,
            "commerce_type": commerce,
        }
        return fields

    def license_commerce(self, channel: str, government: bool) -> str:
        rng = self.rng
        if government:
            return LEGACY if rng.random() < 0.7 else NEW
        if channel == Channel.OPEN:
            return LEGACY
        if channel == Channel.EA:
            return LEGACY if rng.random() < 0.5 else NEW
        if channel == Channel.CSP:
            return LEGACY if rng.random() < 0.2 else NEW
        return NEW

    def seats(self, customer: PlannedCustomer) -> int:
        seats = round(self.rng.lognormvariate(2.6, 1.0)) * (5 if customer.big else 1)
        return min(max(seats, 1), 5000)

    def term_dates(self, term: str, status: str, commerce: str, forced: Forced | None):
        """(term start, term end, cancelled on) for a license-based subscription."""
        today, rng = self.today, self.rng
        if forced and forced.term_start:
            start = forced.term_start
            return start, term_end_for(start, term), None
        if forced and forced.term_end:
            end = forced.term_end
            return term_start_for(end, term), end, None
        # Every draw below takes the same from the generator whatever the date: a draw whose
        # bounds came from the calendar would shift every later one, and with them which
        # customer gets which subscription, from one day to the next.
        if status in (ACTIVE, SUSPENDED):  # the current term, bought or renewed
            end = today + timedelta(days=rng.choice(LIVE_TERM_END_DAYS[term]))
            return term_start_for(end, term), end, None
        if status == EXPIRED:
            end = self.days_ago(1, 540)
            return term_start_for(end, term), end, None
        # Cancelled before today: new commerce only within 7 days of the term's start (rule 13),
        # legacy at any time of its term.
        start = self.days_ago(7, 720)
        end = term_end_for(start, term)
        if commerce == NEW:
            return start, end, start + timedelta(days=rng.randint(0, 6))
        days = (min(end, today - DAY) - start).days
        return start, end, start + timedelta(days=int(rng.random() * (days + 1)))


# --- Writing the plan ----------------------------------------------------------------------


def seed_customers(partners: dict[str, Partner], today: date) -> None:
    """Add the planned customers, relationships and subscriptions that are missing, in bulk."""
    plan = CustomerPlanner(today).plan()
    domains = [c.domain for c in plan]
    known = set(
        Customer.objects.filter(primary_domain__in=domains).values_list("primary_domain", flat=True)
    )
    Customer.objects.bulk_create(
        [
            Customer(
                **c.fields,
                created_by_partner=partners[c.created_by] if c.created_by else None,
            )
            for c in plan
            if c.domain not in known
        ],
        batch_size=500,
    )
    ids = dict(
        Customer.objects.filter(primary_domain__in=domains).values_list("primary_domain", "id")
    )

    partner_pks = {p.pk for p in partners.values()}
    related = set(
        Relationship.objects.filter(
            customer_id__in=ids.values(), partner_id__in=partner_pks
        ).values_list("partner_id", "customer_id")
    )
    Relationship.objects.bulk_create(
        [
            Relationship(partner=partners[partner_id], customer_id=ids[c.domain], **fields)
            for c in plan
            for partner_id, fields in c.relationships.items()
            if (partners[partner_id].pk, ids[c.domain]) not in related
        ],
        batch_size=500,
    )

    entered = set(
        Subscription.objects.filter(customer_id__in=ids.values()).values_list(
            "customer_id", "external_id"
        )
    )
    subscriptions = []
    for c in plan:
        for planned in c.subscriptions:
            fields = dict(planned)
            holder = fields.pop("holder")
            if (ids[c.domain], fields["external_id"]) in entered:
                continue
            subscriptions.append(
                Subscription(
                    customer_id=ids[c.domain],
                    partner_of_record=partners[holder] if holder else None,
                    **fields,
                )
            )
    Subscription.objects.bulk_create(subscriptions, batch_size=500)


def grant_customer_access(partners) -> None:
    """What `refresh_customer_access` gives, for every active relationship at once: the
    partner's customer groups may view and change each customer it has one with."""
    content_type = ContentType.objects.get_for_model(Customer)
    permissions = list(
        Permission.objects.filter(
            content_type=content_type, codename__in=("view_customer", "change_customer")
        )
    )
    if len(permissions) != 2:
        raise RuntimeError("The customer permissions are missing; run migrate.")
    rows = []
    for partner in partners:
        groups = customer_groups(partner)
        customer_ids = Relationship.objects.filter(
            partner=partner, status=RelationshipStatus.ACTIVE
        ).values_list("customer_id", flat=True)
        rows += [
            CustomerGroupObjectPermission(
                group=group, permission=permission, content_object_id=customer_id
            )
            for customer_id in customer_ids
            for group in groups
            for permission in permissions
        ]
    CustomerGroupObjectPermission.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def customer_counts(partner: Partner) -> tuple[int, int]:
    """Customers the partner has an active relationship with, and their subscriptions."""
    customers = Relationship.objects.filter(
        partner=partner, status=RelationshipStatus.ACTIVE
    ).values("customer_id")
    return (
        Customer.objects.filter(pk__in=customers).count(),
        Subscription.objects.filter(customer_id__in=customers).count(),
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


HELD_BACK_EMAILS = (
    "send_invitation",
    "send_invitation_answer",
    "send_move_reminder",
    "send_transfer_news",
    "send_support_news",
)


@contextmanager
def emails_held_back():
    """The answer services, the move reminders and the transfer services email with
    `transaction.on_commit`; the seed runs in one transaction, so those emails would be printed
    when it commits. The services look the sender up when they schedule it, so a no-op in its
    place while the demo requests, moves and transfers are made keeps them unsent."""
    saved = {name: getattr(notifications, name) for name in HELD_BACK_EMAILS}
    for name in HELD_BACK_EMAILS:
        setattr(notifications, name, _send_nothing)
    try:
        yield
    finally:
        for name, sender in saved.items():
            setattr(notifications, name, sender)


def _send_nothing(*args, **kwargs) -> None:
    return None


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
                invitation = request_relationship(
                    by=users[f"{spec.by}@{spec_partner.domain}"],
                    company_name=company,
                    domain=domain,
                    contact_email=admin.email,
                    delegated_admin_roles=list(spec.roles),
                    delegated_admin_days=spec.days,
                    email_text=default_email_text(partner, company, list(spec.roles), spec.days),
                )
                if spec.outcome == ACCEPTED:
                    accept_invitation(token=invitation.token(), answer=admin)
                elif spec.outcome == DECLINED:
                    decline_invitation(token=invitation.token(), answer=admin)
                elif spec.outcome == REVOKED:
                    revoker = users[f"{spec.revoked_by}@{spec_partner.domain}"]
                    revoke_request(by=revoker, invitation=invitation)
                made.append((invitation.pk, spec))
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


# --- Azure onboardings and planned moves -----------------------------------------------------


@dataclass(frozen=True)
class DemoOnboarding:
    """One demo Azure onboarding: who walks it, and how far.

    In a service name, `{name}` stands for the customer's short name (its first word)."""

    by: str  # local part of the demo user who walks it
    reached: int  # the step it stopped at, an OnboardingStep (REVIEW for a finished one)
    services: tuple[str, ...] = ()  # noted at step 1, decided on at step 3
    subscription_name: str = ""  # the new Azure subscription's name (step 2)
    keep: tuple[str, ...] = ()  # services that stay on the old subscription
    finished: bool = False
    cancel_source: bool = False  # the old subscription is cancelled as a whole

    def names(self, customer: Customer) -> tuple[list[str], set[str]]:
        """(every service, those kept) with the customer's short name filled in."""
        short = slug(customer.company_name.split()[0])[:12] or "app"
        return (
            [name.format(name=short) for name in self.services],
            {name.format(name=short) for name in self.keep},
        )


SOURCE, NEW_SUB = OnboardingStep.SOURCE, OnboardingStep.NEW_SUBSCRIPTION
SERVICES, REVIEW = OnboardingStep.SERVICES, OnboardingStep.REVIEW

DEMO_ONBOARDINGS: dict[str, list[DemoOnboarding]] = {
    CONTOSO: [
        # In progress: just started; the services noted; the new subscription created.
        DemoOnboarding("sales", SOURCE),
        DemoOnboarding(
            "sales2", NEW_SUB,
            ("App Service: {name}-web", "Azure SQL Database: orders",
             "Storage account: {name}backups", "Application Insights: {name}-web"),
        ),
        DemoOnboarding(
            "sales", SERVICES,
            ("Virtual machine: build-01", "Virtual machine: build-02",
             "Virtual network: build-vnet", "Storage account: {name}artifacts"),
            "Build and test",
        ),
        # Finished: everything moved and the old subscription cancelled; some services kept.
        DemoOnboarding(
            "lead", REVIEW,
            ("App Service: {name}-web", "Azure SQL Database: orders",
             "Key Vault: {name}-secrets", "Storage account: {name}backups"),
            "Production", finished=True, cancel_source=True,
        ),
        DemoOnboarding(
            "sales2", REVIEW,
            ("Data Factory: {name}-etl", "Azure SQL Database: reporting",
             "Virtual machine: legacy-erp", "Storage account: {name}archive"),
            "Analytics", keep=("Virtual machine: legacy-erp", "Storage account: {name}archive"),
            finished=True,
        ),
    ],
    FABRIKAM: [
        # Ready for review: the services decided on, not finished yet.
        DemoOnboarding(
            "sales", REVIEW,
            ("App Service: {name}-shop", "Azure Database for PostgreSQL: catalogue",
             "Storage account: {name}media", "Front Door: {name}-cdn"),
            "Web shop", keep=("Front Door: {name}-cdn",),
        ),
    ],
}  # fmt: skip

SOON, LATER = "soon", "later"
MOVE_WINDOW = 30  # "due soon": the term ends within this many days
LATEST_TERM_END = 365  # moves planned further ahead: the term ends within a year


@dataclass(frozen=True)
class DemoMove:
    """One demo planned move: who plans it, when its term ends, and what became of it."""

    by: str  # local part of the demo user who plans it
    outcome: str  # a MoveStatus value
    when: str  # SOON: the term ends within MOVE_WINDOW days; LATER: after that
    # SOON: at least MOVE_WINDOW, so the reminder day has come; LATER: the reminder day is
    # more than MOVE_WINDOW days ahead.
    remind_days: int
    checklist: tuple[str, ...] = ()  # items of services.moves.CHECKLIST ticked
    notes: str = ""


DEMO_MOVES: dict[str, list[DemoMove]] = {
    CONTOSO: [
        DemoMove(
            "sales", MoveStatus.DUE, SOON, 30, ("same_offer_and_seats",),
            "The customer wants the same offer and seat count from us; quote sent.",
        ),
        DemoMove("sales2", MoveStatus.DUE, SOON, 45),
        DemoMove(
            "lead", MoveStatus.DUE, SOON, 60, ("same_offer_and_seats", "auto_renew_off"),
            "The customer's admin turned auto-renew off; we buy it the day the term ends.",
        ),
        DemoMove("sales", MoveStatus.PLANNED, LATER, 30),
        DemoMove(
            "sales2", MoveStatus.PLANNED, LATER, 45, ("same_offer_and_seats",),
            "Same seats; the customer may add a few at the move.",
        ),
        DemoMove("lead", MoveStatus.PLANNED, LATER, 60),
        DemoMove(
            "sales", MoveStatus.DONE, SOON, 30,
            ("same_offer_and_seats", "auto_renew_off", "bought_under_us"),
            "Bought under us; the old subscription ends with its term.",
        ),
        DemoMove(
            "sales2", MoveStatus.CANCELLED, LATER, 30, (),
            "The customer decided to stay where it bought it.",
        ),
    ],
    FABRIKAM: [DemoMove("sales", MoveStatus.PLANNED, LATER, 30)],
}  # fmt: skip


def onboarding_sources(partner: Partner):
    """Live usage-based subscriptions bought directly or through Advisor, Open, EA or a third
    party, of customers the partner has an active relationship with, nobody onboards yet and no
    demo relationship request is about (the customer Contoso joined by invitation holds nothing
    of Contoso's), and with room for the new subscription an onboarding adds (a demo customer
    has at most MAX_DEMO_SUBSCRIPTIONS): one per customer, by company name."""
    managed = Relationship.objects.filter(partner=partner, status=RelationshipStatus.ACTIVE)
    about = OuterRef("customer_id")
    full = (
        Subscription.objects.order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=MAX_DEMO_SUBSCRIPTIONS)
        .values("customer_id")
    )
    sources = (
        Subscription.objects.filter(
            customer_id__in=managed.values("customer_id"),
            billing_type=BillingType.USAGE,
            status=SubscriptionStatus.ACTIVE,
            channel__in=ONBOARDING_CHANNELS,
        )
        .exclude(Exists(AzureOnboarding.objects.filter(customer_id=about)))
        .exclude(Exists(RelationshipRequest.objects.filter(customer_id=about)))
        .exclude(customer_id__in=full)
        .select_related("customer")
        .order_by("customer__company_name", "customer__primary_domain", "external_id")
    )
    seen = set()
    for source in sources:
        if source.customer_id not in seen:
            seen.add(source.customer_id)
            yield source


def move_candidates(partner: Partner, first: date, last: date) -> list[Subscription]:
    """Live annual and three-year license-based subscriptions bought elsewhere (directly,
    through Advisor, Open or EA, from a third party or another CSP partner) of customers the
    partner has an active relationship with, whose term ends between `first` and `last` and
    whose move nobody plans yet, by subscription ID (fixed by the plan, and spread over the
    window and the channels)."""
    managed = Relationship.objects.filter(partner=partner, status=RelationshipStatus.ACTIVE)
    return list(
        Subscription.objects.filter(
            customer_id__in=managed.values("customer_id"),
            billing_type=BillingType.LICENSE,
            status=SubscriptionStatus.ACTIVE,
            term_end__range=(first, last),
        )
        .exclude(term=Term.MONTHLY)
        .exclude(channel=Channel.CSP, partner_of_record=partner)
        .exclude(
            Exists(
                PlannedMove.objects.filter(
                    subscription=OuterRef("pk"), status__in=OPEN_MOVE_STATUSES
                )
            )
        )
        .select_related("customer")
        .order_by("external_id", "pk")
    )


def walk_onboarding(spec: DemoOnboarding, by: User, source: Subscription) -> AzureOnboarding:
    """The walk-through as far as `spec` says, through the services."""
    services, keep = spec.names(source.customer)
    onboarding = start_onboarding(by=by, source=source)
    if spec.reached >= NEW_SUB:
        onboarding = confirm_source(by=by, onboarding=onboarding, services=services)
    if spec.reached >= SERVICES:
        onboarding = create_new_subscription(
            by=by, onboarding=onboarding, friendly_name=spec.subscription_name
        )
    if spec.reached >= REVIEW:
        onboarding = record_services(
            by=by,
            onboarding=onboarding,
            services=[
                (name, ServiceDisposition.KEEP if name in keep else ServiceDisposition.CANCEL)
                for name in services
            ],
        )
    if spec.finished:
        onboarding = finish(by=by, onboarding=onboarding, cancel_source=spec.cancel_source)
    return onboarding


def seed_moves(partners: dict[str, Partner], today: date | None = None) -> list[str]:
    """Azure onboardings in progress and finished, and planned moves due, planned, done and
    cancelled, made through the services as the demo users would (so the activity log tells the
    story). A partner that already has onboardings (or planned moves) is left as it is. An item
    for which no suitable subscription is found, or that a rule refuses, is skipped; returns
    what was skipped, and why."""
    today = today or timezone.localdate()
    users = {u.email: u for u in User.objects.filter(partner__in=partners.values())}
    skipped: list[str] = []
    planned: list[tuple[PlannedMove, DemoMove, User]] = []
    with emails_held_back():
        for spec_partner in PARTNERS:
            partner = partners[spec_partner.partner_id]

            def user(local: str, domain=spec_partner.domain) -> User:
                return users[f"{local}@{domain}"]

            onboardings = DEMO_ONBOARDINGS.get(spec_partner.partner_id, [])
            if onboardings and not AzureOnboarding.objects.filter(partner=partner).exists():
                sources = onboarding_sources(partner)
                for spec in onboardings:
                    source = next(sources, None)
                    if source is None:
                        skipped.append(f"{partner.name}: no Azure subscription to onboard")
                        break
                    try:
                        with transaction.atomic():
                            walk_onboarding(spec, user(spec.by), source)
                    except (RuleViolation, access.RoleRequired) as exc:
                        skipped.append(f"{partner.name}: onboarding {source}: {exc}")

            moves = DEMO_MOVES.get(spec_partner.partner_id, [])
            if moves and not PlannedMove.objects.filter(partner=partner).exists():
                soon = move_candidates(partner, today, today + timedelta(days=MOVE_WINDOW))
                later = move_candidates(
                    partner,
                    today + timedelta(days=MOVE_WINDOW + 1),
                    today + timedelta(days=LATEST_TERM_END),
                )
                used: set[int] = set()
                for spec in moves:
                    pool = soon if spec.when == SOON else later
                    # Planned further ahead: its reminder is still more than a window away.
                    horizon = today + DAY * (MOVE_WINDOW + spec.remind_days)
                    subscription = next(
                        (
                            s
                            for s in pool
                            if s.customer_id not in used
                            and (spec.when == SOON or s.term_end > horizon)
                        ),
                        None,
                    )
                    if subscription is None:
                        skipped.append(
                            f"{partner.name}: no license-based subscription for a "
                            f"{spec.outcome} move"
                        )
                        continue
                    used.add(subscription.customer_id)
                    try:
                        with transaction.atomic():
                            move = plan_move(
                                by=user(spec.by),
                                subscription=subscription,
                                remind_days_before=spec.remind_days,
                                today=today,
                            )
                    except (RuleViolation, access.RoleRequired) as exc:
                        skipped.append(f"{partner.name}: move of {subscription}: {exc}")
                        continue
                    planned.append((move, spec, user(spec.by)))
        if planned:
            # What the daily reminder job would do today: the moves whose day has come are due.
            send_reminders(today)
            for move, spec, by in planned:
                try:
                    with transaction.atomic():
                        if spec.checklist or spec.notes:
                            move = update_checklist(
                                by=by,
                                move=move,
                                notes=spec.notes,
                                **dict.fromkeys(spec.checklist, True),
                            )
                        if spec.outcome in (MoveStatus.DONE, MoveStatus.CANCELLED):
                            close_move(by=by, move=move, done=spec.outcome == MoveStatus.DONE)
                except (RuleViolation, access.RoleRequired) as exc:
                    skipped.append(f"{move.partner.name}: {spec.outcome} move of {move}: {exc}")
    return skipped


def moves_summary(partner: Partner) -> str:
    """'3 onboardings in progress, 2 finished; planned moves: 3 due, 3 planned, …'."""
    onboardings = Counter(
        AzureOnboarding.objects.filter(partner=partner).values_list("status", flat=True)
    )
    moves = Counter(PlannedMove.objects.filter(partner=partner).values_list("status", flat=True))
    in_progress = onboardings[OnboardingStatus.IN_PROGRESS]
    shown = (MoveStatus.DUE, MoveStatus.PLANNED, MoveStatus.DONE, MoveStatus.CANCELLED)
    move_counts = ", ".join(f"{moves[s]} {s.label.lower()}" for s in shown if moves[s])
    return (
        f"{in_progress} onboarding{'' if in_progress == 1 else 's'} in progress, "
        f"{onboardings[OnboardingStatus.FINISHED]} finished; "
        f"planned moves: {move_counts or 'none'}"
    )


# --- Transfers between the commercial partners ----------------------------------------------


@dataclass(frozen=True)
class DemoTransfer:
    """One demo transfer request between Contoso and Fabrikam: which of them asks (its Sales
    agent), for at least how many of a shared customer's Azure subscriptions, and what became
    of it. The other one is the source; its Global admin answers."""

    target: str  # partner ID of the partner that asks
    outcome: str  # a TransferStatus value, or OVERDUE
    days_ago: int  # when it was asked for
    azure: int = 1  # live Azure subscriptions the source holds of the customer (at least)
    answered_after: int = 0  # days after the request it was answered or cancelled
    reason: str = ""  # why the source declined
    keeps: int = 0  # line items the source does not choose: they stay with it
    fails: int = 0  # line items chosen, then cancelled by the source before it accepts


COMPLETED = TransferStatus.COMPLETED
ASKER, ANSWERER = "sales", "admin"  # local parts of the demo users who ask and who answer

DEMO_TRANSFERS: list[DemoTransfer] = [
    # Waiting for an answer: one for each commercial partner's Global admins.
    DemoTransfer(FABRIKAM, TransferStatus.PENDING, 3, azure=2),
    DemoTransfer(CONTOSO, TransferStatus.PENDING, 6),
    # Accepted and completed at once: everything moved; one moved, one failed (the source
    # cancelled it after choosing it), one not chosen.
    DemoTransfer(CONTOSO, COMPLETED, 24, azure=2, answered_after=2),
    DemoTransfer(FABRIKAM, COMPLETED, 16, azure=3, answered_after=4, keeps=1, fails=1),
    DemoTransfer(
        CONTOSO, TransferStatus.DECLINED, 20, answered_after=1,
        reason="The customer renewed its Azure commitment with us last month; ask again at "
        "the end of the quarter.",
    ),
    DemoTransfer(FABRIKAM, TransferStatus.CANCELLED, 11, answered_after=2),
    # Expired: one marked so by the expiry command, one past its 30 days since it last ran.
    DemoTransfer(CONTOSO, TransferStatus.EXPIRED, 47),
    DemoTransfer(FABRIKAM, OVERDUE, 33),
]  # fmt: skip
MAX_DEMO_SUBSCRIPTIONS = 8  # an ordinary demo customer has 1 to 8 subscriptions


def transfer_customers(contoso: Partner, fabrikam: Partner) -> list[Customer]:
    """Customers both commercial partners have an active relationship with and that no demo
    onboarding, planned move, relationship request or transfer is about, by domain; each with
    its number of subscriptions (`n`) and the live Azure each partner holds (`azure`)."""
    active = Relationship.objects.filter(customer=OuterRef("pk"), status=RelationshipStatus.ACTIVE)
    about = OuterRef("pk")
    customers = list(
        Customer.objects.filter(cloud=Cloud.COMMERCIAL)
        .filter(Exists(active.filter(partner=contoso)), Exists(active.filter(partner=fabrikam)))
        .exclude(Exists(AzureOnboarding.objects.filter(customer=about)))
        .exclude(Exists(PlannedMove.objects.filter(customer=about)))
        .exclude(Exists(RelationshipRequest.objects.filter(customer=about)))
        .exclude(Exists(TransferRequest.objects.filter(customer=about)))
        .annotate(n=Count("subscriptions"))
        .order_by("primary_domain")
    )
    held = Counter(
        Subscription.objects.live()
        .filter(
            customer__in=[c.pk for c in customers],
            billing_type=BillingType.USAGE,
            channel=Channel.CSP,
            partner_of_record__in=(contoso, fabrikam),
        )
        .values_list("customer_id", "partner_of_record_id")
    )
    for customer in customers:
        customer.azure = {p.pk: held[customer.pk, p.pk] for p in (contoso, fabrikam)}
    return customers


def pick_transfer_customer(
    spec: DemoTransfer, source: Partner, customers: list[Customer]
) -> tuple[Customer, int] | None:
    """(customer, Azure subscriptions to add) for `spec`, taken out of `customers`: the first
    whose source holds enough Azure already, else one where it holds some, else any; never one
    that would end up with more subscriptions than a demo customer has."""

    def missing(customer: Customer) -> int:
        return max(0, spec.azure - customer.azure[source.pk])

    fits = [c for c in customers if c.n + missing(c) <= MAX_DEMO_SUBSCRIPTIONS]
    if not fits:
        return None
    customer = min(fits, key=lambda c: (missing(c) > 0, c.azure[source.pk] == 0))
    customers.remove(customer)
    return customer, missing(customer)


def add_demo_azure(customer: Customer, source: Partner, count: int) -> None:
    """Azure plans the source created for the customer in the portal: something to transfer."""
    for n in range(1, count + 1):
        Subscription.objects.create(
            customer=customer,
            offer_name=AZURE_PLAN.name,
            offer_id=AZURE_PLAN.offer_id,
            billing_type=BillingType.USAGE,
            channel=Channel.CSP,
            partner_of_record=source,
            external_id=uuid.uuid5(
                uuid.NAMESPACE_DNS, f"azure-transfer-{n}.{customer.primary_domain}"
            ),
            status=SubscriptionStatus.ACTIVE,
            commerce_type=NEW,
            source=Source.CREATED,
        )


def walk_transfer(
    spec: DemoTransfer,
    customer: Customer,
    source: Partner,
    *,
    asker: User,
    answerer: User,
    seller: User,
) -> tuple[TransferRequest, list[int]]:
    """Ask, then answer or cancel as `spec` says, through the services. Returns the transfer
    and the subscriptions the source cancelled before accepting."""
    transfer = request_transfer(
        by=asker, customer=customer, source_partner=source, notify_email=customer.contact_email
    )
    cancelled: list[int] = []
    if spec.outcome == COMPLETED:
        chosen = list(transfer.items.values_list("subscription_id", flat=True))[spec.keeps :]
        for pk in chosen[: spec.fails]:
            # The customer asked the source to cancel it after the source had chosen it.
            cancel_subscription(by=seller, subscription=Subscription.objects.get(pk=pk))
            cancelled.append(pk)
        transfer = accept_transfer(by=answerer, transfer=transfer, subscription_ids=chosen)
    elif spec.outcome == TransferStatus.DECLINED:
        transfer = decline_transfer(by=answerer, transfer=transfer, reason=spec.reason)
    elif spec.outcome == TransferStatus.CANCELLED:
        transfer = cancel_transfer(by=asker, transfer=transfer)
    return transfer, cancelled


def seed_transfers(partners: dict[str, Partner]) -> list[str]:
    """Transfer requests between the two commercial partners in every state, asked for by their
    Sales agents and answered by their Global admins through the services (so the activity log
    tells the story), then moved back in time; Azure plans are added for shared customers where
    the source holds too few. Left as it is once any transfer between the two exists. Returns
    what was skipped, and why."""
    contoso, fabrikam = partners[CONTOSO], partners[FABRIKAM]
    between = TransferRequest.objects.filter(
        source_partner__in=(contoso, fabrikam), target_partner__in=(contoso, fabrikam)
    )
    if between.exists():
        return []
    now = timezone.now()
    domains = {spec.partner_id: spec.domain for spec in PARTNERS}
    users = {u.email: u for u in User.objects.filter(partner__in=(contoso, fabrikam))}
    customers = transfer_customers(contoso, fabrikam)
    skipped: list[str] = []
    made: list[tuple[int, DemoTransfer, list[int]]] = []
    with emails_held_back():
        for spec in sorted(DEMO_TRANSFERS, key=lambda spec: -spec.days_ago):
            source = partners[OTHER_COMMERCIAL[spec.target]]
            target = partners[spec.target]
            picked = pick_transfer_customer(spec, source, customers)
            if picked is None:
                skipped.append(
                    f"{target.name}: no shared customer left for the {spec.outcome} transfer"
                )
                continue
            customer, missing = picked
            try:
                with transaction.atomic():
                    add_demo_azure(customer, source, missing)
                    transfer, cancelled = walk_transfer(
                        spec,
                        customer,
                        source,
                        asker=users[f"{ASKER}@{domains[spec.target]}"],
                        answerer=users[f"{ANSWERER}@{domains[source.partner_id]}"],
                        seller=users[f"{ASKER}@{domains[source.partner_id]}"],
                    )
            except (RuleViolation, access.RoleRequired) as exc:
                skipped.append(f"{target.name}: {spec.outcome} transfer for {customer}: {exc}")
                continue
            made.append((transfer.pk, spec, cancelled))
    overdue = False
    for pk, spec, cancelled in made:
        created = now - timedelta(days=spec.days_ago)
        answered = created + timedelta(days=spec.answered_after, hours=3)
        moved = {"created_at": created, "expires_at": created + TRANSFER_LIFETIME}
        if spec.outcome == COMPLETED:
            moved |= {"answered_at": answered, "completed_at": answered}
        elif spec.outcome == TransferStatus.DECLINED:
            moved["answered_at"] = answered
        elif spec.outcome == TransferStatus.CANCELLED:
            moved["cancelled_at"] = answered
        TransferRequest.objects.filter(pk=pk).update(**moved)
        # Cancelled between the request and the answer.
        Subscription.objects.filter(pk__in=cancelled).update(
            cancelled_at=created + (answered - created) / 2
        )
        overdue = overdue or spec.outcome in (TransferStatus.EXPIRED, OVERDUE)
    if overdue:
        with emails_held_back():
            expire_transfers(now - EXPIRY_LAST_RAN)
    return skipped


def transfers_summary(partner: Partner) -> str:
    """'incoming 1 pending, 1 completed, …; outgoing …' by effective status."""

    def counts(transfers) -> str:
        statuses = Counter(
            transfers.with_effective_status().values_list("effective_status", flat=True)
        )
        return (
            ", ".join(f"{statuses[s]} {s.label.lower()}" for s in TransferStatus if statuses[s])
            or "none"
        )

    return (
        f"incoming {counts(TransferRequest.objects.filter(target_partner=partner))}; "
        f"outgoing {counts(TransferRequest.objects.filter(source_partner=partner))}"
    )


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
                defaults={"name": spec.name, "country": spec.country, "cloud": spec.cloud},
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
        seed_customers(partners, timezone.localdate())
        grant_customer_access(partners.values())
        demo_invitation = seed_requests(partners)
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
        self.stdout.write(f"\n  Django admin (/admin/): {SUPERUSER_EMAIL}")
        if (
            demo_invitation is not None
            and demo_invitation.current_status() == RequestStatus.PENDING
        ):
            self.stdout.write(
                f"\n  Demo invitation link ({demo_invitation.partner.name} → "
                f"{demo_invitation.company_name}), to open signed out or in a private window:\n"
                f"  {demo_invitation.get_invitation_url(DEMO_BASE_URL)}"
            )
