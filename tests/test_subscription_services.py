"""Changes to a subscription our partner holds: seats, auto-renew, suspend, reactivate, cancel
(DESIGN §2 "Who sees what", rules 1, 13, 15 and 16)."""

from datetime import date, timedelta

import pytest

from multichannel import access
from multichannel.models import (
    Action,
    AuditEntry,
    Channel,
    CommerceType,
    Relationship,
    RelationshipStatus,
    Subscription,
    SubscriptionStatus,
    User,
)
from multichannel.roles import Role
from multichannel.services import subscriptions as services
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from tests.factories import PartnerFactory, SubscriptionFactory, make_managed_customer, make_user
from tests.races import race

TERM_START = date(2026, 3, 1)
DAY_7 = TERM_START + timedelta(days=7)  # the last day of the cancellation window
DAY_8 = TERM_START + timedelta(days=8)
LATER = TERM_START + timedelta(days=200)

STATE_FIELDS = ("quantity", "auto_renew", "status", "cancelled_at")


@pytest.fixture
def customer(partner):
    return make_managed_customer(partner, company_name="Northwind Traders")


@pytest.fixture
def held(customer, partner):
    """A new-commerce annual license we hold: 10 seats, auto-renew on, started TERM_START."""
    return SubscriptionFactory(
        customer=customer, held_by=partner, quantity=10, term_start=TERM_START
    )


def _state(subscription: Subscription) -> dict:
    subscription.refresh_from_db()
    return {field: getattr(subscription, field) for field in STATE_FIELDS}


def _only_entry(action: Action) -> AuditEntry:
    entry = AuditEntry.objects.get()
    assert entry.action == action
    return entry


# --- Each change, and what the log says -------------------------------------------------------


@pytest.mark.rule(15)
def test_it_adds_seats_and_records_old_and_new(sales_agent, held, partner, customer):
    result = services.change_seats(by=sales_agent, subscription=held, quantity=15, today=LATER)

    assert result.quantity == 15
    assert _state(held)["quantity"] == 15
    entry = _only_entry(Action.SEATS_CHANGED)
    assert entry.old_values == {"quantity": 10}
    assert entry.new_values == {"quantity": 15}
    assert entry.actor == sales_agent
    assert entry.partner == partner
    assert entry.customer == customer
    assert entry.target_id == str(held.uuid)


def test_it_turns_auto_renew_off_and_records_old_and_new(global_admin, held):
    services.set_auto_renew(by=global_admin, subscription=held, on=False)

    assert _state(held)["auto_renew"] is False
    entry = _only_entry(Action.AUTO_RENEW_CHANGED)
    assert entry.old_values == {"auto_renew": True}
    assert entry.new_values == {"auto_renew": False}


def test_it_turns_auto_renew_back_on(global_admin, customer, partner):
    subscription = SubscriptionFactory(customer=customer, held_by=partner, auto_renew=False)

    services.set_auto_renew(by=global_admin, subscription=subscription, on=True)

    assert _state(subscription)["auto_renew"] is True
    assert _only_entry(Action.AUTO_RENEW_CHANGED).new_values == {"auto_renew": True}


def test_it_suspends_and_records_old_and_new(sales_agent, held):
    services.suspend(by=sales_agent, subscription=held)

    assert _state(held)["status"] == SubscriptionStatus.SUSPENDED
    entry = _only_entry(Action.SUBSCRIPTION_SUSPENDED)
    assert entry.old_values == {"status": "active"}
    assert entry.new_values == {"status": "suspended"}


def test_it_reactivates_a_suspended_subscription_and_records_old_and_new(sales_agent, held):
    Subscription.objects.filter(pk=held.pk).update(status=SubscriptionStatus.SUSPENDED)

    services.reactivate(by=sales_agent, subscription=held)

    assert _state(held)["status"] == SubscriptionStatus.ACTIVE
    entry = _only_entry(Action.SUBSCRIPTION_REACTIVATED)
    assert entry.old_values == {"status": "suspended"}
    assert entry.new_values == {"status": "active"}


