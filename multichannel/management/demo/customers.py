"""Demo customers: planned in memory from `random.Random(2026)`, so the same tenants,
subscriptions and holders whatever the day (only dates move with it), then written in bulk."""

import random
import re
import uuid
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from multichannel.management.demo.partners import CONTOSO, FABRIKAM, TAILSPIN
from multichannel.models import (
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    Partner,
    Relationship,
    RelationshipStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    Term,
)
from multichannel.models.subscriptions import CANCELLATION_WINDOW
from multichannel.services.permissions import customer_groups

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
