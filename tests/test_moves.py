"""Moves to us: Azure onboarding of usage-based subscriptions bought through other channels
(DESIGN §1, rule 11), and planned moves of license-based subscriptions that cannot switch to us
before their term ends (rule 10), with the reminder that brings them back in time."""

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from multichannel import access
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
)
from multichannel.roles import Role
from multichannel.services import moves as move_services
from multichannel.services import onboarding as onboarding_services
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from multichannel.services.relationships import remove_relationship, request_relationship
from multichannel.services.users import deactivate_user
from tests.factories import (
    REMOVAL_CHECKED,
    PartnerFactory,
    SubscriptionFactory,
    everything_a_refusal_keeps,
    make_managed_customer,
    make_user,
    many_moves,
    many_onboardings,
    removed_behind_our_back,
    rule_8_holds,
    signed_in,
)
from tests.races import race

# Every test here runs on this day, whatever the day the suite runs: a run across midnight does
# not leave TODAY behind the services' today.
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC)):
        yield


OTHER_CHANNELS = [Channel.DIRECT, Channel.ADVISOR, Channel.OPEN, Channel.EA, Channel.THIRD_PARTY]
CANCEL, KEEP = ServiceDisposition.CANCEL.value, ServiceDisposition.KEEP.value
SERVICES = [("Web app: contoso-shop", CANCEL), ("SQL database: orders", KEEP)]

# --- Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def northwind(partner):
    """A customer we have an active reseller relationship with."""
    return make_managed_customer(partner, company_name="Northwind Traders")


@pytest.fixture
def azure_ea(northwind):
    """Usage-based Azure the customer bought through its Enterprise Agreement."""
    return SubscriptionFactory(
        customer=northwind, usage=True, channel=Channel.EA, offer_name="Azure EA"
    )


@pytest.fixture
def seats(northwind):
    """License-based seats bought directly from Microsoft; the term ends in 90 days."""
    return SubscriptionFactory(
        customer=northwind,
        offer_name="Microsoft 365 E3",
        offer_id="CFQ7TTC0LFLX",
        quantity=25,
        term_start=TODAY - timedelta(days=275),
        term_end=TODAY + timedelta(days=90),
        auto_renew=True,
    )


@pytest.fixture
def colleague(partner):
    return make_user(
        partner, Role.SALES_AGENT, full_name="Erin Ellis", email="erin@contoso.example"
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def snapshot():
    """What a refused change must leave as it was."""
    return (
        list(AzureOnboarding.objects.values_list("status", "reached").order_by("pk")),
        list(AzureService.objects.values_list("name", "disposition").order_by("pk")),
        list(Subscription.objects.values_list("pk", "status", "offer_name").order_by("pk")),
        list(PlannedMove.objects.values_list("status", "remind_on").order_by("pk")),
        AuditEntry.objects.count(),
    )


def entries(action) -> int:
    return AuditEntry.objects.filter(action=action).count()


def url(name, obj) -> str:
    return reverse(name, args=[obj.uuid])


def services_form(*rows, more=False):
    data = {
        "services-TOTAL_FORMS": str(len(rows)),
        "services-INITIAL_FORMS": str(len(rows)),
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "200",
    }
    for i, (name, disposition) in enumerate(rows):
        data[f"services-{i}-name"] = name
        data[f"services-{i}-disposition"] = disposition
    if more:
        data["more"] = "1"
    return data


def walk(client, onboarding, *, steps, services=SERVICES, name="Northwind production", **finish):
    """Do the first `steps` steps of the walk-through in the pages, as a user would."""
    posts = [
        ("onboardings:source", {"services": "\n".join(n for n, _ in services)}),
        ("onboardings:subscription", {"friendly_name": name}),
        ("onboardings:services", services_form(*services)),
        ("onboardings:review", {"cancel_source": "on"} if finish.get("cancel_source") else {}),
    ]
    for view, data in posts[:steps]:
        response = client.post(url(view, onboarding), data)
        assert response.status_code == 302, response.content.decode()[:2000]
    onboarding.refresh_from_db()
    return onboarding


def started(by, source, *, services=("Web app: contoso-shop", "SQL database: orders")):
    """An onboarding whose first step is done (it stands at step 2)."""
    onboarding = onboarding_services.start_onboarding(by=by, source=source)
    return onboarding_services.confirm_source(by=by, onboarding=onboarding, services=services)


def at_services_step(by, source):
    onboarding = started(by, source)
    return onboarding_services.create_new_subscription(
        by=by, onboarding=onboarding, friendly_name="Northwind production"
    )


# --- 1. Starting from a subscription ------------------------------------------------------------


def test_the_start_page_explains_the_four_steps_and_writes_nothing(as_sales_agent, azure_ea):
    before = snapshot()
    response = as_sales_agent.get(url("subscriptions:onboard", azure_ea))
    page = text(response)
    assert response.status_code == 200
    assert "new Azure subscription under Contoso Cloud Solutions" in page
    assert "Confirm this existing subscription and the services it runs." in page
    assert "Create the new Azure subscription under us." in page
    assert "Say, for each service, whether it moves" in page
    assert "Review and finish; cancel the whole old subscription only if nothing stays" in page
    assert "Start the onboarding" in page
    assert snapshot() == before


@pytest.mark.parametrize("channel", OTHER_CHANNELS)
@pytest.mark.rule(11)
def test_starting_from_usage_based_azure_bought_elsewhere_opens_step_one(
    as_sales_agent, sales_agent, northwind, partner, channel
):
    source = SubscriptionFactory(customer=northwind, usage=True, channel=channel)

    response = as_sales_agent.post(url("subscriptions:onboard", source))

    onboarding = AzureOnboarding.objects.get()
    assert response["Location"] == url("onboardings:source", onboarding)
    assert (onboarding.partner, onboarding.customer, onboarding.source) == (
        partner,
        northwind,
        source,
    )
    assert (onboarding.status, onboarding.reached) == (OnboardingStatus.IN_PROGRESS, 1)
    assert onboarding.created_by == sales_agent
    step = text(as_sales_agent.get(response["Location"]))
    assert "step 1 of 4" in step
    assert str(source.external_id) in step
    assert AuditEntry.objects.get(action=Action.ONBOARDING_STARTED).customer == northwind


def test_starting_again_resumes_the_same_onboarding(
    as_sales_agent, colleague, azure_ea, global_admin
):
    first = as_sales_agent.post(url("subscriptions:onboard", azure_ea))
    again = signed_in(colleague).post(url("subscriptions:onboard", azure_ea))
    by_service = onboarding_services.start_onboarding(by=global_admin, source=azure_ea)

    onboarding = AzureOnboarding.objects.get()
    assert first["Location"] == again["Location"] == url("onboardings:source", onboarding)
    assert by_service == onboarding
    assert entries(Action.ONBOARDING_STARTED) == 1
    page = text(as_sales_agent.get(url("subscriptions:onboard", azure_ea)))
    assert "An onboarding of this subscription is in progress (step 1 of 4" in page
    assert "by Dana Diaz" in page
    assert url("onboardings:detail", onboarding) in page
    assert "Start the onboarding" not in page


def test_the_database_holds_one_onboarding_in_progress_per_source(sales_agent, azure_ea):
    onboarding = onboarding_services.start_onboarding(by=sales_agent, source=azure_ea)
    second = {
        "partner": onboarding.partner,
        "customer": onboarding.customer,
        "source": azure_ea,
        "created_by": sales_agent,
        "updated_by": sales_agent,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        AzureOnboarding.objects.create(**second)

    AzureOnboarding.objects.filter(pk=onboarding.pk).update(status=OnboardingStatus.FINISHED)
    AzureOnboarding.objects.create(**second)  # once finished, a new one may start
    assert AzureOnboarding.objects.count() == 2


def _license_based(customer, other_partner):
    return SubscriptionFactory(customer=customer)


def _azure_of_another_partner(customer, other_partner):
    return SubscriptionFactory(customer=customer, usage=True, held_by=other_partner)


def _cancelled_azure(customer, other_partner):
    return SubscriptionFactory(
        customer=customer,
        usage=True,
        channel=Channel.EA,
        status=SubscriptionStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_license_based, "Only usage-based (Azure) subscriptions are onboarded"),
        (_azure_of_another_partner, "switched to us with a transfer request, not onboarded"),
        (_cancelled_azure, "It is cancelled."),
    ],
    ids=["license-based", "held-by-another-csp-partner", "cancelled"],
)
def test_a_subscription_that_cannot_be_onboarded_says_why_and_nothing_is_written(
    as_sales_agent, northwind, other_partner, make, reason
):
    source = make(northwind, other_partner)
    before = snapshot()

    shown = text(as_sales_agent.get(url("subscriptions:onboard", source)))
    posted = as_sales_agent.post(url("subscriptions:onboard", source), follow=True)

    assert reason in shown
    assert "Start the onboarding" not in shown
    assert posted.redirect_chain[-1][0] == url("subscriptions:detail", source)
    assert reason in text(posted)
    assert snapshot() == before


