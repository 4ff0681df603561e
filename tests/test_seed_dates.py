"""The demo seed tells the same story whatever the day it runs: its dates move with the day (the
demo should look current), but which customers there are, who holds what, every status, and
which customers the demo invitations, onboardings, moves, transfers and support requests are
about do not. The clock is moved to month ends, a leap day, a year's last evening and the day
the seed once went wrong (4 December 2026), and the seed tests' own assertions run on each."""

import inspect
from calendar import monthrange
from collections import Counter
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from multichannel import access
from multichannel.management.demo.customers import ACTIVE, EXPIRED, SUSPENDED, CustomerPlanner
from multichannel.models import (
    AuditEntry,
    AzureOnboarding,
    BillingType,
    CommerceType,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    Subscription,
    SupportRequest,
    SupportStatus,
    TransferRequest,
    User,
)
from multichannel.models.subscriptions import CANCELLATION_WINDOW
from tests import test_seed_customers, test_seed_moves, test_seed_requests, test_seed_transfers

# One seed takes 3 to 5 s here: seven days keep this file well under a minute on two workers.
SEEDED_ON = (
    datetime(2026, 11, 27, 10, 0, tzinfo=UTC),  # the seed's stories held
    datetime(2026, 12, 4, 9, 30, tzinfo=UTC),  # ...and did not
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # a year's last evening
    datetime(2027, 2, 28, 0, 20, tzinfo=UTC),  # a short month's end, just after midnight
    datetime(2027, 8, 31, 14, 0, tzinfo=UTC),  # a long month's end
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),  # a leap day
    datetime(2028, 10, 31, 7, 45, tzinfo=UTC),  # before office hours
)


