"""The next step the portal offers for a subscription, over the whole table (DESIGN §1, rules 10
and 13): billing type x channel x partner of record x relationship x term x status.

The expectations are written below as rules in plain words, independently of the code under
test; every combination is generated and checked against them. No database is needed: the
subscriptions and partners are unsaved instances.
"""

import itertools
from datetime import date

import pytest
from django.urls import NoReverseMatch

from multichannel.models import (
    AzureOnboarding,
    BillingType,
    Channel,
    CommerceType,
    Customer,
    OnboardingStatus,
    OnboardingStep,
    Partner,
    Subscription,
    SubscriptionStatus,
)
from multichannel.next_steps import Kind, NextStep, action_for, next_step

TODAY = date(2026, 6, 15)
FUTURE_END = date(2027, 3, 31)
PAST_END = date(2026, 1, 31)

US = Partner(pk=1, name="Contoso Cloud Solutions", partner_id="4100123")
ANOTHER = Partner(pk=2, name="Fabrikam Partners", partner_id="5200456")

# The axes of the table. Only CSP subscriptions have a partner of record (us or another partner);
# every other channel has none. License-based subscriptions have a term that ends in the future,
# ended in the past, or has no end recorded; usage-based ones have no term.
BILLING_TYPES = [BillingType.LICENSE, BillingType.USAGE]
CHANNELS = [
    Channel.CSP,
    Channel.DIRECT,
    Channel.ADVISOR,
    Channel.OPEN,
    Channel.EA,
    Channel.THIRD_PARTY,
]
HOLDERS = ["us", "another partner", "none"]
RELATIONSHIP = [True, False]
TERM_ENDS = {"future": FUTURE_END, "past": PAST_END, "no end date": None}
STATUSES = [
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.SUSPENDED,
    SubscriptionStatus.CANCELLED,
    SubscriptionStatus.EXPIRED,
]


def _possible(billing_type, channel, holder, term) -> bool:
    if (channel == Channel.CSP) != (holder != "none"):
        return False  # CSP always has a partner of record; nothing else ever has one.
    if billing_type == BillingType.USAGE:
        return term == "no end date"
    return True


def expected_kind(billing_type, channel, holder, relationship_active, status) -> str:
    """What a partner employee should be offered, in the order the rules apply."""
    if status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED):
        return Kind.ENDED  # it no longer runs: nothing to do
    if holder == "us":
        return Kind.MANAGED  # we are its partner of record
    if not relationship_active:
        return Kind.REQUEST_RELATIONSHIP  # nothing else is possible without one
    if billing_type == BillingType.LICENSE:
        return Kind.PLAN_MOVE  # rule 10: licenses move only at term end, whatever the channel
    if channel == Channel.CSP:
        return Kind.SWITCH_PARTNER  # Azure held by another CSP partner: transfer it
    return Kind.ONBOARD_AZURE  # Azure bought direct, Advisor, Open, EA or from a third party


def subscription(
    *,
    billing_type=BillingType.LICENSE,
    channel=Channel.DIRECT,
    holder="none",
    term_end=FUTURE_END,
    status=SubscriptionStatus.ACTIVE,
) -> Subscription:
    license_based = billing_type == BillingType.LICENSE
    return Subscription(
        customer=Customer(company_name="Northwind Traders"),
        offer_name="Microsoft 365 E3" if license_based else "Azure plan",
        offer_id="CFQ7TTC0LFLX" if license_based else "DZH318Z0BPS6",
        billing_type=billing_type,
        channel=channel,
        partner_of_record={"us": US, "another partner": ANOTHER, "none": None}[holder],
        quantity=25 if license_based else None,
        term_start=date(2026, 4, 1) if license_based and term_end else None,
        term_end=term_end,
        status=status,
        commerce_type=CommerceType.NEW_COMMERCE,
    )


def step_for(sub: Subscription, *, relationship_active=True) -> NextStep:
    return next_step(sub, partner_id=US.pk, relationship_active=relationship_active, today=TODAY)


TABLE = [
    combination
    for combination in itertools.product(
        BILLING_TYPES, CHANNELS, HOLDERS, RELATIONSHIP, TERM_ENDS, STATUSES
    )
    if _possible(*combination[:3], combination[4])
]


def _table_id(combination) -> str:
    billing_type, channel, holder, active, term, status = combination
    relationship = "relationship" if active else "no-relationship"
    return f"{billing_type}-{channel}-{holder}-{relationship}-{term}-{status}".replace(" ", "_")


def test_the_table_covers_every_possible_combination():
    # License: 1 CSP channel x 2 holders + 5 other channels x 1 = 7 channel/holder pairs,
    # x 2 relationship states x 3 term ends x 4 statuses = 168; usage: 7 x 2 x 1 x 4 = 56.
    assert len(TABLE) == 168 + 56
    assert {c[0] for c in TABLE} == set(BILLING_TYPES)
    assert {c[1] for c in TABLE} == set(CHANNELS)
    assert {c[2] for c in TABLE} == set(HOLDERS)
    assert {c[4] for c in TABLE} == set(TERM_ENDS)
    assert {c[5] for c in TABLE} == set(STATUSES)