def test_without_an_active_relationship_the_subscription_is_out_of_reach(
    as_sales_agent, sales_agent, global_admin, northwind, azure_ea
):
    remove_relationship(by=global_admin, customer=northwind)
    before = snapshot()

    assert as_sales_agent.get(url("subscriptions:onboard", azure_ea)).status_code == 404
    assert as_sales_agent.post(url("subscriptions:onboard", azure_ea)).status_code == 404
    with pytest.raises(RuleViolation, match="We need an active reseller relationship"):
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea)
    assert snapshot() == before


def test_a_tenant_with_only_a_pending_invitation_cannot_be_onboarded_yet(
    as_sales_agent, sales_agent
):
    relationship_request = request_relationship(
        by=sales_agent,
        company_name="Litware Inc",
        domain="litware.onmicrosoft.com",
        contact_email="admin@litware.onmicrosoft.com",
        delegated_admin_roles=[],
        delegated_admin_days=None,
        email_text="Hello Litware, Contoso would like to be your reseller.",
    )
    entered_url = url("customers:onboard-azure", relationship_request.customer)
    before = snapshot()

    shown = as_sales_agent.get(entered_url, follow=True)
    posted = as_sales_agent.post(entered_url, entered_form())

    assert shown.redirect_chain[-1][0] == url("customers:detail", relationship_request.customer)
    assert "We need an active reseller relationship with the customer first." in text(shown)
    assert "We need an active reseller relationship with Litware Inc" in text(posted)
    assert snapshot() == before


@pytest.mark.rule(1)
def test_a_user_management_admin_is_refused_and_another_partner_finds_nothing(
    as_user_admin, as_other_partner, azure_ea, northwind
):
    before = snapshot()
    for address in (
        url("subscriptions:onboard", azure_ea),
        url("customers:onboard-azure", northwind),
    ):
        assert as_user_admin.get(address).status_code == 403
        assert as_user_admin.post(address).status_code == 403
        assert as_other_partner.get(address).status_code == 404
        assert as_other_partner.post(address).status_code == 404
    assert snapshot() == before


@pytest.mark.rule(1)
def test_the_walk_through_of_one_partner_is_not_found_by_another(
    sales_agent, as_other_partner, as_user_admin, azure_ea
):
    onboarding = started(sales_agent, azure_ea)
    before = snapshot()
    assert as_other_partner.get(url("onboardings:detail", onboarding)).status_code == 404
    assert as_user_admin.get(url("onboardings:detail", onboarding)).status_code == 403
    for view in ("source", "subscription", "services", "review"):
        address = url(f"onboardings:{view}", onboarding)
        assert as_other_partner.get(address).status_code == 404
        assert as_other_partner.post(address, {"friendly_name": "Mine"}).status_code == 404
        assert as_user_admin.post(address, {"friendly_name": "Mine"}).status_code == 403
    assert snapshot() == before


# --- 2. Entering the existing subscription by hand ------------------------------------------


def entered_form(**overrides):
    data = {
        "external_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "channel": Channel.EA,
        "offer_name": "Azure plan (EA)",
        "offer_id": "MS-AZR-0017P",
        "services": "Web app: contoso-shop\n\n   \n  SQL database: orders  \n"
        "web app:   CONTOSO-shop\nWeb app: contoso-shop\n",
    }
    data.update(overrides)
    return data


@pytest.mark.rule(11)
def test_entering_the_existing_subscription_records_it_with_its_services_and_goes_to_step_two(
    as_sales_agent, sales_agent, northwind
):
    response = as_sales_agent.post(url("customers:onboard-azure", northwind), entered_form())

    onboarding = AzureOnboarding.objects.get()
    assert response["Location"] == url("onboardings:subscription", onboarding)
    source = onboarding.source
    assert (source.customer, source.billing_type, source.channel, source.source) == (
        northwind,
        BillingType.USAGE,
        Channel.EA,
        Source.ENTERED,
    )
    assert str(source.external_id) == "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert (source.offer_name, source.status) == ("Azure plan (EA)", SubscriptionStatus.ACTIVE)
    assert list(onboarding.services.values_list("name", flat=True)) == [
        "Web app: contoso-shop",
        "SQL database: orders",
    ]
    assert onboarding.reached == 2
    for action in (
        Action.SUBSCRIPTION_ENTERED,
        Action.ONBOARDING_STARTED,
        Action.ONBOARDING_SOURCE_CONFIRMED,
    ):
        assert entries(action) == 1
    page = text(as_sales_agent.get(response["Location"], follow=True))
    assert "The existing subscription is recorded." in page
    assert "step 2 of 4" in page