def test_it_cancels_within_the_window_ends_auto_renew_and_records_old_and_new(sales_agent, held):
    services.cancel(by=sales_agent, subscription=held, today=TERM_START)

    state = _state(held)
    assert state["status"] == SubscriptionStatus.CANCELLED
    assert state["auto_renew"] is False
    assert state["cancelled_at"] is not None
    entry = _only_entry(Action.SUBSCRIPTION_CANCELLED)
    assert entry.old_values == {"status": "active", "auto_renew": True, "cancelled_at": None}
    assert entry.new_values["status"] == "cancelled"
    assert entry.new_values["auto_renew"] is False
    assert entry.new_values["cancelled_at"]


def test_it_cancels_a_suspended_subscription(sales_agent, held):
    Subscription.objects.filter(pk=held.pk).update(status=SubscriptionStatus.SUSPENDED)

    services.cancel(by=sales_agent, subscription=held, today=DAY_7)

    assert _state(held)["status"] == SubscriptionStatus.CANCELLED


# --- Rule 13: the new-commerce window -----------------------------------------------------------


@pytest.mark.rule(13)
def test_it_cancels_new_commerce_on_the_seventh_day(global_admin, held):
    services.cancel(by=global_admin, subscription=held, today=DAY_7)

    assert _state(held)["status"] == SubscriptionStatus.CANCELLED


@pytest.mark.rule(13)
def test_it_refuses_to_cancel_new_commerce_on_the_eighth_day_and_offers_to_end_auto_renew(
    global_admin, held
):
    before = _state(held)

    with pytest.raises(RuleViolation) as refusal:
        services.cancel(by=global_admin, subscription=held, today=DAY_8)

    assert "only within 7 days" in refusal.value.message
    assert "closed on 2026-03-08" in refusal.value.message
    assert "Turn off auto-renew so that it ends on 2027-02-28." in refusal.value.message
    assert _state(held) == before
    assert not AuditEntry.objects.exists()


def test_it_says_when_a_subscription_past_its_window_ends_if_auto_renew_is_already_off(
    global_admin, customer, partner
):
    subscription = SubscriptionFactory(
        customer=customer, held_by=partner, term_start=TERM_START, auto_renew=False
    )

    with pytest.raises(RuleViolation) as refusal:
        services.cancel(by=global_admin, subscription=subscription, today=DAY_8)

    assert "Auto-renew is off, so it ends on 2027-02-28." in refusal.value.message


@pytest.mark.rule(13)
def test_it_cancels_a_legacy_subscription_at_any_time(global_admin, customer, partner):
    legacy = SubscriptionFactory(
        customer=customer,
        held_by=partner,
        term_start=TERM_START,
        commerce_type=CommerceType.LEGACY,
    )

    services.cancel(by=global_admin, subscription=legacy, today=LATER)

    assert _state(legacy)["status"] == SubscriptionStatus.CANCELLED


def test_it_cancels_held_azure_at_any_time(global_admin, customer, partner):
    azure = SubscriptionFactory(customer=customer, held_by=partner, usage=True)

    services.cancel(by=global_admin, subscription=azure, today=LATER)

    assert _state(azure)["status"] == SubscriptionStatus.CANCELLED


@pytest.mark.rule(13)
def test_it_lowers_new_commerce_seats_on_the_seventh_day(sales_agent, held):
    services.change_seats(by=sales_agent, subscription=held, quantity=8, today=DAY_7)

    assert _state(held)["quantity"] == 8


@pytest.mark.rule(13)
def test_it_refuses_to_lower_new_commerce_seats_on_the_eighth_day(sales_agent, held):
    with pytest.raises(RuleViolation) as refusal:
        services.change_seats(by=sales_agent, subscription=held, quantity=8, today=DAY_8)

    assert refusal.value.field == "quantity"
    assert "only within 7 days" in refusal.value.message
    assert _state(held)["quantity"] == 10
    assert not AuditEntry.objects.exists()


def test_it_raises_new_commerce_seats_after_the_window(sales_agent, held):
    services.change_seats(by=sales_agent, subscription=held, quantity=12, today=LATER)

    assert _state(held)["quantity"] == 12


def test_it_lowers_legacy_seats_at_any_time(sales_agent, customer, partner):
    legacy = SubscriptionFactory(
        customer=customer, held_by=partner, quantity=10, commerce_type=CommerceType.LEGACY
    )

    services.change_seats(by=sales_agent, subscription=legacy, quantity=3, today=LATER)

    assert _state(legacy)["quantity"] == 3


# --- Refusals change nothing --------------------------------------------------------------------