@pytest.mark.parametrize("combination", TABLE, ids=[_table_id(c) for c in TABLE])
def test_it_offers_the_step_the_rules_say_for_every_combination(combination):
    billing_type, channel, holder, active, term, status = combination
    sub = subscription(
        billing_type=billing_type,
        channel=channel,
        holder=holder,
        term_end=TERM_ENDS[term],
        status=status,
    )

    step = step_for(sub, relationship_active=active)

    assert step.kind == expected_kind(billing_type, channel, holder, active, status)
    assert step.title
    assert step.detail
    assert step.tone in {"primary", "secondary", "success", "info", "warning", "danger"}


def test_it_reaches_every_kind_of_step_somewhere_in_the_table():
    kinds = {
        step_for(
            subscription(billing_type=b, channel=c, holder=h, term_end=TERM_ENDS[t], status=s),
            relationship_active=a,
        ).kind
        for b, c, h, a, t, s in TABLE
    }
    assert kinds == {
        Kind.MANAGED,
        Kind.ENDED,
        Kind.REQUEST_RELATIONSHIP,
        Kind.PLAN_MOVE,
        Kind.ONBOARD_AZURE,
        Kind.SWITCH_PARTNER,
    }


# --- What the user reads ----------------------------------------------------------------------


def test_it_offers_to_plan_the_move_after_a_license_term_ends_and_shows_the_date():
    step = step_for(subscription(channel=Channel.OPEN, term_end=FUTURE_END))

    assert step.kind == Kind.PLAN_MOVE
    assert step.title == "Can move to us after 2027-03-31 (term end) — plan it"
    assert "cannot switch partner before" in step.detail


def test_it_says_a_license_held_by_another_partner_also_waits_for_its_term_end():
    step = step_for(subscription(channel=Channel.CSP, holder="another partner"))

    assert step.kind == Kind.PLAN_MOVE
    assert step.title == "Can move to us after 2027-03-31 (term end) — plan it"


def test_it_asks_to_check_the_renewal_of_a_license_whose_term_end_has_passed():
    step = step_for(subscription(channel=Channel.EA, term_end=PAST_END))

    assert step.kind == Kind.PLAN_MOVE
    assert step.title == "Term end 2026-01-31 has passed — check its renewal"
    assert step.tone == "warning"


def test_it_asks_for_the_term_dates_of_a_license_without_a_term_end():
    step = step_for(subscription(channel=Channel.DIRECT, term_end=None))

    assert step.kind == Kind.PLAN_MOVE
    assert step.title == "Can move to us at its term end — record the term dates first"


def test_it_treats_a_term_ending_today_as_not_yet_ended():
    step = step_for(subscription(term_end=TODAY))

    assert step.title == "Can move to us after 2026-06-15 (term end) — plan it"


def test_it_offers_a_switch_for_azure_held_by_another_partner_and_names_that_partner():
    step = step_for(
        subscription(billing_type=BillingType.USAGE, channel=Channel.CSP, holder="another partner")
    )

    assert step.kind == Kind.SWITCH_PARTNER
    assert step.title == "Switch to our partner"
    assert step.detail.startswith("Fabrikam Partners transfers this Azure subscription to us")


def test_it_waits_for_a_suspended_azure_held_by_another_partner_to_be_active_again():
    sub = subscription(
        billing_type=BillingType.USAGE,
        channel=Channel.CSP,
        holder="another partner",
        term_end=None,
        status=SubscriptionStatus.SUSPENDED,
    )
    step = step_for(sub)
    assert step.title == "Switch to our partner once it is active again"
    assert "Once Fabrikam Partners or the customer reactivates it" in step.detail
    assert action_for(step, sub) is None


@pytest.mark.parametrize(
    "channel",
    [Channel.DIRECT, Channel.ADVISOR, Channel.OPEN, Channel.EA, Channel.THIRD_PARTY],
)
def test_it_offers_azure_onboarding_for_azure_bought_outside_csp(channel):
    step = step_for(subscription(billing_type=BillingType.USAGE, channel=channel))

    assert step.kind == Kind.ONBOARD_AZURE
    assert step.title == "Onboard to Azure under our partner"
    assert "coexists" in step.detail