def test_csp_is_not_offered_as_the_channel_of_an_entered_source(as_sales_agent, northwind):
    form = as_sales_agent.get(url("customers:onboard-azure", northwind)).context["form"]
    offered = [value for value, _ in form.fields["channel"].choices if value]
    assert offered == [c.value for c in OTHER_CHANNELS]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("external_id", "not-a-guid", "Enter a valid UUID."),
        ("channel", "", "This field is required."),
        ("channel", Channel.CSP, "Select a valid choice."),
    ],
    ids=["bad-guid", "missing-channel", "csp-channel"],
)
def test_bad_entered_source_input_is_explained_beside_the_field_and_kept(
    as_sales_agent, northwind, field, value, message
):
    before = snapshot()
    response = as_sales_agent.post(
        url("customers:onboard-azure", northwind), entered_form(**{field: value})
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in text(response)
    assert form["offer_name"].value() == "Azure plan (EA)"
    assert "SQL database: orders" in form["services"].value()
    assert form[field].value() == value
    assert snapshot() == before


def test_an_entered_subscription_id_the_customer_already_has_is_refused_beside_the_field(
    as_sales_agent, northwind, azure_ea
):
    before = snapshot()
    response = as_sales_agent.post(
        url("customers:onboard-azure", northwind),
        entered_form(external_id=str(azure_ea.external_id)),
    )
    assert response.context["form"].errors["external_id"] == [
        "This customer already has a subscription with this ID."
    ]
    assert response.context["form"]["offer_name"].value() == "Azure plan (EA)"
    assert snapshot() == before


# --- 3. Each step's validation ------------------------------------------------------------------


def test_step_two_without_a_name_is_refused_beside_the_field(as_sales_agent, sales_agent, azure_ea):
    onboarding = started(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:subscription", onboarding), {"friendly_name": "  "}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["friendly_name"] == ["This field is required."]
    assert snapshot() == before
    with pytest.raises(RuleViolation, match=re.escape("Give the new subscription a name.")):
        onboarding_services.create_new_subscription(
            by=sales_agent, onboarding=onboarding, friendly_name=" \t "
        )


def test_step_three_with_no_service_at_all_is_refused(as_sales_agent, sales_agent, azure_ea):
    onboarding = at_services_step(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:services", onboarding), services_form(("", CANCEL), ("  ", KEEP))
    )

    assert response.status_code == 200
    assert "List at least one service that runs there." in text(response)
    assert snapshot() == before


def test_step_three_with_a_service_named_twice_is_refused(as_sales_agent, sales_agent, azure_ea):
    onboarding = at_services_step(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:services", onboarding),
        services_form(("Web app: contoso-shop", CANCEL), ("web app:  CONTOSO-SHOP", KEEP)),
    )

    assert response.status_code == 200
    assert "is listed twice." in text(response)
    assert response.context["form"].forms[1]["name"].value() == "web app:  CONTOSO-SHOP"
    assert snapshot() == before


def test_step_three_with_an_unknown_disposition_is_refused(as_sales_agent, sales_agent, azure_ea):
    onboarding = at_services_step(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:services", onboarding),
        services_form(("Web app: contoso-shop", "delete"), ("SQL database: orders", KEEP)),
    )

    assert response.status_code == 200
    assert "Select a valid choice." in str(response.context["form"].forms[0].errors["disposition"])
    assert snapshot() == before
    with pytest.raises(RuleViolation, match="Choose what happens to Web app"):
        onboarding_services.record_services(
            by=sales_agent, onboarding=onboarding, services=[("Web app: contoso-shop", "delete")]
        )


@pytest.mark.rule(20)
def test_step_three_chooses_nothing_for_the_user(as_sales_agent, sales_agent, azure_ea):
    onboarding = started(sales_agent, azure_ea, services=["Web app: contoso-shop", "Storage: logs"])
    onboarding_services.create_new_subscription(
        by=sales_agent, onboarding=onboarding, friendly_name="Northwind production"
    )

    page = as_sales_agent.get(url("onboardings:services", onboarding))

    rows = page.context["form"].forms
    assert [r["name"].value() for r in rows[:2]] == ["Web app: contoso-shop", "Storage: logs"]
    assert all(not r["disposition"].value() for r in rows)
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', page.content.decode())
    assert radios and not [r for r in radios if "checked" in r]
    assert (
        "Not decided yet (step 3)".lower()
        in text(as_sales_agent.get(url("onboardings:detail", onboarding))).lower()
    )


@pytest.mark.rule(20)
def test_step_three_without_a_choice_says_so_beside_each_service_and_keeps_the_others(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = at_services_step(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:services", onboarding),
        services_form(
            ("Web app: contoso-shop", ""),
            ("Storage: invoices", KEEP),
            ("SQL: orders", ""),
            ("", ""),
        ),
    )

    rows = response.context["form"].forms
    assert response.status_code == 200
    message = "Choose whether it moves to us (cancelled on the old subscription) or stays."
    assert [r.errors.get("disposition") for r in rows] == [[message], None, [message], None]
    assert rows[1]["disposition"].value() == KEEP  # what was chosen is kept
    assert text(response).count(message) >= 2
    assert snapshot() == before


@pytest.mark.rule(20)
def test_the_review_says_which_services_are_cancelled_on_the_old_subscription(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = at_services_step(sales_agent, azure_ea)
    onboarding_services.record_services(by=sales_agent, onboarding=onboarding, services=SERVICES)

    page = text(as_sales_agent.get(url("onboardings:review", onboarding)))

    assert (
        f"These services will be cancelled on Azure EA (ID {azure_ea.external_id}): "
        "Web app: contoso-shop." in " ".join(re.sub(r"<[^>]+>", "", page).split())
    )

    onboarding_services.record_services(
        by=sales_agent, onboarding=onboarding, services=[("Web app: contoso-shop", KEEP)]
    )
    page = text(as_sales_agent.get(url("onboardings:review", onboarding)))
    assert "No service will be cancelled on Azure EA" in " ".join(
        re.sub(r"<[^>]+>", "", page).split()
    )


def test_more_rows_adds_empty_rows_and_keeps_what_was_typed(as_sales_agent, sales_agent, azure_ea):
    onboarding = at_services_step(sales_agent, azure_ea)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:services", onboarding),
        services_form(("Web app: contoso-shop", CANCEL), ("Storage: invoices", KEEP), more=True),
    )

    rows = response.context["form"].forms
    assert response.status_code == 200
    assert len(rows) == 5
    assert [(r["name"].value(), r["disposition"].value()) for r in rows[:2]] == [
        ("Web app: contoso-shop", CANCEL),
        ("Storage: invoices", KEEP),
    ]
    assert [r["name"].value() for r in rows[2:]] == [None, None, None]
    assert "Storage: invoices" in text(response)
    assert snapshot() == before


def test_a_step_sent_twice_is_recorded_once(sales_agent, azure_ea):
    onboarding = onboarding_services.start_onboarding(by=sales_agent, source=azure_ea)
    for _ in range(2):  # a double submit of step 1
        onboarding_services.confirm_source(
            by=sales_agent, onboarding=onboarding, services=["Web app: contoso-shop"]
        )
    onboarding_services.create_new_subscription(
        by=sales_agent, onboarding=onboarding, friendly_name="Northwind production"
    )
    for _ in range(2):  # and of step 3
        onboarding_services.record_services(
            by=sales_agent, onboarding=onboarding, services=[("Web app: contoso-shop", CANCEL)]
        )
    assert entries(Action.ONBOARDING_SOURCE_CONFIRMED) == 1
    assert entries(Action.ONBOARDING_SERVICES_RECORDED) == 1

    onboarding_services.record_services(  # a real change is recorded
        by=sales_agent, onboarding=onboarding, services=[("Web app: contoso-shop", KEEP)]
    )
    assert entries(Action.ONBOARDING_SERVICES_RECORDED) == 2


def test_rows_added_with_more_rows_can_stay_empty(as_sales_agent, sales_agent, azure_ea):
    onboarding = at_services_step(sales_agent, azure_ea)
    data = services_form(("Web app: contoso-shop", CANCEL), more=True)
    data["services-INITIAL_FORMS"] = "0"

    grown = as_sales_agent.post(url("onboardings:services", onboarding), data)
    rows = grown.context["form"].forms
    assert [r["disposition"].value() for r in rows] == [CANCEL, None, None, None]
    assert not any(r.errors for r in rows)

    posted = {k: v for k, v in grown.context["form"].data.items() if k != "more"}
    saved = as_sales_agent.post(url("onboardings:services", onboarding), posted)
    assert saved.status_code == 302, text(saved)[:2000]
    assert list(onboarding.services.values_list("name", "disposition")) == [
        ("Web app: contoso-shop", CANCEL)
    ]


@pytest.mark.parametrize("total", ["abc", "-5", ""])
def test_more_rows_with_a_broken_row_count_is_not_an_error(
    as_sales_agent, sales_agent, azure_ea, total
):
    onboarding = at_services_step(sales_agent, azure_ea)
    data = services_form(("Web app: contoso-shop", CANCEL), more=True)
    data["services-TOTAL_FORMS"] = total

    response = as_sales_agent.post(url("onboardings:services", onboarding), data)

    assert response.status_code == 200


def test_each_step_says_what_it_did(as_sales_agent, colleague, azure_ea):
    started_page = as_sales_agent.post(url("subscriptions:onboard", azure_ea), follow=True)
    assert f"Onboarding of {azure_ea} started." in text(started_page)
    again = signed_in(colleague).post(url("subscriptions:onboard", azure_ea), follow=True)
    assert "This onboarding was already under way; it goes on here." in text(again)

    onboarding = AzureOnboarding.objects.get()
    steps = [
        ("onboardings:source", {"services": "Web app: contoso-shop"}),
        ("onboardings:subscription", {"friendly_name": "Northwind production"}),
        ("onboardings:services", services_form(("Web app: contoso-shop", CANCEL))),
    ]
    said = [
        text(as_sales_agent.post(url(view, onboarding), data, follow=True)) for view, data in steps
    ]
    assert "The existing subscription's details are recorded." in said[0]
    assert "The new Azure subscription “Northwind production” is created under" in said[1]
    assert "The services and what happens to each are recorded." in said[2]

    onboarding.refresh_from_db()
    renamed = as_sales_agent.post(
        url("onboardings:subscription", onboarding),
        {"friendly_name": "Northwind prod"},
        follow=True,
    )
    assert "The new Azure subscription is renamed “Northwind prod”." in text(renamed)
    assert Subscription.objects.filter(billing_type="usage", channel="csp").count() == 1


def test_stopping_at_step_two_says_it_creates_the_subscription(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = started(sales_agent, azure_ea)
    page = text(as_sales_agent.get(url("onboardings:subscription", onboarding)))
    assert ">Create it and stop here</button>" in page
    assert "Save and stop here" not in page


@pytest.mark.parametrize("view", ["services", "review"])
def test_a_step_beyond_the_furthest_reached_sends_the_user_back_to_it(
    as_sales_agent, sales_agent, azure_ea, view
):
    onboarding = started(sales_agent, azure_ea)  # stands at step 2
    before = snapshot()

    shown = as_sales_agent.get(url(f"onboardings:{view}", onboarding))
    posted = as_sales_agent.post(url(f"onboardings:{view}", onboarding), {"cancel_source": "on"})

    assert shown["Location"] == posted["Location"] == url("onboardings:subscription", onboarding)
    assert snapshot() == before


# --- 4. Stopping and resuming -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["another sales agent", "a global admin"])
@pytest.mark.rule(11)
def test_a_colleague_resumes_from_the_moves_page_where_it_stopped_with_everything_shown(
    as_sales_agent, colleague, global_admin, azure_ea, who
):
    as_sales_agent.post(url("subscriptions:onboard", azure_ea))
    onboarding = walk(as_sales_agent, AzureOnboarding.objects.get(), steps=2)  # stops at step 3
    resumer = colleague if who == "another sales agent" else global_admin
    client = signed_in(resumer)

    listing = text(client.get(reverse("onboardings:list")))
    assert "Northwind Traders" in listing
    assert "Step 3 of 4" in listing
    assert "by Dana Diaz" in listing
    assert url("onboardings:detail", onboarding) in listing

    detail = client.get(url("onboardings:detail", onboarding))
    assert "In progress: step 3 of 4" in text(detail)
    assert url("onboardings:services", onboarding) in text(detail)  # the Resume button
    assert "Azure plan — Northwind production" in text(detail)

    step3 = client.get(url("onboardings:services", onboarding))
    rows = [(f["name"].value(), f["disposition"].value()) for f in step3.context["form"].forms]
    assert rows[:2] == [("Web app: contoso-shop", ""), ("SQL database: orders", "")]  # not chosen
    step2 = client.get(url("onboardings:subscription", onboarding))
    assert step2.context["form"]["friendly_name"].value() == "Northwind production"
    assert "Submitting again only renames it." in text(step2)
    step1 = text(client.get(url("onboardings:source", onboarding)))
    assert str(azure_ea.external_id) in step1
    assert "Its services are listed and decided in step 3." in step1

    client.post(url("onboardings:services", onboarding), services_form(*SERVICES))
    client.post(url("onboardings:review", onboarding), {})
    onboarding.refresh_from_db()
    assert onboarding.is_finished
    listing = text(client.get(reverse("onboardings:list")))
    assert "Finished" in listing
    assert f"by {resumer.full_name}" in listing
    assert onboarding.updated_by == resumer


# --- 5. Doing a step twice ----------------------------------------------------------------------


@pytest.mark.rule(11)
def test_submitting_step_two_twice_creates_one_csp_azure_subscription_held_by_us(
    as_sales_agent, sales_agent, partner, northwind, azure_ea
):
    onboarding = started(sales_agent, azure_ea)
    address = url("onboardings:subscription", onboarding)
    count = Subscription.objects.count()

    first = as_sales_agent.post(address, {"friendly_name": "Northwind production"})
    second = as_sales_agent.post(address, {"friendly_name": "Northwind production"})

    assert first["Location"] == second["Location"] == url("onboardings:services", onboarding)
    assert Subscription.objects.count() == count + 1
    onboarding.refresh_from_db()
    new = onboarding.new_subscription
    assert (new.customer, new.channel, new.partner_of_record, new.billing_type) == (
        northwind,
        Channel.CSP,
        partner,
        BillingType.USAGE,
    )
    assert (new.status, new.source, new.offer_name) == (
        SubscriptionStatus.ACTIVE,
        Source.CREATED,
        "Azure plan — Northwind production",
    )
    assert entries(Action.ONBOARDING_SUBSCRIPTION_CREATED) == 1

    as_sales_agent.post(address, {"friendly_name": "Northwind  live"})

    assert Subscription.objects.count() == count + 1
    new.refresh_from_db()
    assert new.offer_name == "Azure plan — Northwind live"
    assert entries(Action.ONBOARDING_SUBSCRIPTION_CREATED) == 2  # the rename is recorded


@pytest.mark.rule(16)
def test_two_tabs_finishing_finish_once(as_sales_agent, sales_agent, azure_ea):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=3,
    )
    review = url("onboardings:review", onboarding)
    assert as_sales_agent.get(review).status_code == 200  # first tab
    assert as_sales_agent.get(review).status_code == 200  # second tab

    first = as_sales_agent.post(review, {})
    second = as_sales_agent.post(review, {"cancel_source": "on"}, follow=True)

    assert first["Location"] == url("onboardings:detail", onboarding)
    assert second.redirect_chain[-1][0] == url("onboardings:detail", onboarding)
    assert "here is where the onboarding is" in text(second)
    assert entries(Action.ONBOARDING_FINISHED) == 1
    azure_ea.refresh_from_db()
    assert azure_ea.status == SubscriptionStatus.ACTIVE  # the second tab's tick changed nothing
    onboarding.refresh_from_db()
    assert (onboarding.status, onboarding.cancel_source) == (OnboardingStatus.FINISHED, False)
    again = onboarding_services.finish(by=sales_agent, onboarding=onboarding, cancel_source=True)
    assert again.is_finished and entries(Action.ONBOARDING_FINISHED) == 1


def test_a_finished_onboarding_cannot_change(as_sales_agent, sales_agent, azure_ea):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=4,
    )
    before = snapshot()
    summary = url("onboardings:detail", onboarding)

    for view, data in [
        ("source", {"services": "Function app: billing"}),
        ("subscription", {"friendly_name": "Renamed"}),
        ("services", services_form(("Function app: billing", CANCEL))),
        ("review", {"cancel_source": "on"}),
    ]:
        assert as_sales_agent.get(url(f"onboardings:{view}", onboarding))["Location"] == summary
        assert (
            as_sales_agent.post(url(f"onboardings:{view}", onboarding), data)["Location"] == summary
        )
    for change in (
        lambda: onboarding_services.confirm_source(
            by=sales_agent, onboarding=onboarding, services=["Function app: billing"]
        ),
        lambda: onboarding_services.create_new_subscription(
            by=sales_agent, onboarding=onboarding, friendly_name="Renamed"
        ),
        lambda: onboarding_services.record_services(
            by=sales_agent, onboarding=onboarding, services=[("Function app: billing", CANCEL)]
        ),
    ):
        with pytest.raises(RuleViolation, match="This onboarding is finished"):
            change()
    assert snapshot() == before
    assert "Resume" not in text(as_sales_agent.get(summary))


@pytest.mark.parametrize(
    ("steps", "lands_on"),
    [(4, "onboardings:detail"), (1, "onboardings:subscription")],
    ids=["finished", "step-three-not-reached"],
)
def test_more_rows_on_a_step_that_is_not_open_also_sends_the_user_back(
    as_sales_agent, sales_agent, azure_ea, steps, lands_on
):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=steps,
    )
    response = as_sales_agent.post(
        url("onboardings:services", onboarding),
        services_form(("Web app: contoso-shop", CANCEL), more=True),
    )
    assert response.status_code == 302
    assert response["Location"] == url(lands_on, onboarding)


def test_going_back_to_step_one_adds_no_service_the_list_is_kept_in_step_three(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = started(sales_agent, azure_ea, services=["Web app: contoso-shop", "web app: X"])
    assert list(onboarding.services.values_list("name", flat=True)) == [
        "Web app: contoso-shop",
        "web app: X",
    ]
    page = text(as_sales_agent.get(url("onboardings:source", onboarding)))
    assert "Its services are listed and decided in step 3." in page

    as_sales_agent.post(
        url("onboardings:source", onboarding),
        {"services": "WEB APP: contoso-shop\nFunction app: billing"},
    )
    onboarding_services.confirm_source(
        by=sales_agent, onboarding=onboarding, services=["web app: Contoso-Shop"]
    )

    assert onboarding.services.count() == 2
    onboarding.refresh_from_db()
    assert onboarding.reached == 2


# --- 6. What finishing cancels ------------------------------------------------------------------


@pytest.mark.rule(11)
def test_finishing_cancels_the_services_that_move_and_keeps_the_old_subscription(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=3,
    )
    review = text(as_sales_agent.get(url("onboardings:review", onboarding)))
    assert "These services will be cancelled on Azure EA" in review
    assert "Web app: contoso-shop. This happens when you finish." in review
    assert "Also cancel the whole old subscription" in review

    response = as_sales_agent.post(url("onboardings:review", onboarding), {}, follow=True)

    services = {s.name: s for s in AzureService.objects.filter(onboarding=onboarding)}
    assert services["Web app: contoso-shop"].cancelled_at is not None
    assert services["SQL database: orders"].cancelled_at is None
    azure_ea.refresh_from_db()
    assert (azure_ea.status, azure_ea.cancelled_at) == (SubscriptionStatus.ACTIVE, None)
    page = text(response)
    assert "The onboarding is finished." in page
    assert f"Finished {TODAY:%Y-%m-%d}" in page
    assert "Old subscription as a whole" in page and "Kept" in page
    assert (
        f"Web app: contoso-shop — moves to us; cancelled on the old subscription {TODAY:%Y-%m-%d}"
        in page
    )
    assert "SQL database: orders — stays on the old subscription" in page
    assert "Azure plan — Northwind production" in page


@pytest.mark.rule(11)
def test_finishing_with_the_whole_subscription_ticked_marks_the_old_one_cancelled(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=4,
        services=[("Web app: contoso-shop", CANCEL), ("SQL database: orders", CANCEL)],
        cancel_source=True,
    )

    azure_ea.refresh_from_db()
    assert azure_ea.status == SubscriptionStatus.CANCELLED
    assert azure_ea.cancelled_at is not None
    assert onboarding.cancel_source is True
    assert all(s.cancelled_at for s in onboarding.services.all())
    page = text(as_sales_agent.get(url("onboardings:detail", onboarding)))
    assert "Cancelled" in page.split("Old subscription as a whole")[1][:40]
    assert "(Enterprise Agreement, cancelled)" in page
    onboarding.new_subscription.refresh_from_db()
    assert onboarding.new_subscription.status == SubscriptionStatus.ACTIVE


@pytest.mark.rule(11)
def test_cancelling_the_whole_old_subscription_while_a_service_stays_is_refused(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = walk(
        as_sales_agent,
        onboarding_services.start_onboarding(by=sales_agent, source=azure_ea),
        steps=3,
    )
    before = snapshot()

    page = as_sales_agent.get(url("onboardings:review", onboarding))
    assert page.context["form"].fields["cancel_source"].disabled
    assert "Not possible: some services stay on it." in text(page)
    with pytest.raises(RuleViolation, match=r"SQL database: orders stay on it\."):
        onboarding_services.finish(by=sales_agent, onboarding=onboarding, cancel_source=True)
    assert snapshot() == before

    # Ticking it anyway (a tampered form) cannot cancel it: it finishes with the source kept.
    as_sales_agent.post(url("onboardings:review", onboarding), {"cancel_source": "on"})
    assert Subscription.objects.get(pk=azure_ea.pk).status == SubscriptionStatus.ACTIVE


def _relationship_removed(customer, source, global_admin):
    remove_relationship(by=global_admin, customer=customer)


def _source_cancelled(customer, source, global_admin):
    Subscription.objects.filter(pk=source.pk).update(status=SubscriptionStatus.CANCELLED)


@pytest.mark.parametrize(
    ("meanwhile", "reason"),
    [
        (_relationship_removed, "We need an active reseller relationship with the customer first."),
        (_source_cancelled, "It is cancelled."),
    ],
    ids=["relationship-removed", "source-cancelled"],
)
def test_a_step_refuses_with_the_reason_when_onboarding_is_no_longer_allowed(
    as_sales_agent, sales_agent, global_admin, northwind, azure_ea, meanwhile, reason
):
    onboarding = started(sales_agent, azure_ea)
    meanwhile(northwind, azure_ea, global_admin)
    before = snapshot()

    response = as_sales_agent.post(
        url("onboardings:subscription", onboarding), {"friendly_name": "Northwind production"}
    )

    assert response.status_code == 200
    assert reason in text(response)
    assert response.context["form"]["friendly_name"].value() == "Northwind production"
    assert snapshot() == before


@pytest.mark.rule(11, 15)
def test_each_step_writes_one_activity_entry_about_the_customer(
    as_sales_agent, sales_agent, northwind, azure_ea
):
    as_sales_agent.post(url("subscriptions:onboard", azure_ea))
    walk(as_sales_agent, AzureOnboarding.objects.get(), steps=4)

    for action in (
        Action.ONBOARDING_STARTED,
        Action.ONBOARDING_SOURCE_CONFIRMED,
        Action.ONBOARDING_SUBSCRIPTION_CREATED,
        Action.ONBOARDING_SERVICES_RECORDED,
        Action.ONBOARDING_FINISHED,
    ):
        entry = AuditEntry.objects.get(action=action)
        assert (entry.customer, entry.actor) == (northwind, sales_agent), action
    finished = AuditEntry.objects.get(action=Action.ONBOARDING_FINISHED).new_values
    assert finished["cancelled_services"] == ["Web app: contoso-shop"]
    assert finished["old_subscription_cancelled"] is False
    history = text(as_sales_agent.get(url("onboardings:detail", AzureOnboarding.objects.get())))
    assert "Azure onboarding finished by dana@contoso.example" in history


# --- 7. Planned moves (rule 10) -----------------------------------------------------------------


@pytest.mark.rule(10)
def test_the_move_page_explains_why_it_cannot_switch_now_and_shows_the_term_end(
    as_sales_agent, seats
):
    before = snapshot()
    page = text(as_sales_agent.get(url("subscriptions:plan-move", seats)))
    assert "License-based subscriptions cannot switch to another partner before their term" in page
    assert f"Its term ends on <strong>{seats.term_end:%Y-%m-%d}</strong>" in page
    assert "renews automatically unless the customer turns auto-renew off" in page
    assert "Plan the move" in page
    assert snapshot() == before


@pytest.mark.rule(10)
def test_planning_the_move_sets_the_reminder_before_the_term_end(
    as_sales_agent, sales_agent, northwind, seats
):
    response = as_sales_agent.post(
        url("subscriptions:plan-move", seats), {"remind_days_before": "45", "notes": " Call Nancy "}
    )

    move = PlannedMove.objects.get()
    assert response["Location"] == url("moves:detail", move)
    assert move.remind_on == seats.term_end - timedelta(days=45)
    assert (move.term_end, move.status, move.created_by) == (
        seats.term_end,
        MoveStatus.PLANNED,
        sales_agent,
    )
    assert (move.customer, move.notes, move.auto_renew_off) == (northwind, "Call Nancy", False)
    entry = AuditEntry.objects.get(action=Action.MOVE_PLANNED)
    assert entry.customer == northwind
    page = text(as_sales_agent.get(response["Location"]))
    assert f"you will be reminded on {move.remind_on:%Y-%m-%d}" in page


def test_a_reminder_that_would_fall_in_the_past_is_set_for_today(as_sales_agent, seats):
    Subscription.objects.filter(pk=seats.pk).update(term_end=TODAY + timedelta(days=10))
    as_sales_agent.post(url("subscriptions:plan-move", seats), {"remind_days_before": "30"})
    assert PlannedMove.objects.get().remind_on == TODAY


@pytest.mark.rule(10)
def test_a_second_plan_for_the_same_subscription_is_refused(
    as_sales_agent, colleague, sales_agent, seats
):
    as_sales_agent.post(url("subscriptions:plan-move", seats), {"remind_days_before": "30"})
    other = signed_in(colleague)  # signing in is itself recorded
    before = snapshot()

    shown = text(other.get(url("subscriptions:plan-move", seats)))
    posted = other.post(url("subscriptions:plan-move", seats), {"remind_days_before": "10"})

    assert "A move is already planned: reminder on" in shown
    assert "A move is already planned" in text(posted)
    assert snapshot() == before
    with pytest.raises(RuleViolation, match=re.escape("A move is already planned for it.")):
        move_services.plan_move(by=sales_agent, subscription=seats, remind_days_before=10)
    assert snapshot() == before


def _usage_based(customer, partner):
    return SubscriptionFactory(customer=customer, usage=True, channel=Channel.EA)


def _held_by_us(customer, partner):
    return SubscriptionFactory(customer=customer, held_by=partner, term_end=TODAY + timedelta(90))


def _cancelled_seats(customer, partner):
    return SubscriptionFactory(
        customer=customer,
        status=SubscriptionStatus.CANCELLED,
        term_end=TODAY + timedelta(days=90),
    )


def _term_already_ended(customer, partner):
    return SubscriptionFactory(
        customer=customer,
        term_start=TODAY - timedelta(days=400),
        term_end=TODAY - timedelta(days=35),
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_usage_based, "Usage-based (Azure) subscriptions are onboarded or switched instead."),
        (_held_by_us, "We already hold it."),
        (_cancelled_seats, "It is cancelled: nothing to move."),
        (_term_already_ended, "it can move now"),
    ],
    ids=["usage-based", "held-by-us", "cancelled", "term-ended"],
)
def test_a_subscription_that_needs_no_planned_move_says_why_and_nothing_is_written(
    as_sales_agent, sales_agent, northwind, partner, make, reason
):
    subscription = make(northwind, partner)
    before = snapshot()

    shown = text(as_sales_agent.get(url("subscriptions:plan-move", subscription)))
    posted = as_sales_agent.post(
        url("subscriptions:plan-move", subscription), {"remind_days_before": "30"}
    )

    assert reason in shown
    assert "Plan the move for then" not in shown
    assert posted.status_code == 200
    assert reason in text(posted)
    assert snapshot() == before
    with pytest.raises(RuleViolation, match=re.escape(reason)):
        move_services.plan_move(by=sales_agent, subscription=subscription, remind_days_before=30)


def test_a_term_that_ended_gives_its_date(as_sales_agent, northwind, partner):
    ended = _term_already_ended(northwind, partner)
    page = text(as_sales_agent.get(url("subscriptions:plan-move", ended)))
    assert f"Its term ended on {ended.term_end:%Y-%m-%d}: it can move now." in page


def test_without_an_active_relationship_no_move_can_be_planned(
    as_sales_agent, sales_agent, global_admin, northwind, seats
):
    remove_relationship(by=global_admin, customer=northwind)
    before = snapshot()
    assert as_sales_agent.get(url("subscriptions:plan-move", seats)).status_code == 404
    assert (
        as_sales_agent.post(
            url("subscriptions:plan-move", seats), {"remind_days_before": "30"}
        ).status_code
        == 404
    )
    with pytest.raises(RuleViolation, match="We need an active reseller relationship"):
        move_services.plan_move(by=sales_agent, subscription=seats, remind_days_before=30)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("181", "Ensure this value is less than or equal to 180."),
    ],
)
def test_reminder_days_outside_1_to_180_are_explained_beside_the_field(
    as_sales_agent, sales_agent, seats, days, message
):
    before = snapshot()
    response = as_sales_agent.post(
        url("subscriptions:plan-move", seats), {"remind_days_before": days, "notes": "Call Nancy"}
    )
    assert response.context["form"].errors["remind_days_before"] == [message]
    assert response.context["form"]["notes"].value() == "Call Nancy"
    assert snapshot() == before
    with pytest.raises(
        RuleViolation, match=re.escape("Remind between 1 and 180 days before.")
    ) as refused:
        move_services.plan_move(by=sales_agent, subscription=seats, remind_days_before=int(days))
    assert refused.value.field == "remind_days_before"


