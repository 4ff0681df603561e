"""Fill the database with a large partner, for benchmarks: 20,000 customers, 150,000
subscriptions across every channel, 5,000 relationship requests, 20,000 support requests,
500,000 activity-log entries and 200 users, plus a second partner sharing 5% of the customers.

Bulk inserts only (no save per row). Meant for PostgreSQL; refuses to run twice."""

import hashlib
import random
import time
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    Partner,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    Severity,
    Source,
    Subscription,
    SubscriptionStatus,
    SupportRequest,
    SupportStatus,
    SupportUserObjectPermission,
    Term,
    Topic,
    User,
)
from multichannel.models.support import RESPONSE_TARGETS
from multichannel.roles import Role
from multichannel.services.partners import sync_role_groups
from multichannel.services.permissions import customer_groups
from multichannel.services.users import RoleGroupLookup

SCALE_PARTNER_ID, SHARING_PARTNER_ID = "8100001", "8200002"
SCALE_DOMAIN = "northwind-scale.example"
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 — printed on purpose, for the benchmark
BENCH_OPERATOR = "bench-operator@portal.example"
BIG_CUSTOMER_SUBSCRIPTIONS = 200
BATCH = 5000

CHANNELS = [
    ("ours", 40),
    (Channel.DIRECT, 15),
    (Channel.ADVISOR, 8),
    (Channel.OPEN, 7),
    (Channel.EA, 10),
    (Channel.THIRD_PARTY, 5),
    ("theirs", 15),
]
STATUSES = [
    (SubscriptionStatus.ACTIVE, 80),
    (SubscriptionStatus.SUSPENDED, 5),
    (SubscriptionStatus.CANCELLED, 10),
    (SubscriptionStatus.EXPIRED, 5),
]
LICENSE_OFFERS = [
    ("Microsoft 365 E3", "CFQ7TTC0LFLX"),
    ("Microsoft 365 E5", "CFQ7TTC0LFLZ"),
    ("Microsoft 365 Business Premium", "CFQ7TTC0LCHC"),
    ("Microsoft 365 Business Standard", "CFQ7TTC0LDPB"),
    ("Office 365 E1", "CFQ7TTC0LF8R"),
    ("Exchange Online (Plan 1)", "CFQ7TTC0LH16"),
    ("Power BI Pro", "CFQ7TTC0L3PB"),
    ("Dynamics 365 Sales Enterprise", "CFQ7TTC0LGWR"),
]
AUDIT_MIX = [
    (Action.SIGNED_IN, 40),
    (Action.SIGN_IN_FAILED, 4),
    (Action.SIGNED_OUT, 10),
    (Action.CUSTOMER_CREATED, 4),
    (Action.SUBSCRIPTION_ENTERED, 10),
    (Action.SEATS_CHANGED, 8),
    (Action.AUTO_RENEW_CHANGED, 4),
    (Action.SUBSCRIPTION_CANCELLED, 3),
    (Action.REQUEST_CREATED, 4),
    (Action.REQUEST_ACCEPTED, 3),
    (Action.SUPPORT_FILED, 5),
    (Action.SUPPORT_NOTE_ADDED, 4),
    (Action.ROLES_CHANGED, 1),
]


def weighted(rng: random.Random, table):
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


