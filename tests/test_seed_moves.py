"""The demo Azure onboardings and planned moves: made through the services as the demo users,
stopped at different steps or finished, moves due soon and planned further ahead, loaded once
however often the seed runs, and the due ones on the Sales agent's dashboard."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multichannel.access import ONBOARDING_CHANNELS
from multichannel.management.commands import seed_demo
from multichannel.management.demo.transfers import MAX_DEMO_SUBSCRIPTIONS
from multichannel.models import (
    Action,
    AuditEntry,
    AzureOnboarding,
    AzureService,
    BillingType,
    Channel,
    MoveStatus,
    OnboardingStatus,
    PlannedMove,
    Relationship,
    RelationshipStatus,
    ServiceDisposition,
    Source,
    Subscription,
    SubscriptionStatus,
    User,
)
from multichannel.roles import Role

CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"
SUMMARY = (
    "Contoso Cloud Solutions moves: 3 onboardings in progress, 2 finished; "
    "planned moves: 3 due, 3 planned, 1 done, 1 cancelled"
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return seed()


def onboardings_of(partner_id: str):
    return AzureOnboarding.objects.filter(partner__partner_id=partner_id).select_related(
        "partner", "customer", "source", "new_subscription", "created_by"
    )


def moves_of(partner_id: str):
    return PlannedMove.objects.filter(partner__partner_id=partner_id).select_related(
        "partner", "customer", "subscription", "created_by"
    )


def is_sales_agent(user: User, partner_id: str) -> bool:
    return user.partner.partner_id == partner_id and Role.SALES_AGENT in user.roles


def manages(partner_id: str, customer) -> bool:
    return Relationship.objects.filter(
        partner__partner_id=partner_id, customer=customer, status=RelationshipStatus.ACTIVE
    ).exists()


def state() -> dict:
    return {
        "onboardings": list(
            AzureOnboarding.objects.order_by("pk").values_list(
                "uuid", "source_id", "new_subscription_id", "reached", "status", "updated_at"
            )
        ),
        "services": list(
            AzureService.objects.order_by("pk").values_list(
                "onboarding_id", "name", "disposition", "cancelled_at"
            )
        ),
        "moves": list(
            PlannedMove.objects.order_by("pk").values_list(
                "uuid",
                "subscription_id",
                "status",
                "term_end",
                "remind_on",
                "same_offer_and_seats",
                "auto_renew_off",
                "bought_under_us",
                "notes",
                "reminded_at",
                "closed_at",
            )
        ),
        "subscriptions": list(
            Subscription.objects.order_by("pk").values_list("pk", "status", "cancelled_at")
        ),
        "activity": AuditEntry.objects.count(),
    }


def test_onboardings_stop_at_different_steps_and_some_are_finished(seeded):
    contoso = list(onboardings_of(CONTOSO))
    in_progress = [o for o in contoso if o.status == OnboardingStatus.IN_PROGRESS]
    finished = [o for o in contoso if o.status == OnboardingStatus.FINISHED]
    assert sorted(o.reached for o in in_progress) == [1, 2, 3]
    assert len(finished) == 2
    fabrikam = list(onboardings_of(FABRIKAM))
    assert [o.status for o in fabrikam] == [OnboardingStatus.IN_PROGRESS]
    assert not onboardings_of(TAILSPIN).exists()

    for onboarding in contoso + fabrikam:
        partner_id = onboarding.partner.partner_id
        assert is_sales_agent(onboarding.created_by, partner_id)
        assert manages(partner_id, onboarding.customer)
        assert onboarding.source.customer_id == onboarding.customer_id
        assert onboarding.source.billing_type == BillingType.USAGE
        assert onboarding.source.channel in ONBOARDING_CHANNELS
        names = list(onboarding.services.values_list("name", flat=True))
        # Services are noted at step 1; the new subscription is created at step 2.
        assert bool(names) == (onboarding.reached >= 2)
        assert (onboarding.new_subscription is not None) == (onboarding.reached >= 3)
        assert not any("{" in name for name in names)
    # One onboarding per customer, nobody onboarding what someone else onboards.
    customers = [o.customer_id for o in contoso + fabrikam]
    assert len(set(customers)) == len(customers)

    started = AuditEntry.objects.filter(action=Action.ONBOARDING_STARTED)
    assert started.count() == len(contoso) + len(fabrikam)
    assert AuditEntry.objects.filter(action=Action.ONBOARDING_FINISHED).count() == 2


def test_onboardings_leave_the_other_demo_stories_as_told(seeded):
    """No onboarding is about a customer a demo invitation is about (the Fabrikam customer that
    Contoso joined holds nothing of Contoso's), and the subscription one adds leaves its customer
    an ordinary demo customer (1 to 8 subscriptions)."""
    onboardings = list(onboardings_of(CONTOSO)) + list(onboardings_of(FABRIKAM))
    assert onboardings
    for onboarding in onboardings:
        customer = onboarding.customer
        assert not customer.relationship_requests.exists(), customer
        assert customer.subscriptions.count() <= MAX_DEMO_SUBSCRIPTIONS, customer


def test_a_finished_onboarding_created_exactly_one_csp_azure_subscription_held_by_contoso(
    seeded,
):
    finished = list(onboardings_of(CONTOSO).filter(status=OnboardingStatus.FINISHED))
    assert len(finished) == 2
    for onboarding in finished:
        new = onboarding.new_subscription
        assert new.customer_id == onboarding.customer_id
        assert (new.channel, new.billing_type, new.status, new.source) == (
            Channel.CSP,
            BillingType.USAGE,
            SubscriptionStatus.ACTIVE,
            Source.CREATED,
        )
        assert new.partner_of_record.partner_id == CONTOSO
        assert new.offer_name == f"Azure plan — {onboarding.friendly_name}"
        # The customer seed writes its subscriptions without a creator: this is the only one made.
        made = Subscription.objects.filter(customer=onboarding.customer, created_by__isnull=False)
        assert list(made) == [new]
        assert (
            AuditEntry.objects.filter(
                action=Action.ONBOARDING_SUBSCRIPTION_CREATED, target_id=str(onboarding.uuid)
            ).count()
            == 1
        )
        assert onboarding.finished_at is not None

    whole, partly = sorted(finished, key=lambda o: not o.cancel_source)
    # Everything moved and the old subscription cancelled as a whole.
    assert whole.cancel_source
    assert whole.source.status == SubscriptionStatus.CANCELLED
    assert whole.source.cancelled_at is not None
    assert not whole.services.filter(cancelled_at__isnull=True).exists()
    # Some services stay where they are, on the old subscription, which stays live.
    assert not partly.cancel_source
    assert partly.source.is_live
    kept = partly.services.filter(disposition=ServiceDisposition.KEEP)
    moved = partly.services.filter(disposition=ServiceDisposition.CANCEL)
    assert kept.exists() and moved.exists()
    assert not kept.filter(cancelled_at__isnull=False).exists()
    assert not moved.filter(cancelled_at__isnull=True).exists()


def test_moves_are_due_soon_planned_further_ahead_done_and_cancelled(seeded):
    today = timezone.localdate()
    contoso = list(moves_of(CONTOSO))
    by_status: dict[str, list[PlannedMove]] = {}
    for move in contoso:
        by_status.setdefault(move.status, []).append(move)
    assert {status: len(moves) for status, moves in by_status.items()} == {
        MoveStatus.DUE: 3,
        MoveStatus.PLANNED: 3,
        MoveStatus.DONE: 1,
        MoveStatus.CANCELLED: 1,
    }
    for move in by_status[MoveStatus.DUE]:
        assert today <= move.term_end <= today + timedelta(days=30)
        assert move.remind_on <= today
        assert move.reminded_at is not None
    for move in by_status[MoveStatus.PLANNED]:
        assert move.term_end > today + timedelta(days=30)
        assert move.remind_on > today
        assert move.reminded_at is None
    done = by_status[MoveStatus.DONE][0]
    assert done.same_offer_and_seats and done.auto_renew_off and done.bought_under_us
    assert done.closed_at is not None
    assert by_status[MoveStatus.CANCELLED][0].closed_at is not None
    assert any(m.same_offer_and_seats for m in by_status[MoveStatus.DUE])
    assert any(m.notes for m in by_status[MoveStatus.DUE])

    fabrikam = list(moves_of(FABRIKAM))
    assert [m.status for m in fabrikam] == [MoveStatus.PLANNED]
    assert not moves_of(TAILSPIN).exists()

    for move in contoso + fabrikam:
        partner_id = move.partner.partner_id
        subscription = move.subscription
        assert is_sales_agent(move.created_by, partner_id)
        assert manages(partner_id, move.customer)
        assert subscription.billing_type == BillingType.LICENSE
        assert not subscription.held_by(move.partner_id)
        assert subscription.is_live
        assert move.term_end == subscription.term_end
    customers = [m.customer_id for m in contoso]
    assert len(set(customers)) == len(customers)

    # The reminder job made the due ones (and the one done since) due, and emailed nobody.
    reminded = AuditEntry.objects.filter(action=Action.MOVE_DUE)
    assert reminded.count() == 4
    assert set(reminded.values_list("actor_label", flat=True)) == {"Scheduled reminder"}
    assert mail.outbox == []
    planned_by = set(
        AuditEntry.objects.filter(action=Action.MOVE_PLANNED).values_list("actor__email", flat=True)
    )
    assert {"sales@contoso-partner.example", "sales@fabrikam-partner.example"} <= planned_by


def test_running_twice_changes_nothing(seeded, django_capture_on_commit_callbacks):
    assert SUMMARY in seeded
    assert "Fabrikam Partners moves: 1 onboarding in progress, 0 finished; " in seeded
    assert "Demo data skipped" not in seeded
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        again = seed()
    assert state() == before
    assert SUMMARY in again
    assert mail.outbox == []


def test_the_sales_agents_dashboard_lists_the_due_moves(seeded):
    agent = User.objects.get(email="sales@contoso-partner.example")
    client = Client()
    client.force_login(agent)
    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Moves to us" in text
    for move in moves_of(CONTOSO):
        listed = reverse("moves:detail", args=[move.uuid]) in text
        # Due, or its reminder within 30 days: only the due ones (the rest are further ahead).
        assert listed == (move.status == MoveStatus.DUE), move
    assert "3 Azure onboardings in progress" in text


def test_without_suitable_subscriptions_the_items_are_skipped(db, monkeypatch):
    # Partners and users only: no customer, so nothing to onboard and nothing to move.
    monkeypatch.setattr(seed_demo, "seed_customers", lambda partners, today: None)
    monkeypatch.setattr(seed_demo, "seed_requests", lambda partners: None)
    out = seed()
    assert not AzureOnboarding.objects.exists()
    assert not PlannedMove.objects.exists()
    assert "Contoso Cloud Solutions moves: 0 onboardings in progress, 0 finished; " in out
    assert "planned moves: none" in out
    assert "Demo data skipped: Contoso Cloud Solutions: no Azure subscription to onboard" in out
    assert "no license-based subscription for a due move" in out