@pytest.mark.rule(1)
def test_a_user_management_admin_cannot_plan_and_another_partner_finds_nothing(
    as_user_admin, as_other_partner, sales_agent, seats
):
    move = move_services.plan_move(by=sales_agent, subscription=seats, remind_days_before=30)
    before = snapshot()
    for address in (
        url("subscriptions:plan-move", seats),
        url("moves:detail", move),
        url("moves:done", move),
        url("moves:cancel", move),
    ):
        assert as_user_admin.post(address, {"remind_days_before": "30"}).status_code == 403
        assert as_other_partner.get(address).status_code == 404
        assert as_other_partner.post(address, {"remind_days_before": "30"}).status_code == 404
    assert snapshot() == before


@pytest.fixture
def move(sales_agent, seats):
    return move_services.plan_move(by=sales_agent, subscription=seats, remind_days_before=30)


def test_the_move_page_shows_the_checklist_and_the_buy_by_date(as_sales_agent, move, seats):
    page = text(as_sales_agent.get(url("moves:detail", move)))
    assert "Our reseller relationship with Northwind Traders is active." in page
    buy_by = seats.term_end + timedelta(days=30)
    assert (
        f"Buy under us between {seats.term_end:%Y-%m-%d} and {buy_by:%Y-%m-%d} "
        "(within 30 days of the term end)" in page
    )
    assert "The same offer and seat count is ready to buy under us" in page
    assert "The customer turned off auto-renew with its current seller" in page
    assert "Bought under us within 30 days of the term end" in page
    assert f"{move.remind_on:%Y-%m-%d} (30 days before)" in page
    assert "Planned by" in page and "Dana Diaz" in page