def test_it_asks_for_a_relationship_first_and_says_what_comes_after_it():
    license_step = step_for(subscription(), relationship_active=False)
    azure_step = step_for(
        subscription(billing_type=BillingType.USAGE, channel=Channel.ADVISOR),
        relationship_active=False,
    )
    switch_step = step_for(
        subscription(billing_type=BillingType.USAGE, channel=Channel.CSP, holder="another partner"),
        relationship_active=False,
    )

    for step in (license_step, azure_step, switch_step):
        assert step.kind == Kind.REQUEST_RELATIONSHIP
        assert step.title == "Request a reseller relationship to support it"
    assert license_step.detail == "Once the customer accepts, we manage and support it."
    assert azure_step.detail.endswith("onboard it to Azure under us.")
    assert switch_step.detail.endswith("switch it to us.")


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (SubscriptionStatus.CANCELLED, "Cancelled — nothing to do"),
        (SubscriptionStatus.EXPIRED, "Expired — nothing to do"),
    ],
)
def test_it_says_there_is_nothing_to_do_for_an_ended_subscription_even_one_we_held(status, title):
    step = step_for(subscription(channel=Channel.CSP, holder="us", status=status))

    assert step.kind == Kind.ENDED
    assert step.title == title


def test_it_says_we_manage_a_subscription_we_hold_and_how_to_restore_a_suspended_one():
    active = step_for(subscription(channel=Channel.CSP, holder="us"))
    suspended = step_for(
        subscription(channel=Channel.CSP, holder="us", status=SubscriptionStatus.SUSPENDED)
    )

    assert active.kind == suspended.kind == Kind.MANAGED
    assert active.title == suspended.title == "Managed by us"
    assert "change seats or auto-renew" in active.detail
    assert "reactivate it" in suspended.detail


# --- The link to the flow -------------------------------------------------------------------


@pytest.mark.parametrize(
    "sub",
    [
        subscription(status=SubscriptionStatus.CANCELLED),
        subscription(term_end=PAST_END),
        subscription(term_end=None),
    ],
    ids=["ended", "plan-move-past", "plan-move-no-term-end"],
)
def test_it_links_no_flow_for_a_step_that_is_guidance_only(sub):
    step = step_for(sub)
    assert step.kind != Kind.MANAGED
    assert action_for(step, sub) is None


@pytest.mark.parametrize(
    ("sub", "label", "path"),
    [
        (subscription(), "Plan the move", "move"),
        (subscription(billing_type=BillingType.USAGE, channel=Channel.EA), "Onboard", "onboard"),
    ],
    ids=["plan-move", "onboard-azure"],
)
def test_it_links_the_flows_that_carry_a_step_out(sub, label, path):
    action = action_for(step_for(sub), sub)
    assert action.label == label
    assert action.url == f"/subscriptions/{sub.uuid}/{path}/"


def test_it_links_a_transfer_request_to_the_partner_that_holds_the_azure():
    sub = subscription(
        billing_type=BillingType.USAGE, channel=Channel.CSP, holder="another partner"
    )
    action = action_for(step_for(sub), sub)
    assert action.label == "Ask for a transfer"
    assert action.url == (
        f"/transfers/new/?customer={sub.customer.uuid}&source={sub.partner_of_record.uuid}"
    )


def test_it_links_a_relationship_request_for_the_customer_when_none_is_active():
    sub = subscription()
    action = action_for(step_for(sub, relationship_active=False), sub)
    assert action.label == "Request a reseller relationship"
    assert action.url == f"/relationship-requests/new/?customer={sub.customer.uuid}"


def test_it_links_a_managed_subscription_to_its_page():
    sub = subscription(channel=Channel.CSP, holder="us")
    step = step_for(sub)

    try:
        action = action_for(step, sub)
    except NoReverseMatch:
        pytest.fail('The URL "subscriptions:detail" does not exist yet.')

    assert action is not None
    assert action.label == "Manage"
    assert str(sub.uuid) in action.url


@pytest.mark.parametrize("reached", list(OnboardingStep))
def test_it_says_an_onboarding_is_in_progress_and_resumes_it_at_its_step(reached):
    sub = subscription(billing_type=BillingType.USAGE, channel=Channel.EA)
    onboarding = AzureOnboarding(source=sub, reached=reached)
    step = next_step(
        sub, partner_id=US.pk, relationship_active=True, today=TODAY, onboarding=onboarding
    )

    assert step.kind == Kind.ONBOARDING
    assert step.title == f"Onboarding in progress — step {int(reached)} of 4"
    assert "Onboard to Azure" not in step.title
    action = action_for(step, sub)
    assert action is not None
    assert action.label == "Resume"
    path = {1: "existing", 2: "new-subscription", 3: "services", 4: "review"}[reached]
    assert action.url == f"/onboardings/{onboarding.uuid}/{path}/"


def test_a_finished_onboarding_leaves_the_usual_step():
    sub = subscription(billing_type=BillingType.USAGE, channel=Channel.EA)
    onboarding = AzureOnboarding(source=sub, reached=4, status=OnboardingStatus.FINISHED)
    step = next_step(
        sub, partner_id=US.pk, relationship_active=True, today=TODAY, onboarding=onboarding
    )
    assert step.kind == Kind.ONBOARD_AZURE