def _every_change(subscription, today=DAY_7):
    """Each service, called in a way that would succeed on an active subscription we hold."""
    return {
        "change_seats": lambda by: services.change_seats(
            by=by, subscription=subscription, quantity=12, today=today
        ),
        "set_auto_renew": lambda by: services.set_auto_renew(
            by=by, subscription=subscription, on=False
        ),
        "suspend": lambda by: services.suspend(by=by, subscription=subscription),
        "cancel": lambda by: services.cancel(by=by, subscription=subscription, today=today),
    }


CHANGES = ["change_seats", "set_auto_renew", "suspend", "cancel"]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.rule(1)
def test_it_refuses_a_user_management_admin(user_admin, held, change):
    before = _state(held)

    with pytest.raises(access.RoleRequired):
        _every_change(held)[change](user_admin)

    assert _state(held) == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change", [*CHANGES, "reactivate"])
@pytest.mark.parametrize("channel", [Channel.DIRECT, Channel.EA, Channel.CSP])
@pytest.mark.rule(1)
def test_it_changes_only_what_our_partner_holds(
    sales_agent, customer, other_partner, change, channel
):
    """Bought elsewhere and entered by hand, or held by another CSP partner: not ours to change."""
    subscription = SubscriptionFactory(
        customer=customer, held_by=other_partner if channel == Channel.CSP else None
    )
    if channel != Channel.CSP:
        Subscription.objects.filter(pk=subscription.pk).update(channel=channel)
    if change == "reactivate":
        Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.SUSPENDED)
    before = _state(subscription)
    calls = {
        **_every_change(subscription),
        "reactivate": lambda by: services.reactivate(by=by, subscription=subscription),
    }

    with pytest.raises(RuleViolation) as refusal:
        calls[change](sales_agent)

    assert refusal.value.message.startswith("Only the partner of record changes it")
    assert _state(subscription) == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.rule(1)
def test_it_gives_another_partners_sales_agent_nothing(held, other_partner, change):
    other_sales_agent = make_user(other_partner, Role.SALES_AGENT)
    before = _state(held)

    assert not access.subscriptions_for(other_sales_agent).exists()
    with pytest.raises(RuleViolation):
        _every_change(held)[change](other_sales_agent)

    assert _state(held) == before
    assert not AuditEntry.objects.exists()


def test_it_gives_another_partner_with_a_relationship_a_view_but_no_changes(
    held, customer, other_partner
):
    """Multi-partner: the other partner sees the customer's subscriptions, changes none of ours."""
    other_sales_agent = make_user(other_partner, Role.SALES_AGENT)
    Relationship.objects.create(
        partner=other_partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, other_partner)

    assert list(access.subscriptions_for(other_sales_agent)) == [held]
    for change in _every_change(held).values():
        with pytest.raises(RuleViolation):
            change(other_sales_agent)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("status", "change", "words"),
    [
        (SubscriptionStatus.CANCELLED, "cancel", "It is cancelled."),
        (SubscriptionStatus.EXPIRED, "cancel", "It is expired."),
        (SubscriptionStatus.CANCELLED, "change_seats", "It is cancelled."),
        (SubscriptionStatus.CANCELLED, "set_auto_renew", "It is cancelled."),
        (SubscriptionStatus.CANCELLED, "suspend", "It is cancelled."),
        (SubscriptionStatus.CANCELLED, "reactivate", "It is cancelled."),
        (SubscriptionStatus.SUSPENDED, "suspend", "already suspended"),
        (SubscriptionStatus.SUSPENDED, "change_seats", "Reactivate it before changing seats."),
        (SubscriptionStatus.ACTIVE, "reactivate", "It is not suspended."),
    ],
)
def test_it_refuses_what_the_status_does_not_allow(sales_agent, held, status, change, words):
    Subscription.objects.filter(pk=held.pk).update(status=status)
    calls = {
        **_every_change(held),
        "reactivate": lambda by: services.reactivate(by=by, subscription=held),
    }
    before = _state(held)

    with pytest.raises(RuleViolation) as refusal:
        calls[change](sales_agent)

    assert words in refusal.value.message
    assert _state(held) == before
    assert not AuditEntry.objects.exists()