def test_the_move_page_warns_when_the_relationship_is_no_longer_active(
    as_sales_agent, global_admin, northwind, move
):
    remove_relationship(by=global_admin, customer=northwind)
    page = text(as_sales_agent.get(url("moves:detail", move)))
    assert "No active reseller relationship: request one before the term end." in page


def test_saving_the_checklist_does_not_undo_a_colleagues_change_made_meanwhile(
    as_sales_agent, colleague, move
):
    shown = as_sales_agent.get(url("moves:detail", move)).context["form"].initial
    move_services.update_checklist(  # a colleague, meanwhile
        by=colleague, move=move, notes="Nancy turned off auto-renew.", auto_renew_off=True
    )
    data = {"same_offer_and_seats": "on", "notes": "Seats ready.", "seen": shown["seen"]}

    refused = as_sales_agent.post(url("moves:detail", move), data)

    assert refused.context["form"].non_field_errors() == [
        "Someone changed this checklist while you were editing. Open the page again to see the "
        "changes, then make yours."
    ]
    assert refused.context["form"]["notes"].value() == "Seats ready."  # kept, to copy
    move.refresh_from_db()
    assert (move.auto_renew_off, move.same_offer_and_seats) == (True, False)
    assert move.notes == "Nancy turned off auto-renew."