class Command(BaseCommand):
    help = "Load a large partner's data for the benchmark (PostgreSQL; run once per database)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=20_000)
        parser.add_argument("--subscriptions", type=int, default=150_000)
        parser.add_argument("--requests", type=int, default=5_000)
        parser.add_argument("--support", type=int, default=20_000)
        parser.add_argument("--audit", type=int, default=500_000)
        parser.add_argument("--users", type=int, default=200)

    def handle(self, *args, **options):
        if Partner.objects.filter(partner_id=SCALE_PARTNER_ID).exists():
            raise CommandError("The scale data is already loaded in this database.")
        self.rng = random.Random(8100001)
        self.now = timezone.now()
        self.today = timezone.localdate()
        started = time.monotonic()
        with transaction.atomic():
            self.partners()
            self.step("users", lambda: self.users(options["users"]))
            self.step("customers", lambda: self.customers(options["customers"]))
            self.step("subscriptions", lambda: self.subscriptions(options["subscriptions"]))
            self.step("relationship requests", lambda: self.requests(options["requests"]))
            self.step("support requests", lambda: self.support(options["support"]))
            self.step("activity-log entries", lambda: self.audit(options["audit"]))
        if connection.vendor == "postgresql":
            # VACUUM, not only ANALYZE: it also merges the trigram (GIN) indexes' pending
            # lists, which a bulk load leaves long and every search would otherwise scan.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        total = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Scale data loaded in {total:.1f} s."))
        self.stdout.write(
            f"  Sign in as sales1@{SCALE_DOMAIN} (Sales agent) or ga1@{SCALE_DOMAIN} "
            f"(Global admin); Django admin: {BENCH_OPERATOR}. Password: {BENCH_PASSWORD}"
        )

    def step(self, what: str, load) -> None:
        started = time.monotonic()
        count = load()
        self.stdout.write(f"  {count:>9,} {what} in {time.monotonic() - started:.1f} s")

    # --- Partners and users -------------------------------------------------------------------

    def partners(self) -> None:
        self.partner = Partner.objects.create(
            partner_id=SCALE_PARTNER_ID, name="Northwind Scale Partners", country="US"
        )
        self.sharer = Partner.objects.create(
            partner_id=SHARING_PARTNER_ID, name="Litware Scale Partners", country="US"
        )
        for partner in (self.partner, self.sharer):
            sync_role_groups(partner)

    def users(self, count: int) -> int:
        password = make_password(BENCH_PASSWORD)
        plan = [("ga", Role.GLOBAL_ADMIN, 4), ("um", Role.USER_MANAGEMENT_ADMIN, 4)]
        plan.append(("sales", Role.SALES_AGENT, count - 8))
        users, roles = [], []
        for prefix, role, how_many in plan:
            for n in range(1, how_many + 1):
                users.append(
                    User(
                        email=f"{prefix}{n}@{SCALE_DOMAIN}",
                        full_name=f"{role.label} {n}",
                        partner=self.partner,
                        password=password,
                        last_login=self.now - timedelta(days=self.rng.randint(0, 60)),
                    )
                )
                roles.append(role)
        users.append(
            User(
                email="ga1@litware-scale.example",
                full_name="Litware Global admin",
                partner=self.sharer,
                password=password,
            )
        )
        roles.append(Role.GLOBAL_ADMIN)
        User.objects.bulk_create(users, batch_size=BATCH)
        saved = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
        lookups = {p.pk: RoleGroupLookup(p) for p in (self.partner, self.sharer)}
        memberships = [
            User.groups.through(
                user_id=saved[u.email].pk, group_id=lookups[u.partner_id].groups([r])[0]
            )
            for u, r in zip(users, roles, strict=True)
        ]
        User.groups.through.objects.bulk_create(memberships, batch_size=BATCH)
        if not User.objects.filter(email=BENCH_OPERATOR).exists():
            User.objects.create_superuser(
                email=BENCH_OPERATOR, password=BENCH_PASSWORD, full_name="Bench operator"
            )
        self.sales = list(
            User.objects.filter(partner=self.partner, email__startswith="sales").values_list(
                "pk", flat=True
            )
        )
        self.staff = list(User.objects.filter(partner=self.partner).values_list("pk", "email"))
        return len(users)

    # --- Customers, relationships, access -----------------------------------------------------

    def customers(self, count: int) -> int:
        rng = self.rng
        customers = [
            Customer(
                tenant_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                company_name=f"Scale Customer {n:05d} {rng.choice(['Ltd', 'Inc.', 'GmbH', 'LLC'])}",
                primary_domain=f"scale{n:05d}.onmicrosoft.com",
                country=rng.choice(["US", "GB", "DE", "FR", "CA", "AU"]),
                cloud=Cloud.COMMERCIAL,
                contact_name=f"Contact {n}",
                contact_email=f"admin@scale{n:05d}.onmicrosoft.com",
                created_by_partner=self.partner if n % 3 == 0 else None,
            )
            for n in range(1, count + 1)
        ]
        Customer.objects.bulk_create(customers, batch_size=BATCH)
        self.customer_ids = list(
            Customer.objects.filter(primary_domain__startswith="scale")
            .order_by("primary_domain")
            .values_list("pk", flat=True)
        )
        shared = self.customer_ids[: max(1, count // 20)]  # 5%
        relationships = [
            Relationship(
                partner=self.partner,
                customer_id=pk,
                status=RelationshipStatus.ACTIVE,
                started_at=self.now - timedelta(days=rng.randint(1, 1500)),
                delegated_admin_roles=["Global reader"] if pk % 4 == 0 else [],
                delegated_admin_until=self.today + timedelta(days=200) if pk % 4 == 0 else None,
            )
            for pk in self.customer_ids
        ] + [
            Relationship(partner=self.sharer, customer_id=pk, status=RelationshipStatus.ACTIVE)
            for pk in shared
        ]
        Relationship.objects.bulk_create(relationships, batch_size=BATCH)
        permissions = list(
            Permission.objects.filter(
                content_type__app_label="multichannel",
                codename__in=["view_customer", "change_customer"],
            )
        )
        grants = [
            CustomerGroupObjectPermission(content_object_id=pk, group=group, permission=perm)
            for partner, ids in ((self.partner, self.customer_ids), (self.sharer, shared))
            for group in customer_groups(partner)
            for perm in permissions
            for pk in ids
        ]
        CustomerGroupObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
        self.shared = set(shared)
        return count

    # --- Subscriptions -------------------------------------------------------------------------

    def subscriptions(self, count: int) -> int:
        rng = self.rng
        big = self.customer_ids[len(self.customer_ids) // 2]
        self.big_customer = big
        per_customer = [big] * BIG_CUSTOMER_SUBSCRIPTIONS
        others = [pk for pk in self.customer_ids if pk != big]
        while len(per_customer) < count:
            per_customer.append(rng.choice(others))
        rows = (self.subscription(pk) for pk in per_customer)
        if connection.vendor == "postgresql":
            return copy_into(Subscription, rows)
        Subscription.objects.bulk_create(rows, batch_size=BATCH)
        return len(per_customer)

    def subscription(self, customer_id: int) -> Subscription:
        rng = self.rng
        channel = weighted(rng, CHANNELS)
        holder = None
        if channel in ("ours", "theirs"):
            holder = self.partner if channel == "ours" else self.sharer
            channel = Channel.CSP
        usage = rng.random() < 0.35
        status = weighted(rng, STATUSES)
        fields = {
            "customer_id": customer_id,
            "channel": channel,
            "partner_of_record": holder,
            "external_id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "status": status,
            "commerce_type": CommerceType.NEW_COMMERCE
            if rng.random() < 0.8
            else CommerceType.LEGACY,
            "source": Source.CREATED if holder is self.partner else Source.ENTERED,
            "cancelled_at": self.now - timedelta(days=rng.randint(1, 300))
            if status == SubscriptionStatus.CANCELLED
            else None,
        }
        if usage:
            return Subscription(
                offer_name="Azure plan",
                offer_id="DZH318Z0BPS6",
                billing_type=BillingType.USAGE,
                **fields,
            )
        offer_name, offer_id = rng.choice(LICENSE_OFFERS)
        term = rng.choice([Term.MONTHLY, Term.ANNUAL, Term.ANNUAL, Term.TRIENNIAL])
        length = {Term.MONTHLY: 30, Term.ANNUAL: 365, Term.TRIENNIAL: 1095}[term]
        start = self.today - timedelta(days=rng.randint(0, length - 1))
        return Subscription(
            offer_name=offer_name,
            offer_id=offer_id,
            billing_type=BillingType.LICENSE,
            quantity=rng.randint(1, 500),
            term=term,
            term_start=start,
            term_end=start + timedelta(days=length),
            auto_renew=rng.random() < 0.7,
            **fields,
        )

    # --- Relationship requests ------------------------------------------------------------------

    def requests(self, count: int) -> int:
        rng = self.rng
        statuses = [
            (RequestStatus.ACCEPTED, 60),
            (RequestStatus.EXPIRED, 20),
            (RequestStatus.REVOKED, 10),
            (RequestStatus.PENDING, 10),
        ]
        requests = []
        for n in range(count):
            customer_id = rng.choice(self.customer_ids)
            status = weighted(rng, statuses)
            created = self.now - timedelta(days=rng.randint(0, 700))
            if status == RequestStatus.PENDING:
                created = self.now - timedelta(days=rng.randint(0, 80))
            nonce = f"{rng.getrandbits(128):032x}"
            requests.append(
                RelationshipRequest(
                    partner=self.partner,
                    customer_id=customer_id,
                    company_name=f"Scale Customer {customer_id}",
                    domain=f"request{n}.onmicrosoft.com",
                    contact_email=f"admin@request{n}.onmicrosoft.com",
                    created_by_id=rng.choice(self.sales),
                    created_at=created,
                    expires_at=created + timedelta(days=90),
                    email_text="Hello, we would like to become your reseller.",
                    delegated_admin_roles=["Global reader"] if n % 3 == 0 else [],
                    delegated_admin_days=365 if n % 3 == 0 else None,
                    status=status,
                    token_nonce=nonce,
                    token_hash=hashlib.sha256(f"scale:{n}:{nonce}".encode()).hexdigest(),
                )
            )
        RelationshipRequest.objects.bulk_create(requests, batch_size=BATCH)
        return count

    # --- Support requests -----------------------------------------------------------------------

    def support(self, count: int) -> int:
        rng = self.rng
        statuses = [
            (SupportStatus.OPEN, 30),
            (SupportStatus.ATTENTION_NEEDED, 10),
            (SupportStatus.CLOSED, 60),
        ]
        requests = []
        for n in range(count):
            severity = rng.choice(Severity.values)
            created = self.now - timedelta(hours=rng.randint(1, 24 * 500))
            status = weighted(rng, statuses)
            responded = rng.random() < 0.8
            requests.append(
                SupportRequest(
                    number=1001 + n,
                    partner=self.partner,
                    customer_id=rng.choice(self.customer_ids),
                    topic=rng.choice(Topic.values),
                    severity=severity,
                    title=f"Scale support request {n}",
                    description="Generated for the benchmark.",
                    contact_name="Contact",
                    contact_email="contact@scale.example",
                    status=status,
                    created_by_id=rng.choice(self.sales),
                    assigned_to_id=rng.choice(self.sales) if rng.random() < 0.5 else None,
                    created_at=created,
                    updated_at=created + timedelta(hours=rng.randint(0, 48)),
                    response_due_at=created + RESPONSE_TARGETS[Severity(severity)],
                    first_response_at=created + timedelta(hours=1) if responded else None,
                    closed_at=created + timedelta(days=2)
                    if status == SupportStatus.CLOSED
                    else None,
                )
            )
        SupportRequest.objects.bulk_create(requests, batch_size=BATCH)
        permissions = list(
            Permission.objects.filter(
                content_type__app_label="multichannel",
                codename__in=["view_supportrequest", "change_supportrequest"],
            )
        )
        grants = []
        for pk, filer, assignee in SupportRequest.objects.filter(partner=self.partner).values_list(
            "pk", "created_by_id", "assigned_to_id"
        ):
            for user_id in {filer, assignee} - {None}:
                grants.extend(
                    SupportUserObjectPermission(
                        content_object_id=pk, user_id=user_id, permission=perm
                    )
                    for perm in permissions
                )
        SupportUserObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
        return count

    # --- The activity log ------------------------------------------------------------------------

    def audit(self, count: int) -> int:
        entries = self.audit_entries(count)
        if connection.vendor == "postgresql":
            return copy_into(AuditEntry, entries)
        written = 0
        batch = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= BATCH:
                AuditEntry.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        AuditEntry.objects.bulk_create(batch)
        return written + len(batch)

    def audit_entries(self, count: int):
        rng = self.rng
        for _ in range(count):
            action = weighted(rng, AUDIT_MIX)
            actor_id, email = rng.choice(self.staff)
            customer_id = (
                rng.choice(self.customer_ids) if action.category not in ("auth", "users") else None
            )
            yield AuditEntry(
                partner=self.partner,
                actor_id=actor_id,
                actor_label=email,
                action=action,
                category=action.category,
                target_type="customer" if customer_id else "user",
                target_id=str(customer_id or actor_id),
                target_label=f"Scale Customer {customer_id}" if customer_id else email,
                customer_id=customer_id,
                ip_address="10.0.0.1",
                created_at=self.now - timedelta(seconds=rng.randint(0, 365 * 86400)),
            )


def copy_into(model, instances) -> int:
    """PostgreSQL's COPY for unsaved model instances: much faster than INSERTs for big tables."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for instance in instances:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
            )
            count += 1
    return count