def test_it_refuses_seats_on_held_azure(sales_agent, customer, partner):
    azure = SubscriptionFactory(customer=customer, held_by=partner, usage=True)

    with pytest.raises(RuleViolation) as refusal:
        services.change_seats(by=sales_agent, subscription=azure, quantity=3, today=DAY_7)

    assert refusal.value.message == "Usage-based subscriptions have no seats."
    assert _state(azure)["quantity"] is None
    assert not AuditEntry.objects.exists()


def test_it_refuses_auto_renew_on_held_azure(sales_agent, customer, partner):
    azure = SubscriptionFactory(customer=customer, held_by=partner, usage=True)

    with pytest.raises(RuleViolation) as refusal:
        services.set_auto_renew(by=sales_agent, subscription=azure, on=True)

    assert "do not renew" in refusal.value.message
    assert _state(azure)["auto_renew"] is False


def test_it_refuses_the_seat_count_it_already_has(sales_agent, held):
    with pytest.raises(RuleViolation) as refusal:
        services.change_seats(by=sales_agent, subscription=held, quantity=10, today=DAY_7)

    assert refusal.value.message == "It already has 10 seats."
    assert refusal.value.field == "quantity"
    assert not AuditEntry.objects.exists()


def test_it_refuses_the_auto_renew_setting_it_already_has(sales_agent, held):
    with pytest.raises(RuleViolation) as refusal:
        services.set_auto_renew(by=sales_agent, subscription=held, on=True)

    assert refusal.value.message == "Auto-renew is already on."
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("quantity", [0, -5])
def test_it_refuses_fewer_than_one_seat_as_a_rule_not_a_database_error(
    sales_agent, customer, partner, quantity
):
    legacy = SubscriptionFactory(
        customer=customer, held_by=partner, quantity=10, commerce_type=CommerceType.LEGACY
    )

    with pytest.raises(RuleViolation) as refusal:
        services.change_seats(by=sales_agent, subscription=legacy, quantity=quantity, today=DAY_7)

    assert refusal.value.field == "quantity"
    assert _state(legacy)["quantity"] == 10
    assert not AuditEntry.objects.exists()


@pytest.mark.rule(1)
def test_it_refuses_a_deactivated_sales_agent(sales_agent, held):
    User.objects.filter(pk=sales_agent.pk).update(is_active=False)

    with pytest.raises(access.RoleRequired):
        services.cancel(by=sales_agent, subscription=held, today=DAY_7)
    assert _state(held)["status"] == SubscriptionStatus.ACTIVE


def test_it_judges_by_the_row_as_it_is_now_not_as_the_caller_last_saw_it(sales_agent, held):
    """A stale copy that still says "active" cannot cancel what someone else already cancelled."""
    stale = Subscription.objects.get(pk=held.pk)
    services.cancel(by=sales_agent, subscription=held, today=DAY_7)

    with pytest.raises(RuleViolation) as refusal:
        services.cancel(by=sales_agent, subscription=stale, today=DAY_7)

    assert refusal.value.message == "It is cancelled."
    assert AuditEntry.objects.filter(action=Action.SUBSCRIPTION_CANCELLED).count() == 1


# --- Rule 16: two people cancelling at once ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(16)
def test_two_people_cancelling_at_once_cancel_it_once_and_the_other_is_told(monkeypatch):
    partner = PartnerFactory()
    first = make_user(partner, Role.GLOBAL_ADMIN)
    second = make_user(partner, Role.SALES_AGENT)
    subscription = SubscriptionFactory.create(
        customer=make_managed_customer(partner), held_by=partner, term_start=TERM_START
    )

    def run(actor_pk):
        services.cancel(
            by=User.objects.get(pk=actor_pk),
            subscription=Subscription.objects.get(pk=subscription.pk),
            today=DAY_7,
        )
        return "done"

    outcomes = race(
        lambda: run(first.pk),
        lambda: run(second.pk),
        monkeypatch=monkeypatch,
        holding=(access, "can_cancel"),  # the first holds the subscription's row
    )

    assert outcomes.count("done") == 1, outcomes
    refusals = [outcome for outcome in outcomes if outcome != "done"]
    assert len(refusals) == 1
    assert isinstance(refusals[0], RuleViolation), refusals
    assert refusals[0].message == "It is cancelled."
    assert AuditEntry.objects.filter(action=Action.SUBSCRIPTION_CANCELLED).count() == 1
    assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.CANCELLED