def test_saving_the_checklist_is_recorded_once_and_saving_it_unchanged_writes_nothing(
    as_sales_agent, move
):
    data = {"same_offer_and_seats": "on", "auto_renew_off": "on", "notes": "Nancy agreed."}

    saved = as_sales_agent.post(url("moves:detail", move), data, follow=True)

    move.refresh_from_db()
    assert (move.same_offer_and_seats, move.auto_renew_off, move.bought_under_us) == (
        True,
        True,
        False,
    )
    assert move.notes == "Nancy agreed."
    assert "The checklist is saved." in text(saved)
    entry = AuditEntry.objects.get(action=Action.MOVE_UPDATED)
    assert entry.old_values == {"same_offer_and_seats": False, "auto_renew_off": False, "notes": ""}
    assert entry.new_values == {
        "same_offer_and_seats": True,
        "auto_renew_off": True,
        "notes": "Nancy agreed.",
    }
    shown = as_sales_agent.get(url("moves:detail", move)).context["form"]
    assert shown["same_offer_and_seats"].value() is True
    before = snapshot()

    as_sales_agent.post(url("moves:detail", move), data)

    assert snapshot() == before
    assert entries(Action.MOVE_UPDATED) == 1


@pytest.mark.parametrize(
    ("view", "status", "action", "button", "said"),
    [
        ("done", MoveStatus.DONE, Action.MOVE_DONE, "Mark the move done", "The move is done."),
        (
            "cancel",
            MoveStatus.CANCELLED,
            Action.MOVE_CANCELLED,
            "Cancel the move",
            "The planned move is cancelled.",
        ),
    ],
)
def test_closing_a_move_asks_first_then_closes_it_for_good(
    as_sales_agent, move, view, status, action, button, said
):
    before = snapshot()
    asked = text(as_sales_agent.get(url(f"moves:{view}", move)))
    assert button in asked
    assert snapshot() == before

    closed = as_sales_agent.post(url(f"moves:{view}", move), follow=True)

    move.refresh_from_db()
    assert (move.status, move.closed_at is not None) == (status, True)
    assert entries(action) == 1
    page = text(closed)
    assert said in page
    assert "Save the checklist" not in page
    assert url("moves:done", move) not in page

    after = snapshot()
    refused = as_sales_agent.post(
        url("moves:detail", move), {"bought_under_us": "on", "notes": "Late"}, follow=True
    )
    assert f"This move is {status.label.lower()}." in text(refused)
    assert refused.context["form"]["notes"].value() == "Late"  # kept, to be copied elsewhere
    for other in ("done", "cancel"):
        again = as_sales_agent.post(url(f"moves:{other}", move), follow=True)
        assert f"This move is {status.label.lower()}." in text(again)
    assert snapshot() == after


# --- 8. Reminders -------------------------------------------------------------------------------


class MovedClock:
    """Stands in for django.utils.timezone in the moves service: today is another day."""

    def __init__(self, today):
        self.today = today

    def localdate(self):
        return self.today

    def now(self):
        return timezone.now()


def test_nothing_is_reminded_before_the_reminder_day(move):
    before = snapshot()
    assert move_services.send_reminders(today=move.remind_on - timedelta(days=1)) == 0
    assert snapshot() == before
    assert mail.outbox == []