def last_days(first: date, months: int) -> list[date]:
    days = []
    year, month = first.year, first.month
    for _ in range(months):
        days.append(date(year, month, monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


# Planning alone is cheap (0.1 s): every month end over two years, and the days around them.
PLANNED_ON = sorted(
    {
        *last_days(date(2026, 11, 1), 25),
        date(2026, 11, 27),
        date(2026, 12, 4),
        date(2027, 3, 1),
        date(2028, 2, 29),
        date(2028, 3, 1),
        date(2028, 12, 31),
    }
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


# --- The plan, before anything is written ---------------------------------------------------


def ending_within(end: date, today: date) -> int:
    """The list filters' and the move windows' bounds: 30, 60, 90 and 365 days."""
    days = (end - today).days
    return next((bound for bound in (30, 60, 90, 365) if days <= bound), 9999)


def without_dates(plan, day: date) -> tuple[list, Counter, int]:
    """The plan without its dates; how many live terms end within each bound of `day`; and how
    many new-commerce terms may still be cancelled (rule 13)."""
    customers: list = []
    windows: Counter[int] = Counter()
    cancellable = 0
    for customer in plan:
        relationships = sorted(
            (partner_id, fields["status"], tuple(fields.get("delegated_admin_roles", ())))
            for partner_id, fields in customer.relationships.items()
        )
        subscriptions = []
        for fields in customer.subscriptions:
            subscriptions.append(
                sorted(
                    (name, value)
                    for name, value in fields.items()
                    if name not in ("term_start", "term_end", "cancelled_at")
                )
            )
            if fields["status"] in (ACTIVE, SUSPENDED) and fields["term_end"]:
                windows[ending_within(fields["term_end"], day)] += 1
                if fields["commerce_type"] == CommerceType.NEW_COMMERCE:
                    cancellable += day <= fields["term_start"] + CANCELLATION_WINDOW
        customers.append((customer.fields, relationships, subscriptions))
    return customers, windows, cancellable


def check_dates(plan, day: date) -> None:
    """Live terms have started and not ended, expired ones ended; nothing was cancelled or
    started later than the day before (whatever the hour the seed runs)."""
    midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    for customer in plan:
        for relationship in customer.relationships.values():
            assert relationship["started_at"] < midnight, (day, customer.domain)
        for fields in customer.subscriptions:
            assert fields["cancelled_at"] is None or fields["cancelled_at"] < midnight, day
            if fields["billing_type"] != BillingType.LICENSE:
                continue
            start, end = fields["term_start"], fields["term_end"]
            assert start < end, (day, customer.domain)
            if fields["status"] in (ACTIVE, SUSPENDED):
                assert start <= day <= end, (day, customer.domain)
            elif fields["status"] == EXPIRED:
                assert end < day, (day, customer.domain)


def test_the_plan_is_the_same_whatever_the_day():
    reference = None
    for day in PLANNED_ON:
        plan = CustomerPlanner(day).plan()
        check_dates(plan, day)
        told = without_dates(plan, day)
        reference = reference or told
        assert told == reference, day


# --- The seed, written through the services -------------------------------------------------

# Seed tests that seed again or on their own are left out: the first for time, the second
# because they do not read the seed made here.
SEED_TEST_MODULES = (test_seed_customers, test_seed_requests, test_seed_moves, test_seed_transfers)
NOT_HERE = {
    "test_the_demo_customers_load_twice_to_the_same_state",
    "test_running_twice_changes_nothing",
    "test_running_twice_changes_nothing_and_no_email_is_sent",
    "test_without_suitable_subscriptions_the_items_are_skipped",
}


def seed_tests():
    for module in SEED_TEST_MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and name not in NOT_HERE:
                yield f"{module.__name__.split('.')[-1]}::{name}", function


def arguments(function, out: str) -> dict:
    """What a seed test asks its fixtures for: the seed's output, or a demo Sales agent."""
    agents = {
        "contoso_sales": "sales@contoso-partner.example",
        "fabrikam_sales": "sales@fabrikam-partner.example",
        "tailspin_sales": "sales@tailspin-gov.example",
    }
    given = {}
    for name in inspect.signature(function).parameters:
        if name == "seeded":
            given[name] = out
        elif name in agents:
            given[name] = User.objects.get(email=agents[name])
        else:
            raise LookupError(f"{function.__name__} needs {name}, which this file cannot give")
    return given


def support_holds():
    """What tests/test_seed_support.py checks of the demo support requests."""
    requests = SupportRequest.objects.all()
    assert set(requests.values_list("status", flat=True)) == set(SupportStatus.values)
    assert requests.overdue().exists()
    assert requests.exclude(assigned_to=None).exists()
    assert requests.filter(attachments__isnull=False).exists()


@pytest.mark.parametrize("moment", SEEDED_ON, ids=lambda moment: f"{moment:%Y-%m-%dT%H:%M}")
def test_the_seed_tests_hold_whatever_the_day(db, django_capture_on_commit_callbacks, moment):
    checks = [*seed_tests(), ("test_seed_support", support_holds)]
    assert len(checks) >= 30
    failures = []
    with time_machine.travel(moment):
        with django_capture_on_commit_callbacks(execute=True):
            out = seed()
        assert "Demo data skipped" not in out
        for name, function in checks:
            try:
                with transaction.atomic():  # a failing check leaves the next one a usable database
                    function(**arguments(function, out))
            except Exception as exc:  # every failing check is reported
                lines = f"{type(exc).__name__}: {exc}".splitlines()
                failures.append(f"{name}: " + "\n    ".join(lines[:4]))
    assert not failures, "\n".join(failures)


def story() -> dict:
    """The seeded demo without its dates: who holds what in which status, and which customers
    each demo story is about; where live terms end and what is overdue relative to today."""
    today, now = timezone.localdate(), timezone.now()
    subscriptions = Subscription.objects.select_related("customer", "partner_of_record")
    requests = RelationshipRequest.objects.with_effective_status().select_related(
        "partner", "customer"
    )
    transfers = TransferRequest.objects.with_effective_status().select_related(
        "source_partner", "target_partner", "customer"
    )
    return {
        "subscriptions": sorted(
            (
                s.customer.primary_domain,
                # Subscriptions the services create get a random ID: their offer tells them apart.
                str(s.external_id) if s.created_by_id is None else s.offer_name,
                s.channel,
                s.partner_of_record.partner_id if s.partner_of_record else "",
                s.status,
                s.billing_type,
                s.commerce_type,
                s.term,
                s.offer_id,
                s.quantity or 0,
                s.auto_renew,
                s.source,
                ending_within(s.term_end, today) if s.is_live and s.term_end else 0,
                bool(s.cancellation_deadline() and today <= s.cancellation_deadline()),
            )
            for s in subscriptions
        ),
        "relationships": sorted(
            Relationship.objects.values_list(
                "customer__primary_domain", "partner__partner_id", "status", "accepted_by_email"
            )
        ),
        "requests": sorted(
            (r.partner.partner_id, r.customer.primary_domain, r.status, r.effective_status)
            for r in requests
        ),
        "onboardings": sorted(
            AzureOnboarding.objects.values_list(
                "partner__partner_id", "customer__primary_domain", "reached", "status"
            )
        ),
        "moves": sorted(
            PlannedMove.objects.values_list(
                "partner__partner_id",
                "customer__primary_domain",
                "subscription__external_id",
                "status",
                "remind_days_before",
            )
        ),
        "transfers": sorted(
            (
                t.target_partner.partner_id,
                t.source_partner.partner_id,
                t.customer.primary_domain,
                t.effective_status,
                tuple(sorted(t.items.values_list("status", flat=True))),
            )
            for t in transfers
        ),
        "support": sorted(
            (
                s.partner.partner_id,
                s.number,
                s.customer.primary_domain,
                s.status,
                s.severity,
                s.is_overdue(now),
            )
            for s in SupportRequest.objects.select_related("partner", "customer")
        ),
        "activity": sorted(Counter(AuditEntry.objects.values_list("action", flat=True)).items()),
        "visible to Contoso's Sales agent": sorted(
            access.customers_for(
                User.objects.get(email="sales@contoso-partner.example")
            ).values_list("primary_domain", flat=True)
        ),
    }


def test_the_seed_tells_the_same_story_on_the_day_it_went_wrong_and_on_a_leap_day(
    db, django_capture_on_commit_callbacks
):
    stories = {}
    for moment in (SEEDED_ON[0], SEEDED_ON[1], SEEDED_ON[5]):
        with time_machine.travel(moment), transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                seed()
            stories[moment] = story()
            transaction.set_rollback(True)
    reference = stories.pop(SEEDED_ON[0])
    for moment, told in stories.items():
        for part, value in reference.items():
            assert told[part] == value, f"{part} on {moment:%Y-%m-%d}"