@pytest.mark.parametrize("late", [0, 5], ids=["on-the-day", "five-days-late"])
@pytest.mark.rule(10)
def test_on_the_reminder_day_the_move_is_due_and_its_planner_is_emailed_once(
    move, seats, sales_agent, settings, django_capture_on_commit_callbacks, late
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    day = move.remind_on + timedelta(days=late)

    with django_capture_on_commit_callbacks() as callbacks:
        assert move_services.send_reminders(today=day) == 1
    assert mail.outbox == []  # nothing leaves before the change is committed
    for callback in callbacks:
        callback()

    move.refresh_from_db()
    assert move.status == MoveStatus.DUE
    assert move.reminded_at is not None
    [email] = mail.outbox
    assert email.to == [sales_agent.email]
    assert email.subject == (
        f"Microsoft 365 E3 for Northwind Traders can move to us on {seats.term_end:%Y-%m-%d}"
    )
    assert f"no later than {move.buy_by:%Y-%m-%d}" in email.body
    assert f"https://portal.example.com/planned-moves/{move.uuid}/" in email.body
    entry = AuditEntry.objects.get(action=Action.MOVE_DUE)
    assert (entry.partner, entry.customer, entry.actor) == (
        sales_agent.partner,
        move.customer,
        None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert move_services.send_reminders(today=day + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
    assert entries(Action.MOVE_DUE) == 1


def test_when_the_planner_has_left_the_reminder_goes_to_the_global_admins(
    move, sales_agent, global_admin, second_global_admin, django_capture_on_commit_callbacks
):

    deactivate_user(by=global_admin, user=sales_agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert move_services.send_reminders(today=move.remind_on) == 1
    [email] = mail.outbox
    assert sorted(email.to) == sorted([global_admin.email, second_global_admin.email])


def test_every_due_move_is_reminded_in_one_run(
    sales_agent, northwind, django_capture_on_commit_callbacks
):
    moves = [
        move_services.plan_move(
            by=sales_agent,
            subscription=SubscriptionFactory(customer=northwind, term_end=TODAY + timedelta(60)),
            remind_days_before=30,
        )
        for _ in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert move_services.send_reminders(today=TODAY + timedelta(days=30)) == 3
    assert len(mail.outbox) == 3
    assert set(PlannedMove.objects.values_list("status", flat=True)) == {MoveStatus.DUE}
    assert len(moves) == entries(Action.MOVE_DUE)


@pytest.mark.parametrize("done", [True, False], ids=["done", "cancelled"])
def test_a_closed_move_is_never_reminded(
    move, sales_agent, django_capture_on_commit_callbacks, done
):
    move_services.close_move(by=sales_agent, move=move, done=done)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        assert move_services.send_reminders(today=move.term_end + timedelta(days=60)) == 0
    assert mail.outbox == []
    assert snapshot() == before


def test_the_daily_command_reminds_when_the_clock_reaches_the_day(
    move, sales_agent, monkeypatch, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "0 planned moves now due."
    assert mail.outbox == []

    monkeypatch.setattr(move_services, "timezone", MovedClock(move.remind_on))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)
    assert out.getvalue().splitlines() == ["1 planned move now due.", "0 planned moves now due."]
    assert [email.to for email in mail.outbox] == [[sales_agent.email]]
    move.refresh_from_db()
    assert move.status == MoveStatus.DUE


def test_the_sales_agents_dashboard_lists_due_moves_and_onboardings_in_progress(
    as_sales_agent, sales_agent, northwind, move, azure_ea
):
    later = move_services.plan_move(
        by=sales_agent,
        subscription=SubscriptionFactory(
            customer=northwind, offer_name="Dynamics 365 Sales", term_end=TODAY + timedelta(300)
        ),
        remind_days_before=30,
    )
    move_services.send_reminders(today=move.remind_on)
    onboarding_services.start_onboarding(by=sales_agent, source=azure_ea)
    finished = SubscriptionFactory(customer=northwind, usage=True, channel=Channel.OPEN)
    done = onboarding_services.start_onboarding(by=sales_agent, source=finished)
    AzureOnboarding.objects.filter(pk=done.pk).update(status=OnboardingStatus.FINISHED)

    response = as_sales_agent.get(reverse("home"))

    assert response.context["moves"] == [move]
    assert later not in response.context["moves"]
    page = text(response)
    assert "Due</span>" in page
    assert url("moves:detail", move) in page
    assert "Microsoft 365 E3</a> — Northwind Traders" in page
    assert "1 Azure onboarding in progress" in page


# --- 9. Next steps on the customer page -----------------------------------------------------


def test_the_customer_page_links_each_subscription_to_its_move(
    as_sales_agent, northwind, azure_ea, seats
):
    page = text(as_sales_agent.get(url("customers:detail", northwind)))
    onboard = url("subscriptions:onboard", azure_ea)
    plan = url("subscriptions:plan-move", seats)
    assert f'href="{onboard}">Onboard<span class="visually-hidden"> Azure EA' in page
    assert f'href="{plan}">Plan the move<span class="visually-hidden"> Microsoft 365 E3' in page


def test_an_onboarding_in_progress_is_the_next_step_everywhere_with_one_click_to_resume(
    as_sales_agent, sales_agent, northwind, azure_ea
):
    onboarding = at_services_step(sales_agent, azure_ea)  # stands at step 3
    resume = url("onboardings:services", onboarding)
    said = "Onboarding in progress — step 3 of 4"

    pages = {
        "subscriptions": text(as_sales_agent.get(reverse("subscriptions:list"))),
        "customer": text(as_sales_agent.get(url("customers:detail", northwind))),
        "subscription": text(as_sales_agent.get(url("subscriptions:detail", azure_ea))),
        "start": text(as_sales_agent.get(url("subscriptions:onboard", azure_ea))),
        "onboardings": text(as_sales_agent.get(reverse("onboardings:list"))),
    }

    for name in ("subscriptions", "customer", "subscription"):
        assert said in pages[name], name
        assert "Onboard to Azure under our partner" not in pages[name], name
        assert f'href="{resume}">Resume' in pages[name], name
        assert url("subscriptions:onboard", azure_ea) not in pages[name], name
    assert f'href="{resume}">Resume it at step 3' in pages["start"]
    # The Moves list's Resume goes straight to the step, not to a summary with another Resume.
    assert (
        f'href="{resume}">Resume<span class="visually-hidden"> the onboarding of'
        in (pages["onboardings"])
    )


def test_once_finished_the_subscription_no_longer_says_in_progress(
    as_sales_agent, sales_agent, azure_ea
):
    onboarding = at_services_step(sales_agent, azure_ea)
    onboarding_services.record_services(by=sales_agent, onboarding=onboarding, services=SERVICES)
    onboarding_services.finish(by=sales_agent, onboarding=onboarding, cancel_source=False)

    page = text(as_sales_agent.get(reverse("subscriptions:list")))

    assert "Onboarding in progress" not in page
    assert "Onboard to Azure under our partner" in page


# --- 10. What the lists cost ------------------------------------------------------------------

QUERY_BOUND = 6  # measured, SQLite and PostgreSQL: session, user, roles, permissions, count, page


@pytest.mark.parametrize("count", [3, 40])
def test_the_onboardings_list_costs_the_same_queries_however_many_rows(
    as_sales_agent, sales_agent, colleague, partner, count, django_assert_max_num_queries
):
    many_onboardings(partner, [sales_agent, colleague], count)
    as_sales_agent.get(reverse("onboardings:list"))
    with django_assert_max_num_queries(QUERY_BOUND):
        response = as_sales_agent.get(reverse("onboardings:list"), {"sort": "customer"})
    assert len(response.context["page_obj"]) == min(count, 25)
    assert "Step 2 of 4" in text(response)


@pytest.mark.parametrize("count", [3, 40])
def test_the_planned_moves_list_costs_the_same_queries_however_many_rows(
    as_sales_agent, sales_agent, colleague, partner, count, django_assert_max_num_queries
):
    many_moves(partner, [sales_agent, colleague], count)
    as_sales_agent.get(reverse("moves:list"))
    with django_assert_max_num_queries(QUERY_BOUND):
        response = as_sales_agent.get(reverse("moves:list"), {"sort": "term_end"})
    assert len(response.context["page_obj"]) == min(count, 25)
    assert "Due</span>" in text(response)


# --- Races on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(11, 16)
def test_two_people_creating_the_new_subscription_at_once_create_one(monkeypatch):
    partner = PartnerFactory()
    first = make_user(partner, Role.SALES_AGENT)
    second = make_user(partner, Role.GLOBAL_ADMIN)
    customer = make_managed_customer(partner)
    source = SubscriptionFactory(customer=customer, usage=True, channel=Channel.EA)
    onboarding = started(first, source)

    outcomes = race(
        *(
            lambda by=by: onboarding_services.create_new_subscription(
                by=by, onboarding=onboarding, friendly_name="Northwind production"
            )
            for by in (first, second)
        ),
        monkeypatch=monkeypatch,
        holding=(onboarding_services, "_locked"),  # the first holds the onboarding
    )

    assert all(isinstance(o, AzureOnboarding) for o in outcomes), outcomes
    assert Subscription.objects.filter(channel=Channel.CSP, partner_of_record=partner).count() == 1
    assert AzureOnboarding.objects.get().new_subscription is not None
    assert entries(Action.ONBOARDING_SUBSCRIPTION_CREATED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(11, 16)
def test_two_people_starting_the_same_onboarding_at_once_share_one(monkeypatch):

    partner = PartnerFactory()
    first = make_user(partner, Role.SALES_AGENT)
    second = make_user(partner, Role.SALES_AGENT)
    source = SubscriptionFactory(
        customer=make_managed_customer(partner), usage=True, channel=Channel.DIRECT
    )

    outcomes = race(
        *(
            lambda by=by: onboarding_services.start_onboarding(by=by, source=source)
            for by in (first, second)
        ),
        monkeypatch=monkeypatch,
        holding=(access, "can_onboard"),  # the first holds the source subscription
    )

    assert [o.pk for o in outcomes] == [AzureOnboarding.objects.get().pk] * 2, outcomes
    assert entries(Action.ONBOARDING_STARTED) == 1
    assert sorted(o.resumed for o in outcomes) == [False, True]  # one is told it resumed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(10, 16)
def test_two_reminder_runs_at_once_email_once(monkeypatch):
    partner = PartnerFactory()
    planner = make_user(partner, Role.SALES_AGENT)
    seats = SubscriptionFactory(
        customer=make_managed_customer(partner), term_end=TODAY + timedelta(days=20)
    )
    move_services.plan_move(by=planner, subscription=seats, remind_days_before=30)

    outcomes = race(
        lambda: move_services.send_reminders(today=TODAY),
        lambda: move_services.send_reminders(today=TODAY),
        monkeypatch=monkeypatch,
        holding=(move_services, "record"),  # the first has marked the move due
    )

    assert sorted(outcomes) == [0, 1]
    assert len(mail.outbox) == 1
    assert entries(Action.MOVE_DUE) == 1
    assert PlannedMove.objects.get().status == MoveStatus.DUE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(11, 16)
def test_two_people_finishing_at_once_finish_once(monkeypatch):
    partner = PartnerFactory()
    first = make_user(partner, Role.SALES_AGENT)
    second = make_user(partner, Role.SALES_AGENT)
    source = SubscriptionFactory(
        customer=make_managed_customer(partner), usage=True, channel=Channel.EA
    )
    onboarding = at_services_step(first, source)
    onboarding_services.record_services(
        by=first, onboarding=onboarding, services=[("Web app: contoso-shop", CANCEL)]
    )

    outcomes = race(
        lambda: onboarding_services.finish(by=first, onboarding=onboarding, cancel_source=False),
        lambda: onboarding_services.finish(by=second, onboarding=onboarding, cancel_source=True),
        monkeypatch=monkeypatch,
        holding=(onboarding_services, "_locked"),  # the first holds the onboarding
    )

    assert all(isinstance(o, AzureOnboarding) and o.is_finished for o in outcomes), outcomes
    assert entries(Action.ONBOARDING_FINISHED) == 1
    finished = AzureOnboarding.objects.get()
    source.refresh_from_db()
    assert (source.status == SubscriptionStatus.CANCELLED) is finished.cancel_source


# --- What the service holds on its own, whatever the page in front of it checked -----------------


def status_of(subscription) -> str:
    return Subscription.objects.get(pk=subscription.pk).status


@pytest.fixture
def shared_azure_ea(azure_ea, northwind, other_partner):
    """The customer's EA Azure, when another partner manages the customer too."""
    Relationship.objects.create(
        partner=other_partner, customer=northwind, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(northwind, other_partner)
    return azure_ea


def cancelled_by_another_partners_onboarding(source, by):
    """Another partner onboards the same subscription and cancels it as a whole."""
    theirs = at_services_step(by, source)
    onboarding_services.record_services(
        by=by, onboarding=theirs, services=[("Web app: contoso-shop", CANCEL)]
    )
    onboarding_services.finish(by=by, onboarding=theirs, cancel_source=True)
    assert status_of(source) == SubscriptionStatus.CANCELLED


@pytest.mark.rule(8, 11)
def test_creating_the_new_azure_subscription_is_refused_when_the_relationship_was_just_removed(
    sales_agent, partner, azure_ea, northwind
):
    onboarding = started(sales_agent, azure_ea)
    removed_behind_our_back(partner, northwind)
    before = everything_a_refusal_keeps()

    with pytest.raises(RuleViolation) as refusal:
        onboarding_services.create_new_subscription(
            by=sales_agent, onboarding=onboarding, friendly_name="Northwind production"
        )

    assert refusal.value.message == (
        "We no longer have an active reseller relationship with Northwind Traders, so no "
        "subscription can be created for it."
    )
    assert everything_a_refusal_keeps() == before
    assert not Subscription.objects.filter(channel=Channel.CSP, partner_of_record=partner)


@pytest.mark.rule(11)
def test_an_onboarding_whose_old_subscription_was_cancelled_meanwhile_still_finishes(
    sales_agent, other_partner_admin, shared_azure_ea
):
    ours = at_services_step(sales_agent, shared_azure_ea)
    cancelled_by_another_partners_onboarding(shared_azure_ea, other_partner_admin)

    onboarding_services.record_services(by=sales_agent, onboarding=ours, services=SERVICES)
    finished = onboarding_services.finish(by=sales_agent, onboarding=ours, cancel_source=False)

    assert finished.status == OnboardingStatus.FINISHED
    services = {s.name: s.cancelled_at for s in AzureService.objects.filter(onboarding=ours)}
    assert services["Web app: contoso-shop"] is not None
    assert services["SQL database: orders"] is None
    assert status_of(finished.new_subscription) == SubscriptionStatus.ACTIVE
    entry = AuditEntry.objects.get(
        action=Action.ONBOARDING_FINISHED, target_id=str(ours.uuid), actor=sales_agent
    )
    assert entry.new_values["old_subscription_cancelled"] is False


@pytest.mark.rule(11)
def test_cancelling_an_old_subscription_that_is_already_cancelled_is_refused(
    sales_agent, other_partner_admin, shared_azure_ea
):
    ours = at_services_step(sales_agent, shared_azure_ea)
    onboarding_services.record_services(
        by=sales_agent, onboarding=ours, services=[("Web app: contoso-shop", CANCEL)]
    )
    cancelled_by_another_partners_onboarding(shared_azure_ea, other_partner_admin)
    before = everything_a_refusal_keeps()

    with pytest.raises(RuleViolation) as refusal:
        onboarding_services.finish(by=sales_agent, onboarding=ours, cancel_source=True)

    assert refusal.value.field == "cancel_source"
    assert refusal.value.message == (
        "The old subscription is already cancelled, so it cannot be cancelled as a whole. "
        "Finish without cancelling it: the services are recorded all the same."
    )
    assert everything_a_refusal_keeps() == before
    assert AzureOnboarding.objects.get(pk=ours.pk).status == OnboardingStatus.IN_PROGRESS


@pytest.mark.rule(11)
def test_the_review_page_turns_off_cancelling_an_old_subscription_already_cancelled(
    sales_agent, other_partner_admin, shared_azure_ea
):
    ours = at_services_step(sales_agent, shared_azure_ea)
    onboarding_services.record_services(
        by=sales_agent, onboarding=ours, services=[("Web app: contoso-shop", CANCEL)]
    )
    cancelled_by_another_partners_onboarding(shared_azure_ea, other_partner_admin)
    client = signed_in(sales_agent)
    review = reverse("onboardings:review", args=[ours.uuid])

    field = client.get(review).context["form"]["cancel_source"]
    assert field.field.disabled
    assert field.help_text == "Not needed: it is already cancelled."

    finished = client.post(review, {"cancel_source": "on"})  # a disabled box is ignored
    assert finished["Location"] == reverse("onboardings:detail", args=[ours.uuid])
    ours.refresh_from_db()
    assert ours.status == OnboardingStatus.FINISHED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(8, 11, 16)
def test_removing_the_relationship_while_the_new_azure_subscription_is_created_one_wins(
    monkeypatch,
):
    partner = PartnerFactory()
    admin, agent = make_user(partner, Role.GLOBAL_ADMIN), make_user(partner, Role.SALES_AGENT)
    customer = make_managed_customer(partner)
    source = SubscriptionFactory(customer=customer, usage=True, channel=Channel.EA)
    onboarding = started(agent, source)

    def create():
        return onboarding_services.create_new_subscription(
            by=agent, onboarding=onboarding, friendly_name="Northwind production"
        )

    outcomes = race(
        lambda: remove_relationship(by=admin, customer=customer),
        create,
        monkeypatch=monkeypatch,
        holding=REMOVAL_CHECKED,
    )

    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 1, outcomes
    assert rule_8_holds(partner, customer)
