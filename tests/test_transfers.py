"""Switching Azure subscriptions between partners (DESIGN rule 12): the target partner asks, the
source partner's Global admin accepts (choosing the line items) or declines, the target may
cancel, and an unanswered request expires after 30 days. Completion moves the partner of record.

In most tests `partner` (Contoso) is the target and `other_partner` (Fabrikam) the source."""

import html
import io
import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from multichannel import access
from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    Cloud,
    CommerceType,
    LineItemStatus,
    Relationship,
    RelationshipStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    TransferGroupObjectPermission,
    TransferLineItem,
    TransferRequest,
    TransferStatus,
)
from multichannel.models.transfers import TRANSITIONS
from multichannel.roles import Role
from multichannel.services import subscriptions as subscription_services
from multichannel.services import transfers as transfer_services
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from multichannel.services.relationships import remove_relationship
from tests.factories import (
    REMOVAL_CHECKED,
    PartnerFactory,
    SubscriptionFactory,
    everything_a_refusal_keeps,
    make_managed_customer,
    make_user,
    removed_behind_our_back,
    rule_8_holds,
    signed_in,
)
from tests.races import race

CUSTOMER_CONTACT = "nancy@northwind.example"


# --- Fixtures and helpers ----------------------------------------------------------------------


def share(customer, partner):
    """Give `partner` an active reseller relationship with `customer` too (multi-partner)."""
    Relationship.objects.create(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    )
    refresh_customer_access(customer, partner)


def azure(customer, held_by, name="Azure plan", **extra):
    return SubscriptionFactory(
        customer=customer, usage=True, held_by=held_by, offer_name=name, **extra
    )


def seats(customer, held_by, name="Microsoft 365 E3", **extra):
    return SubscriptionFactory(customer=customer, held_by=held_by, offer_name=name, **extra)


@pytest.fixture
def northwind(partner, other_partner):
    """A customer both partners have an active reseller relationship with."""
    customer = make_managed_customer(
        partner, company_name="Northwind Traders", contact_email=CUSTOMER_CONTACT
    )
    share(customer, other_partner)
    return customer


@pytest.fixture
def production(northwind, other_partner):
    return azure(northwind, other_partner, "Azure production")


@pytest.fixture
def development(northwind, other_partner):
    return azure(northwind, other_partner, "Azure development")


@pytest.fixture
def office(northwind, other_partner):
    """License-based seats the source holds: they never move with a transfer (rule 10)."""
    return seats(northwind, other_partner, "Office 365 E3")


@pytest.fixture
def source_sales_agent(other_partner):
    return make_user(
        other_partner, Role.SALES_AGENT, full_name="Hayden Hill", email="hayden@fabrikam.example"
    )


@pytest.fixture
def third_partner(db):
    return PartnerFactory(name="Tailwind Partners", partner_id="6300789")


@pytest.fixture
def third_partner_users(third_partner):
    return (
        make_user(third_partner, Role.GLOBAL_ADMIN, email="ivy@tailwind.example"),
        make_user(third_partner, Role.SALES_AGENT, email="jo@tailwind.example"),
    )


@pytest.fixture
def transfer(sales_agent, northwind, other_partner, production, development, office):
    """Contoso (ours) asks Fabrikam for Northwind's two Azure subscriptions."""
    return ask(sales_agent, northwind, other_partner)


def ask(by, customer, source, notify_email=CUSTOMER_CONTACT):
    return transfer_services.request_transfer(
        by=by, customer=customer, source_partner=source, notify_email=notify_email
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name, obj) -> str:
    return reverse(name, args=[obj.uuid])


def items_of(transfer) -> dict[str, str]:
    return dict(
        TransferLineItem.objects.filter(transfer=transfer).values_list(
            "subscription__offer_name", "status"
        )
    )


def entries(action, transfer=None) -> int:
    found = AuditEntry.objects.filter(action=action)
    if transfer is not None:
        found = found.filter(target_type="transferrequest", target_id=str(transfer.uuid))
    return found.count()


def trail(transfer) -> list[str]:
    """The transfer's activity-log entries, oldest first."""
    return list(
        AuditEntry.objects.filter(target_type="transferrequest", target_id=str(transfer.uuid))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def snapshot():
    """What a refused change must leave exactly as it was."""
    return (
        list(
            TransferRequest.objects.values_list(
                "pk", "status", "answered_by", "cancelled_by", "decline_reason", "completed_at"
            ).order_by("pk")
        ),
        list(TransferLineItem.objects.values_list("pk", "status", "error").order_by("pk")),
        list(
            Subscription.objects.values_list(
                "pk", "partner_of_record", "status", "source"
            ).order_by("pk")
        ),
        TransferGroupObjectPermission.objects.count(),
        AuditEntry.objects.count(),
    )


def form_data(customer, source, /, **overrides):
    data = {
        "customer": str(customer.uuid),
        "source_partner": str(source.uuid),
        "product_types": ["azure"],
        "notify_email": CUSTOMER_CONTACT,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def overdue(transfer):
    """Move the clock: the request has waited past its 30 days."""
    TransferRequest.objects.filter(pk=transfer.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    transfer.refresh_from_db()


def role_groups(partner, *roles) -> set[int]:
    return set(
        Group.objects.filter(role_group__partner=partner, role_group__role__in=roles).values_list(
            "pk", flat=True
        )
    )


# --- 1. Who sees and does what -----------------------------------------------------------------


def test_the_target_sees_its_request_on_the_incoming_side_and_not_on_outgoing(
    as_sales_agent, transfer
):
    incoming = as_sales_agent.get(reverse("transfers:list") + "?direction=incoming")
    outgoing = as_sales_agent.get(reverse("transfers:list") + "?direction=outgoing")

    assert [t.pk for t in incoming.context["page_obj"].object_list] == [transfer.pk]
    assert "Fabrikam Partners" in text(incoming)
    assert list(outgoing.context["page_obj"].object_list) == []
    assert as_sales_agent.get(url("transfers:detail", transfer)).status_code == 200


def test_the_source_sees_it_on_the_outgoing_side_and_opens_its_detail_page(
    as_other_partner, transfer
):
    outgoing = as_other_partner.get(reverse("transfers:list") + "?direction=outgoing")
    incoming = as_other_partner.get(reverse("transfers:list") + "?direction=incoming")
    detail = as_other_partner.get(url("transfers:detail", transfer))

    assert [t.pk for t in outgoing.context["page_obj"].object_list] == [transfer.pk]
    assert "Contoso Cloud Solutions" in text(outgoing)
    assert list(incoming.context["page_obj"].object_list) == []
    assert detail.status_code == 200
    page = text(detail)
    assert "Azure production" in page and "Azure development" in page
    assert "outgoing" in page
    assert reverse("transfers:accept", args=[transfer.uuid]) in page


@pytest.mark.rule(1)
def test_a_third_partner_finds_nothing_in_its_lists_and_a_404_on_every_page(
    transfer, third_partner_users
):
    for user in third_partner_users:
        client = signed_in(user)
        for direction in ("incoming", "outgoing"):
            listed = client.get(reverse("transfers:list") + f"?direction={direction}")
            assert listed.status_code == 200
            assert list(listed.context["page_obj"].object_list) == []
        # Answering needs the Global admin role: whoever lacks it is told so before any
        # transfer is looked up, so the 403 says nothing about this one.
        answer = 404 if user.has_role(Role.GLOBAL_ADMIN) else 403
        for name, code in (
            ("transfers:detail", 404),
            ("transfers:accept", answer),
            ("transfers:decline", answer),
            ("transfers:cancel", 404),
        ):
            assert client.get(url(name, transfer)).status_code == code
            if name != "transfers:detail":
                assert client.post(url(name, transfer), {"reason": "no"}).status_code == code
    assert transfer.status == TransferRequest.objects.get().status == TransferStatus.PENDING


@pytest.mark.rule(1)
def test_a_user_management_admin_is_refused_with_a_403_everywhere(as_user_admin, transfer):
    assert as_user_admin.get(reverse("transfers:list")).status_code == 403
    assert as_user_admin.get(reverse("transfers:new")).status_code == 403
    for name in ("transfers:detail", "transfers:accept", "transfers:decline", "transfers:cancel"):
        assert as_user_admin.get(url(name, transfer)).status_code == 403
    assert as_user_admin.post(url("transfers:cancel", transfer)).status_code == 403


@pytest.mark.rule(1, 12)
def test_a_sales_agent_of_the_source_sees_the_request_but_only_a_global_admin_answers(
    transfer, source_sales_agent, production
):
    client = signed_in(source_sales_agent)
    before = snapshot()

    outgoing = client.get(reverse("transfers:list") + "?direction=outgoing")
    assert [t.pk for t in outgoing.context["page_obj"].object_list] == [transfer.pk]
    detail = client.get(url("transfers:detail", transfer))
    assert detail.status_code == 200
    assert "This needs the Global admin role." in text(detail)
    assert reverse("transfers:accept", args=[transfer.uuid]) not in text(detail)
    refused = client.get(url("transfers:accept", transfer))
    assert refused.status_code == 403
    assert "Global admin" in text(refused)
    assert client.get(url("transfers:decline", transfer)).status_code == 403
    assert (
        client.post(
            url("transfers:accept", transfer), {"subscriptions": [production.pk]}
        ).status_code
        == 403
    )
    assert client.post(url("transfers:decline", transfer), {"reason": "no"}).status_code == 403
    with pytest.raises(PermissionDenied):
        transfer_services.accept_transfer(
            by=source_sales_agent, transfer=transfer, subscription_ids=[production.pk]
        )
    with pytest.raises(PermissionDenied):
        transfer_services.decline_transfer(by=source_sales_agent, transfer=transfer)

    assert snapshot() == before


def test_a_global_admin_of_the_target_is_told_only_the_holder_answers(
    as_global_admin, global_admin, transfer, production
):
    before = snapshot()

    page = as_global_admin.get(url("transfers:accept", transfer))
    assert page.status_code == 200
    assert "Only the partner that holds the subscriptions answers." in text(page)
    assert "Accept and transfer" not in text(page)
    posted = as_global_admin.post(
        url("transfers:accept", transfer), {"subscriptions": [production.pk]}, follow=True
    )
    assert "Only the partner that holds the subscriptions answers." in text(posted)
    with pytest.raises(RuleViolation, match="Only the partner that holds"):
        transfer_services.decline_transfer(by=global_admin, transfer=transfer)

    assert snapshot() == before


@pytest.mark.rule(12)
def test_only_the_target_may_cancel(as_other_partner, other_partner_admin, transfer):
    before = snapshot()

    page = as_other_partner.get(url("transfers:cancel", transfer))
    assert page.status_code == 200
    assert "Only the partner that asked for the transfer can cancel it." in text(page)
    posted = as_other_partner.post(url("transfers:cancel", transfer), follow=True)
    assert "Only the partner that asked for the transfer can cancel it." in text(posted)
    with pytest.raises(RuleViolation, match="Only the partner that asked"):
        transfer_services.cancel_transfer(by=other_partner_admin, transfer=transfer)

    assert snapshot() == before


# --- 2. Asking for a transfer ------------------------------------------------------------------


def test_the_customer_page_offers_to_ask_for_a_transfer_of_azure_another_partner_holds(
    as_sales_agent, northwind, other_partner, production, office
):
    page = text(as_sales_agent.get(url("customers:detail", northwind)))

    link = reverse("transfers:new") + f"?customer={northwind.uuid}&source={other_partner.uuid}"
    assert "Switch to our partner" in page
    assert f'href="{link}">Ask for a transfer' in page
    assert page.count("Ask for a transfer<") == 1  # the license-based seats are planned instead


def test_the_next_step_link_opens_the_form_filled_in_with_what_would_move(
    as_sales_agent, northwind, other_partner, production, office
):
    link = reverse("transfers:new") + f"?customer={northwind.uuid}&source={other_partner.uuid}"

    response = as_sales_agent.get(link)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["customer"] == northwind.uuid
    assert form.initial["source_partner"] == str(other_partner.uuid)
    assert form.initial["notify_email"] == CUSTOMER_CONTACT
    assert [s.pk for s in response.context["eligible"]] == [production.pk]


def test_show_what_would_move_names_each_azure_subscription_and_gives_its_id(
    as_sales_agent, northwind, other_partner
):
    unnamed = [azure(northwind, other_partner, "Azure plan") for _ in range(2)]
    named = azure(northwind, other_partner, "Azure plan — Northwind analytics")

    response = as_sales_agent.post(
        reverse("transfers:new"), {**form_data(northwind, other_partner), "review": "1"}
    )

    preview = text(response).split('id="eligible-heading"')[1]
    assert preview.count("Azure plan (no name)") == 2
    assert "<strong>Northwind analytics</strong>" in preview
    for subscription in [*unnamed, named]:
        assert f'Subscription ID <code class="break-anywhere">{subscription.external_id}' in (
            preview
        )


def test_the_customer_choice_offers_only_customers_with_something_to_ask_for(
    as_sales_agent, partner, northwind, other_partner, production
):
    nothing_elsewhere = make_managed_customer(partner, company_name="Litware")
    azure(nothing_elsewhere, partner, "Azure we already hold")
    asked_already = make_managed_customer(partner, company_name="Fourth Coffee")
    share(asked_already, other_partner)
    pending = azure(asked_already, other_partner, "Azure plan — asked for")
    transfer_services.request_transfer(
        by=make_user(partner, Role.SALES_AGENT, email="asker@contoso.example"),
        customer=asked_already,
        source_partner=other_partner,
        notify_email=CUSTOMER_CONTACT,
    )
    assert pending.transfer_items.exists()

    form = as_sales_agent.get(reverse("transfers:new")).context["form"]

    assert list(form.fields["customer"].queryset) == [northwind]


def test_with_no_customer_to_ask_for_the_page_says_why_instead_of_a_form(
    as_sales_agent, northwind, other_partner
):
    response = as_sales_agent.get(reverse("transfers:new"))

    page = " ".join(text(response).split())
    assert response.context["no_customers"]
    assert "No customers to ask a transfer for yet." in page
    assert "None of the customers we have a reseller relationship with has one" in page
    assert "Send the request" not in page


def test_show_what_would_move_lists_eligible_azure_and_license_based_ones_to_plan_instead(
    as_sales_agent, northwind, other_partner, partner, production, development, office
):
    ours = azure(northwind, partner, "Azure we already hold")
    cancelled = azure(
        northwind, other_partner, "Azure switched off", status=SubscriptionStatus.CANCELLED
    )

    response = as_sales_agent.post(
        reverse("transfers:new"), {**form_data(northwind, other_partner), "review": "1"}
    )

    assert response.status_code == 200
    assert [s.pk for s in response.context["eligible"]] == [development.pk, production.pk]
    assert [s.pk for s in response.context["not_eligible"]] == [office.pk]
    page = text(response)
    assert "What Fabrikam Partners holds for Northwind Traders" in page
    assert "Cannot move now (license-based" in page
    assert f'href="{url("subscriptions:plan-move", office)}">Plan the move' in page
    for absent in (ours, cancelled):
        assert absent.offer_name not in page.split("eligible-heading")[1]
    assert TransferRequest.objects.count() == 0
    assert entries(Action.TRANSFER_CREATED) == 0


@pytest.mark.rule(12)
def test_sending_the_request_creates_a_line_item_for_every_eligible_subscription(
    as_sales_agent,
    sales_agent,
    northwind,
    partner,
    other_partner,
    production,
    development,
    office,
    django_capture_on_commit_callbacks,
):
    azure(northwind, partner, "Azure we already hold")
    azure(northwind, other_partner, "Azure switched off", status=SubscriptionStatus.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_sales_agent.post(
            reverse("transfers:new"), form_data(northwind, other_partner)
        )

    transfer = TransferRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("transfers:detail", transfer)
    assert (transfer.source_partner, transfer.target_partner) == (other_partner, partner)
    assert transfer.created_by == sales_agent
    assert transfer.status == TransferStatus.PENDING
    assert transfer.notify_email == CUSTOMER_CONTACT
    assert transfer.product_types == ["azure"]
    assert timedelta(days=29, hours=23) < transfer.expires_at - timezone.now() <= timedelta(days=30)
    assert items_of(transfer) == {
        "Azure production": LineItemStatus.PENDING,
        "Azure development": LineItemStatus.PENDING,
    }
    assert entries(Action.TRANSFER_CREATED, transfer) == 1
    assert AuditEntry.objects.filter(action__startswith="transfers.").count() == 1
    entry = AuditEntry.objects.get(action=Action.TRANSFER_CREATED)
    assert (entry.partner, entry.actor, entry.customer) == (partner, sales_agent, northwind)
    followed = text(as_sales_agent.get(response["Location"]))
    assert "The request was sent to Fabrikam Partners" in followed
    assert "Azure production" in followed and "Azure we already hold" not in followed


def test_the_request_grants_both_partners_global_admin_and_sales_agent_groups(
    transfer, partner, other_partner
):
    grants = set(
        TransferGroupObjectPermission.objects.filter(content_object=transfer).values_list(
            "group_id", "permission__codename"
        )
    )

    target_groups = role_groups(partner, Role.GLOBAL_ADMIN, Role.SALES_AGENT)
    source_groups = role_groups(other_partner, Role.GLOBAL_ADMIN, Role.SALES_AGENT)
    assert len(target_groups) == len(source_groups) == 2
    assert grants == {
        *((g, "view_transferrequest") for g in target_groups | source_groups),
        *((g, "change_transferrequest") for g in target_groups),
    }
    assert not grants & {
        (g, c)
        for g in role_groups(partner, Role.USER_MANAGEMENT_ADMIN)
        | role_groups(other_partner, Role.USER_MANAGEMENT_ADMIN)
        for c in ("view_transferrequest", "change_transferrequest")
    }


def test_the_source_partners_active_global_admins_are_emailed_once_committed(
    sales_agent,
    northwind,
    other_partner,
    other_partner_admin,
    source_sales_agent,
    production,
    django_capture_on_commit_callbacks,
):
    second = make_user(other_partner, Role.GLOBAL_ADMIN, email="kim@fabrikam.example")
    make_user(other_partner, Role.GLOBAL_ADMIN, email="left@fabrikam.example", is_active=False)

    with django_capture_on_commit_callbacks() as callbacks:
        transfer = ask(sales_agent, northwind, other_partner)
        assert mail.outbox == []  # nothing leaves before the change is committed
    for callback in callbacks:
        callback()

    [email] = mail.outbox
    assert email.to == sorted([other_partner_admin.email, second.email])
    assert email.subject == (
        "Contoso Cloud Solutions asks for the Azure subscriptions of Northwind Traders"
    )
    assert f"Azure production ({production.external_id})" in email.body
    assert reverse("transfers:detail", args=[transfer.uuid]) in email.body


@pytest.mark.rule(12)
def test_without_an_active_relationship_with_the_customer_nothing_is_asked(
    sales_agent, other_partner
):
    stranger = make_managed_customer(other_partner, company_name="Litware")
    azure(stranger, other_partner)
    before = snapshot()

    with pytest.raises(RuleViolation, match="active reseller relationship"):
        ask(sales_agent, stranger, other_partner)

    assert snapshot() == before


@pytest.mark.rule(9, 12)
def test_a_partner_of_another_cloud_cannot_be_asked(as_sales_agent, sales_agent, northwind):
    government = PartnerFactory(name="Tailspin Government Services", cloud=Cloud.US_GOVERNMENT)
    share(northwind, government)
    azure(northwind, government, "Azure Government")
    before = snapshot()

    with pytest.raises(RuleViolation, match="US Government"):
        ask(sales_agent, northwind, government)
    response = as_sales_agent.post(reverse("transfers:new"), form_data(northwind, government))

    assert response.status_code == 200
    assert "source_partner" in response.context["form"].errors  # not even offered
    assert snapshot() == before


@pytest.mark.rule(12)
def test_a_source_that_holds_only_license_based_or_cancelled_subscriptions_has_nothing_to_move(
    as_sales_agent, sales_agent, northwind, partner, other_partner, third_partner
):
    share(northwind, third_partner)
    azure(northwind, third_partner)  # someone else's Azure puts the customer in the form's list
    seats(northwind, other_partner)
    azure(northwind, other_partner, status=SubscriptionStatus.CANCELLED)
    before = snapshot()

    with pytest.raises(RuleViolation, match="holds no active Azure subscription"):
        ask(sales_agent, northwind, other_partner)
    response = as_sales_agent.post(reverse("transfers:new"), form_data(northwind, other_partner))

    assert response.status_code == 200
    assert (
        "Fabrikam Partners holds no active Azure subscription of Northwind Traders"
        in response.context["form"].non_field_errors()[0]
    )
    assert snapshot() == before


def test_we_cannot_ask_ourselves(sales_agent, northwind, partner, production):
    azure(northwind, partner, "Azure we already hold")
    before = snapshot()

    with pytest.raises(RuleViolation, match="We already hold"):
        ask(sales_agent, northwind, partner)

    assert snapshot() == before


def test_show_what_would_move_needs_only_the_customer_and_the_partner(
    as_sales_agent, northwind, other_partner, production, development
):
    data = {**form_data(northwind, other_partner), "review": "1", "notify_email": ""}

    response = as_sales_agent.post(reverse("transfers:new"), data)

    assert response.status_code == 200
    assert [s.pk for s in response.context["eligible"]] == [development.pk, production.pk]
    assert response.context["form"].errors == {}  # the email is asked for when sending
    data.pop("review")
    sent = as_sales_agent.post(reverse("transfers:new"), data)
    assert sent.context["form"].errors["notify_email"] == ["This field is required."]
    assert TransferRequest.objects.count() == 0


def test_a_subscription_already_in_a_pending_transfer_is_not_asked_for_again(
    as_sales_agent, sales_agent, global_admin, transfer, northwind, other_partner
):
    before = snapshot()

    with pytest.raises(RuleViolation, match="not already in a pending transfer"):
        ask(global_admin, northwind, other_partner)
    review = as_sales_agent.post(
        reverse("transfers:new"), {**form_data(northwind, other_partner), "review": "1"}
    )

    # Nothing left to ask for: the customer is no longer offered.
    assert northwind not in review.context["form"].fields["customer"].queryset
    assert "customer" in review.context["form"].errors
    assert "eligible" not in review.context
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field_name", "message"),
    [
        ({"customer": None}, "customer", "This field is required."),
        ({"notify_email": "not-an-email"}, "notify_email", "Enter a valid email address."),
        ({"notify_email": ""}, "notify_email", "This field is required."),
        ({"product_types": []}, "product_types", "Choose what to transfer."),
    ],
    ids=["missing-customer", "invalid-email", "missing-email", "nothing-chosen"],
)
def test_form_errors_are_explained_beside_their_field_and_nothing_is_written(
    as_sales_agent, northwind, other_partner, production, overrides, field_name, message
):
    before = snapshot()

    response = as_sales_agent.post(
        reverse("transfers:new"), form_data(northwind, other_partner, **overrides)
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field_name] == [message]
    assert message in text(response)
    assert snapshot() == before


# --- 3. Every transition -----------------------------------------------------------------------


@pytest.mark.rule(12)
def test_accepting_a_subset_completes_the_transfer_at_once_and_moves_only_the_chosen_ones(
    as_other_partner,
    other_partner_admin,
    transfer,
    partner,
    other_partner,
    sales_agent,
    production,
    development,
    office,
    django_capture_on_commit_callbacks,
):
    page = as_other_partner.get(url("transfers:accept", transfer))
    assert "Accept and transfer" in text(page)
    assert set(page.context["form"].fields["subscriptions"].initial) == {
        production.pk,
        development.pk,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = as_other_partner.post(
            url("transfers:accept", transfer), {"subscriptions": [production.pk]}, follow=True
        )

    assert "The transfer is complete." in text(response)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert transfer.answered_by == other_partner_admin
    assert transfer.completed_at is not None
    assert items_of(transfer) == {
        "Azure production": LineItemStatus.MOVED,
        "Azure development": LineItemStatus.NOT_SELECTED,
    }
    production.refresh_from_db()
    development.refresh_from_db()
    office.refresh_from_db()
    assert (production.partner_of_record, production.source) == (partner, Source.TRANSFERRED)
    assert development.partner_of_record == office.partner_of_record == other_partner
    assert trail(transfer) == [
        Action.TRANSFER_CREATED,
        Action.TRANSFER_ACCEPTED,
        Action.TRANSFER_COMPLETED,
    ]
    completed = AuditEntry.objects.get(action=Action.TRANSFER_COMPLETED)
    assert completed.new_values["moved"] == ["Azure production"]
    assert completed.partner == other_partner

    partners_email, customers_email = mail.outbox
    assert partners_email.to == sorted([sales_agent.email, other_partner_admin.email])
    assert "- Azure production: moved" in partners_email.body
    assert "- Azure development: not selected by the source partner" in partners_email.body
    assert customers_email.to == [CUSTOMER_CONTACT]
    assert customers_email.subject == "Your Azure subscriptions now move to Contoso Cloud Solutions"
    assert f"- Azure production ({production.external_id})" in customers_email.body
    assert "Azure development" not in customers_email.body


def test_accepting_with_nothing_chosen_is_refused_beside_the_list(
    as_other_partner, other_partner_admin, transfer, office
):
    before = snapshot()

    response = as_other_partner.post(url("transfers:accept", transfer), {})
    assert response.status_code == 200
    assert response.context["form"].errors["subscriptions"] == [
        "Choose at least one subscription, or decline the request."
    ]
    for chosen in ([], [office.pk]):  # license-based seats are no line item
        with pytest.raises(RuleViolation, match="Choose at least one subscription") as refusal:
            transfer_services.accept_transfer(
                by=other_partner_admin, transfer=transfer, subscription_ids=chosen
            )
        assert refusal.value.field == "subscriptions"

    assert snapshot() == before


@pytest.mark.rule(12)
def test_declining_with_a_reason_withdraws_every_item_and_tells_the_requester(
    as_other_partner,
    other_partner_admin,
    transfer,
    sales_agent,
    production,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_other_partner.post(
            url("transfers:decline", transfer),
            {"reason": "  The customer's contract with us runs until June.  "},
            follow=True,
        )

    assert "The transfer request was declined." in text(response)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DECLINED
    assert transfer.answered_by == other_partner_admin
    assert transfer.decline_reason == "The customer's contract with us runs until June."
    assert set(items_of(transfer).values()) == {LineItemStatus.WITHDRAWN}
    production.refresh_from_db()
    assert production.partner_of_record == transfer.source_partner
    assert trail(transfer) == [Action.TRANSFER_CREATED, Action.TRANSFER_DECLINED]
    [email] = mail.outbox
    assert email.to == [sales_agent.email]
    assert "Their reason: The customer's contract with us runs until June." in email.body


@pytest.mark.rule(12)
def test_the_target_cancels_its_request_and_every_item_is_withdrawn(
    as_sales_agent, sales_agent, transfer, northwind, other_partner, production
):
    assert "Cancel the request" in text(as_sales_agent.get(url("transfers:cancel", transfer)))

    response = as_sales_agent.post(url("transfers:cancel", transfer), follow=True)

    assert "The transfer request was cancelled." in text(response)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert transfer.cancelled_by == sales_agent
    assert set(items_of(transfer).values()) == {LineItemStatus.WITHDRAWN}
    production.refresh_from_db()
    assert production.partner_of_record == other_partner
    assert trail(transfer) == [Action.TRANSFER_CREATED, Action.TRANSFER_CANCELLED]
    again = ask(sales_agent, northwind, other_partner)  # the subscriptions are free again
    assert len(items_of(again)) == 2


@pytest.mark.rule(12)
def test_the_expiry_command_expires_an_overdue_request_once(transfer, partner, production):
    overdue(transfer)

    first, second = io.StringIO(), io.StringIO()
    call_command("expire_requests", stdout=first)
    call_command("expire_requests", stdout=second)

    assert "1 transfer request expired." in first.getvalue()
    assert "0 transfer requests expired." in second.getvalue()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.EXPIRED
    assert set(items_of(transfer).values()) == {LineItemStatus.WITHDRAWN}
    production.refresh_from_db()
    assert production.partner_of_record == transfer.source_partner
    assert trail(transfer) == [Action.TRANSFER_CREATED, Action.TRANSFER_EXPIRED]
    expired = AuditEntry.objects.get(action=Action.TRANSFER_EXPIRED)
    assert (expired.actor, expired.actor_label, expired.partner) == (
        None,
        "Scheduled expiry",
        partner,
    )


def test_a_request_not_yet_due_is_left_alone_by_the_expiry_command(transfer):
    call_command("expire_requests", stdout=io.StringIO())

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    assert entries(Action.TRANSFER_EXPIRED) == 0


def test_an_overdue_request_reads_as_expired_before_the_command_runs(
    as_sales_agent, as_other_partner, transfer
):
    overdue(transfer)

    listed = as_sales_agent.get(reverse("transfers:list") + "?direction=incoming")
    [row] = listed.context["page_obj"].object_list
    assert row.effective_status == TransferStatus.EXPIRED
    assert "Expired</span>" in text(listed)
    assert "Pending</span>" not in text(listed)
    expired = as_sales_agent.get(reverse("transfers:list") + "?direction=incoming&status=expired")
    pending = as_sales_agent.get(reverse("transfers:list") + "?direction=incoming&status=pending")
    assert [t.pk for t in expired.context["page_obj"].object_list] == [transfer.pk]
    assert list(pending.context["page_obj"].object_list) == []
    detail = as_other_partner.get(url("transfers:detail", transfer))
    assert "Expired</span>" in text(detail)
    assert reverse("transfers:accept", args=[transfer.uuid]) not in text(detail)
    assert TransferRequest.objects.get().status == TransferStatus.PENDING  # not written yet


def test_an_overdue_request_no_longer_holds_its_subscriptions_before_the_command_runs(
    transfer, sales_agent, northwind, other_partner
):
    overdue(transfer)

    again = ask(sales_agent, northwind, other_partner)

    assert len(items_of(again)) == 2


def _cancel_then_accept(transfer, target_agent, source_admin, chosen):
    transfer_services.cancel_transfer(by=target_agent, transfer=transfer)
    return lambda: transfer_services.accept_transfer(
        by=source_admin, transfer=transfer, subscription_ids=chosen
    )


def _decline_then_cancel(transfer, target_agent, source_admin, chosen):
    transfer_services.decline_transfer(by=source_admin, transfer=transfer, reason="No")
    return lambda: transfer_services.cancel_transfer(by=target_agent, transfer=transfer)


def _expire_then_decline(transfer, target_agent, source_admin, chosen):
    overdue(transfer)
    transfer_services.expire_transfers()
    return lambda: transfer_services.decline_transfer(by=source_admin, transfer=transfer)


def _overdue_then_accept(transfer, target_agent, source_admin, chosen):
    overdue(transfer)
    return lambda: transfer_services.accept_transfer(
        by=source_admin, transfer=transfer, subscription_ids=chosen
    )


def _overdue_then_cancel(transfer, target_agent, source_admin, chosen):
    overdue(transfer)
    return lambda: transfer_services.cancel_transfer(by=target_agent, transfer=transfer)


def _accept_twice(transfer, target_agent, source_admin, chosen):
    transfer_services.accept_transfer(by=source_admin, transfer=transfer, subscription_ids=chosen)
    return lambda: transfer_services.accept_transfer(
        by=source_admin, transfer=transfer, subscription_ids=chosen
    )


def _cancel_after_accept(transfer, target_agent, source_admin, chosen):
    transfer_services.accept_transfer(by=source_admin, transfer=transfer, subscription_ids=chosen)
    return lambda: transfer_services.cancel_transfer(by=target_agent, transfer=transfer)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (_cancel_then_accept, "It is cancelled."),
        (_decline_then_cancel, "It is declined."),
        (_expire_then_decline, "It is expired."),
        (_overdue_then_accept, "It is expired."),
        (_overdue_then_cancel, "It is expired."),
        (_accept_twice, "It is completed."),
        (_cancel_after_accept, "It is completed."),
    ],
    ids=[
        "accept-after-cancel",
        "cancel-after-decline",
        "decline-after-expiry",
        "accept-when-overdue",
        "cancel-when-overdue",
        "accept-twice",
        "cancel-after-accept",
    ],
)
@pytest.mark.rule(12)
def test_a_transition_that_is_no_longer_allowed_is_refused_and_changes_nothing(
    transfer, sales_agent, other_partner_admin, production, setup, message
):
    late = setup(transfer, sales_agent, other_partner_admin, [production.pk])
    before = snapshot()

    with pytest.raises(RuleViolation, match=message):
        late()

    assert snapshot() == before


def test_a_late_answer_in_the_pages_says_why_and_changes_nothing(
    as_other_partner, sales_agent, transfer, production
):
    transfer_services.cancel_transfer(by=sales_agent, transfer=transfer)
    before = snapshot()

    page = as_other_partner.get(url("transfers:accept", transfer))
    posted = as_other_partner.post(
        url("transfers:accept", transfer), {"subscriptions": [production.pk]}, follow=True
    )

    assert "It is cancelled." in text(page)
    assert posted.status_code == 200
    assert "It is cancelled." in text(posted)
    assert snapshot() == before


# --- 4. A line item that can no longer move ----------------------------------------------------


@pytest.mark.rule(12)
def test_items_that_can_no_longer_move_fail_with_their_reason_and_the_others_still_move(
    other_partner_admin,
    sales_agent,
    partner,
    other_partner,
    third_partner,
    northwind,
    production,
    development,
    django_capture_on_commit_callbacks,
):
    staging = azure(northwind, other_partner, "Azure staging")
    transfer = ask(sales_agent, northwind, other_partner)
    Subscription.objects.filter(pk=production.pk).update(status=SubscriptionStatus.CANCELLED)
    Subscription.objects.filter(pk=development.pk).update(partner_of_record=third_partner)

    with django_capture_on_commit_callbacks(execute=True):
        transfer_services.accept_transfer(
            by=other_partner_admin,
            transfer=transfer,
            subscription_ids=[production.pk, development.pk, staging.pk],
        )

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    items = {
        i.subscription_id: (i.status, i.error)
        for i in TransferLineItem.objects.filter(transfer=transfer)
    }
    assert items == {
        staging.pk: (LineItemStatus.MOVED, ""),
        production.pk: (LineItemStatus.FAILED, "it is cancelled"),
        development.pk: (LineItemStatus.FAILED, "it is no longer held by the source partner"),
    }
    assert Subscription.objects.get(pk=staging.pk).partner_of_record == partner
    assert Subscription.objects.get(pk=development.pk).partner_of_record == third_partner
    assert Subscription.objects.get(pk=production.pk).partner_of_record == other_partner
    completed = AuditEntry.objects.get(action=Action.TRANSFER_COMPLETED)
    assert completed.new_values["moved"] == ["Azure staging"]
    assert sorted(completed.new_values["failed"]) == [
        "Azure development: it is no longer held by the source partner",
        "Azure production: it is cancelled",
    ]
    partners_email, customers_email = mail.outbox
    assert "- Azure production: not moved (error) (it is cancelled)" in partners_email.body
    assert "Azure staging" in customers_email.body
    assert "Azure production" not in customers_email.body


def test_the_detail_page_shows_each_items_error(
    as_sales_agent, other_partner_admin, transfer, production, development
):
    Subscription.objects.filter(pk=production.pk).update(status=SubscriptionStatus.CANCELLED)
    transfer_services.accept_transfer(
        by=other_partner_admin,
        transfer=transfer,
        subscription_ids=[production.pk, development.pk],
    )

    page = text(as_sales_agent.get(url("transfers:detail", transfer)))

    assert "Completed</span>" in page
    assert "Not moved (error)" in page and "it is cancelled" in page
    assert "<td>Moved</td>" in page


# --- 5. The database holds a subscription in one pending transfer ------------------------------


def test_a_subscription_cannot_be_in_two_pending_line_items_until_the_first_is_settled(
    transfer, sales_agent, production
):
    second = TransferRequest.objects.create(
        customer=transfer.customer,
        source_partner=transfer.source_partner,
        target_partner=transfer.target_partner,
        notify_email=CUSTOMER_CONTACT,
        created_by=sales_agent,
        expires_at=TransferRequest.default_expiry(),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        TransferLineItem.objects.create(transfer=second, subscription=production)

    transfer_services.cancel_transfer(by=sales_agent, transfer=transfer)
    item = TransferLineItem.objects.create(transfer=second, subscription=production)
    assert item.status == LineItemStatus.PENDING
    assert TransferLineItem.objects.filter(subscription=production).count() == 2


# --- 6. Two people at once (PostgreSQL row locks) ----------------------------------------------


def _race_world():
    target, source = PartnerFactory(), PartnerFactory()
    customer = make_managed_customer(target, contact_email=CUSTOMER_CONTACT)
    share(customer, source)
    subscriptions = [azure(customer, source, f"Azure {n}") for n in range(3)]
    asker = make_user(target, Role.SALES_AGENT)
    admins = [make_user(source, Role.GLOBAL_ADMIN) for _ in range(2)]
    transfer = ask(asker, customer, source)
    return target, source, subscriptions, asker, admins, transfer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(12, 16)
def test_two_global_admins_accepting_at_once_complete_the_transfer_once(monkeypatch):
    target, _, subscriptions, _, admins, transfer = _race_world()
    ids = [s.pk for s in subscriptions]

    outcomes = race(
        *(
            lambda by=by: transfer_services.accept_transfer(
                by=by, transfer=transfer, subscription_ids=ids
            )
            for by in admins
        ),
        monkeypatch=monkeypatch,
        holding=(access, "can_answer_transfer"),  # the first holds the request's row
    )

    done = [o for o in outcomes if isinstance(o, TransferRequest)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert (len(done), len(refused)) == (1, 1), outcomes
    assert refused[0].message == "It is completed."
    assert TransferRequest.objects.get().status == TransferStatus.COMPLETED
    assert entries(Action.TRANSFER_ACCEPTED) == entries(Action.TRANSFER_COMPLETED) == 1
    assert set(TransferLineItem.objects.values_list("subscription_id", "status")) == {
        (pk, LineItemStatus.MOVED) for pk in ids
    }
    assert all(s.partner_of_record_id == target.pk for s in Subscription.objects.filter(pk__in=ids))
    completed = [m for m in mail.outbox if "completed" in m.subject or "now move" in m.subject]
    assert len(completed) == 2  # the partners' email and the customer's, sent once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(12, 16)
@pytest.mark.parametrize("first", ["accepted", "cancelled"])
def test_an_accept_and_a_cancel_at_once_one_wins_and_the_status_says_which(monkeypatch, first):
    target, source, subscriptions, asker, admins, transfer = _race_world()
    ids = [s.pk for s in subscriptions]
    calls = {
        "accepted": lambda: (
            "accepted",
            transfer_services.accept_transfer(
                by=admins[0], transfer=transfer, subscription_ids=ids
            ),
        ),
        "cancelled": lambda: (
            "cancelled",
            transfer_services.cancel_transfer(by=asker, transfer=transfer),
        ),
    }
    second = "cancelled" if first == "accepted" else "accepted"
    checks = {"accepted": "can_answer_transfer", "cancelled": "can_cancel_transfer"}

    outcomes = race(
        calls[first],
        calls[second],
        monkeypatch=monkeypatch,
        holding=(access, checks[first]),  # the first holds the request's row
    )

    winners = [o[0] for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert (len(winners), len(refused)) == (1, 1), outcomes
    assert winners == [first]  # the one that took the row first wins; the other is told
    final = TransferRequest.objects.get()
    holders = set(
        Subscription.objects.filter(pk__in=ids).values_list("partner_of_record_id", flat=True)
    )
    if winners == ["accepted"]:
        assert final.status == TransferStatus.COMPLETED
        assert refused[0].message == "It is completed."
        assert holders == {target.pk}
        assert entries(Action.TRANSFER_CANCELLED) == 0
        assert entries(Action.TRANSFER_COMPLETED) == 1
    else:
        assert final.status == TransferStatus.CANCELLED
        assert refused[0].message == "It is cancelled."
        assert holders == {source.pk}
        assert entries(Action.TRANSFER_ACCEPTED) == entries(Action.TRANSFER_COMPLETED) == 0
        assert entries(Action.TRANSFER_CANCELLED) == 1


# --- 7. Any sequence of requests, answers, expiries and cancellations --------------------------

LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
STATUS_AFTER = {
    Action.TRANSFER_CREATED: TransferStatus.PENDING,
    Action.TRANSFER_ACCEPTED: TransferStatus.ACCEPTED,
    Action.TRANSFER_COMPLETED: TransferStatus.COMPLETED,
    Action.TRANSFER_DECLINED: TransferStatus.DECLINED,
    Action.TRANSFER_CANCELLED: TransferStatus.CANCELLED,
    Action.TRANSFER_EXPIRED: TransferStatus.EXPIRED,
}


@dataclass
class World:
    """What every example shares: two commercial partners with relationships to one customer."""

    partners: tuple
    admins: dict
    agents: dict
    customer: object


@dataclass
class ExpectedSubscription:
    holder: int
    billing_type: str
    status: str = SubscriptionStatus.ACTIVE


@dataclass
class ExpectedTransfer:
    source: int
    target: int
    items: dict  # subscription pk -> line item status
    status: str = TransferStatus.PENDING
    actions: list = field(default_factory=lambda: [Action.TRANSFER_CREATED])


class TransferMachine(RuleBasedStateMachine):
    """Keeps a model of what should be and checks the database against it after every step.
    Every example runs in its own savepoint, rolled back at teardown."""

    world: World

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.subscriptions: dict[int, ExpectedSubscription] = {}
        self.transfers: dict[int, ExpectedTransfer] = {}
        for holder in w.partners:
            for n in range(3):
                s = azure(w.customer, holder, f"Azure {holder.name} {n}")
                self.subscriptions[s.pk] = ExpectedSubscription(holder.pk, BillingType.USAGE)
            s = seats(w.customer, holder, f"Seats {holder.name}", commerce_type=CommerceType.LEGACY)
            self.subscriptions[s.pk] = ExpectedSubscription(holder.pk, BillingType.LICENSE)
        self.license_holders = {
            pk: s.holder
            for pk, s in self.subscriptions.items()
            if s.billing_type == BillingType.LICENSE
        }

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # The model ---------------------------------------------------------------------------------

    def _in_pending_item(self, pk) -> bool:
        return any(
            t.status == TransferStatus.PENDING and pk in t.items for t in self.transfers.values()
        )

    def _pick(self, data):
        """A transfer: half the time one still pending, so that answers do not all come late."""
        pending = sorted(
            pk for pk, t in self.transfers.items() if t.status == TransferStatus.PENDING
        )
        late = not pending or data.draw(st.booleans(), label="any status")
        pk = data.draw(
            st.sampled_from(sorted(self.transfers) if late else pending), label="transfer"
        )
        return self.transfers[pk], TransferRequest.objects.get(pk=pk)

    def _refused(self, call):
        with pytest.raises(RuleViolation):
            call()

    # The rules ---------------------------------------------------------------------------------

    @rule(target_first=st.booleans())
    def request(self, target_first):
        target, source = self.world.partners if target_first else self.world.partners[::-1]
        eligible = {
            pk
            for pk, s in self.subscriptions.items()
            if s.billing_type == BillingType.USAGE
            and s.status in LIVE
            and s.holder == source.pk
            and not self._in_pending_item(pk)
        }
        call = lambda: ask(self.world.agents[target.pk], self.world.customer, source)  # noqa: E731
        if not eligible:
            self._refused(call)
            return
        transfer = call()
        self.transfers[transfer.pk] = ExpectedTransfer(
            source.pk, target.pk, dict.fromkeys(eligible, LineItemStatus.PENDING)
        )

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def accept(self, data):
        expected, transfer = self._pick(data)
        choices = sorted(expected.items) + sorted(self.license_holders)
        chosen = set(
            data.draw(
                st.one_of(st.just(choices), st.lists(st.sampled_from(choices), unique=True)),
                label="chosen",
            )
        )
        call = lambda: transfer_services.accept_transfer(  # noqa: E731
            by=self.world.admins[expected.source], transfer=transfer, subscription_ids=chosen
        )
        if expected.status != TransferStatus.PENDING or not chosen & set(expected.items):
            self._refused(call)
            return
        call()
        for sub_pk in expected.items:
            subscription = self.subscriptions[sub_pk]
            if sub_pk not in chosen:
                expected.items[sub_pk] = LineItemStatus.NOT_SELECTED
            elif subscription.status in LIVE and subscription.holder == expected.source:
                expected.items[sub_pk] = LineItemStatus.MOVED
                subscription.holder = expected.target
            else:
                expected.items[sub_pk] = LineItemStatus.FAILED
        expected.status = TransferStatus.COMPLETED
        expected.actions += [Action.TRANSFER_ACCEPTED, Action.TRANSFER_COMPLETED]

    def _withdraw(self, expected, status, action):
        expected.status = status
        expected.actions.append(action)
        expected.items = dict.fromkeys(expected.items, LineItemStatus.WITHDRAWN)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def decline(self, data):
        expected, transfer = self._pick(data)
        call = lambda: transfer_services.decline_transfer(  # noqa: E731
            by=self.world.admins[expected.source], transfer=transfer, reason="Not now"
        )
        if expected.status != TransferStatus.PENDING:
            self._refused(call)
            return
        call()
        self._withdraw(expected, TransferStatus.DECLINED, Action.TRANSFER_DECLINED)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def cancel(self, data):
        expected, transfer = self._pick(data)
        call = lambda: transfer_services.cancel_transfer(  # noqa: E731
            by=self.world.agents[expected.target], transfer=transfer
        )
        if expected.status != TransferStatus.PENDING:
            self._refused(call)
            return
        call()
        self._withdraw(expected, TransferStatus.CANCELLED, Action.TRANSFER_CANCELLED)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def expire(self, data):
        expected, transfer = self._pick(data)
        overdue(transfer)
        count = transfer_services.expire_transfers()
        assert count == (1 if expected.status == TransferStatus.PENDING else 0)
        if expected.status == TransferStatus.PENDING:
            self._withdraw(expected, TransferStatus.EXPIRED, Action.TRANSFER_EXPIRED)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def cancel_a_subscription(self, data):
        """The holder cancels one, most often one a pending transfer asks for."""
        live = sorted(pk for pk, s in self.subscriptions.items() if s.status in LIVE)
        asked = [pk for pk in live if self._in_pending_item(pk)]
        if not live or not data.draw(st.booleans(), label="cancel one"):
            return
        pk = data.draw(st.sampled_from(asked or live), label="subscription")
        expected = self.subscriptions[pk]
        subscription_services.cancel(
            by=self.world.admins[expected.holder], subscription=Subscription.objects.get(pk=pk)
        )
        expected.status = SubscriptionStatus.CANCELLED

    # The invariants ----------------------------------------------------------------------------

    @invariant()
    def transfers_are_as_expected_and_only_followed_the_life_cycle(self):
        found = {
            t.pk: t
            for t in TransferRequest.objects.filter(pk__in=list(self.transfers)).prefetch_related(
                "items"
            )
        }
        assert set(found) == set(self.transfers)
        assert AuditEntry.objects.filter(category="transfers").count() == sum(
            len(t.actions) for t in self.transfers.values()
        )  # a refused step wrote nothing
        assert TransferRequest.objects.filter(customer=self.world.customer).count() == len(found)
        for pk, expected in self.transfers.items():
            transfer = found[pk]
            assert transfer.status == expected.status
            assert {i.subscription_id: i.status for i in transfer.items.all()} == expected.items
            actions = trail(transfer)
            assert actions == expected.actions  # exactly one entry per transition
            statuses = [STATUS_AFTER[Action(a)] for a in actions]
            assert statuses[0] == TransferStatus.PENDING
            for before, after in itertools.pairwise(statuses):
                assert after in TRANSITIONS[before], (before, after)
            assert statuses[-1] == transfer.status

    @invariant()
    def every_subscription_has_exactly_the_partner_of_record_expected(self):
        partner_pks = {p.pk for p in self.world.partners}
        rows = Subscription.objects.filter(pk__in=list(self.subscriptions)).values_list(
            "pk", "channel", "partner_of_record_id", "status", "billing_type", "source"
        )
        for pk, channel, holder, status, billing_type, source in rows:
            expected = self.subscriptions[pk]
            assert channel == Channel.CSP
            assert holder is not None and holder in partner_pks
            assert (holder, status) == (expected.holder, expected.status)
            if billing_type == BillingType.LICENSE:  # never moves
                assert holder == self.license_holders[pk]
                assert source == Source.ENTERED

    @invariant()
    def a_subscription_is_in_at_most_one_pending_line_item(self):
        assert not (
            TransferLineItem.objects.filter(status=LineItemStatus.PENDING)
            .values("subscription")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )


@pytest.mark.rule(12)
def test_any_sequence_of_transfer_steps_keeps_every_rule(db, monkeypatch):
    first = PartnerFactory(name="Contoso Cloud Solutions", partner_id="4100123")
    second = PartnerFactory(name="Fabrikam Partners", partner_id="5200456")
    customer = make_managed_customer(first, contact_email=CUSTOMER_CONTACT)
    share(customer, second)
    world = World(
        partners=(first, second),
        admins={p.pk: make_user(p, Role.GLOBAL_ADMIN) for p in (first, second)},
        agents={p.pk: make_user(p, Role.SALES_AGENT) for p in (first, second)},
        customer=customer,
    )
    monkeypatch.setattr(TransferMachine, "world", world, raising=False)

    run_state_machine_as_test(
        TransferMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# --- 8. From the customer page to a subscription managed by us ---------------------------------


@pytest.mark.rule(12)
def test_the_target_asks_the_source_accepts_and_the_target_then_manages_the_subscription(
    as_sales_agent, as_other_partner, northwind, other_partner, production, office
):
    customer_page = text(as_sales_agent.get(url("customers:detail", northwind)))
    assert "Switch to our partner" in customer_page
    link = reverse("transfers:new") + f"?customer={northwind.uuid}&source={other_partner.uuid}"
    assert f'href="{link}"' in customer_page
    form = as_sales_agent.get(link).context["form"]
    data = {
        "customer": str(form.initial["customer"]),
        "source_partner": form.initial["source_partner"],
        "product_types": ["azure"],
        "notify_email": form.initial["notify_email"],
    }
    review = as_sales_agent.post(link, {**data, "review": "1"})
    assert "Azure production" in text(review)
    sent = as_sales_agent.post(link, data, follow=True)
    assert "The request was sent to Fabrikam Partners" in text(sent)
    transfer = TransferRequest.objects.get()

    outgoing = text(as_other_partner.get(reverse("transfers:list") + "?direction=outgoing"))
    assert url("transfers:detail", transfer) in outgoing
    accept_page = as_other_partner.get(url("transfers:accept", transfer))
    chosen = accept_page.context["form"].fields["subscriptions"].initial
    accepted = as_other_partner.post(
        url("transfers:accept", transfer), {"subscriptions": chosen}, follow=True
    )
    assert "The transfer is complete." in text(accepted)

    after = as_sales_agent.get(url("customers:detail", northwind))
    rows = {
        row.subscription_pk: row.step.title
        for _, group in after.context["subscription_groups"]
        for row in group
    }
    assert rows[production.pk] == "Managed by us"
    assert rows[office.pk] != "Managed by us"
    assert "Bought from us" in text(after)
    assert "Ask for a transfer<" not in text(after)


# --- What the service holds on its own, whatever the page in front of it checked -----------------


def set_status(subscription, status) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(status=status)


@pytest.mark.rule(12)
def test_accepting_is_refused_once_the_target_no_longer_manages_the_customer(
    global_admin, sales_agent, other_partner_admin, partner, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    transfer = ask(sales_agent, northwind, other_partner)
    remove_relationship(by=global_admin, customer=northwind)  # while the request waits
    before = everything_a_refusal_keeps()

    with pytest.raises(RuleViolation) as refusal:
        transfer_services.accept_transfer(
            by=other_partner_admin, transfer=transfer, subscription_ids=[production.pk]
        )

    assert refusal.value.message == (
        "Contoso Cloud Solutions no longer manages Northwind Traders, so the subscriptions "
        "cannot move to it. Decline the request."
    )
    assert everything_a_refusal_keeps() == before
    assert Subscription.objects.get(pk=production.pk).partner_of_record == other_partner

    # What the message says to do still can be done.
    transfer_services.decline_transfer(by=other_partner_admin, transfer=transfer)
    assert TransferRequest.objects.get(pk=transfer.pk).status == TransferStatus.DECLINED


@pytest.mark.rule(8, 12)
def test_asking_for_a_transfer_is_refused_when_the_relationship_was_just_removed(
    sales_agent, partner, other_partner, northwind
):
    azure(northwind, other_partner, "Azure production")
    removed_behind_our_back(partner, northwind)
    before = everything_a_refusal_keeps()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "We no longer have an active reseller relationship with Northwind Traders, so we "
        "cannot ask for its subscriptions."
    )
    assert everything_a_refusal_keeps() == before
    assert not TransferRequest.objects.exists()


@pytest.mark.rule(12)
def test_a_request_whose_subscription_was_cancelled_while_it_was_checked_is_refused(
    monkeypatch, sales_agent, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    check = access.can_request_transfer

    def check_then_cancelled_meanwhile(*args, **kwargs):
        answer = check(*args, **kwargs)
        set_status(production, SubscriptionStatus.CANCELLED)  # its holder cancels it now
        return answer

    monkeypatch.setattr(access, "can_request_transfer", check_then_cancelled_meanwhile)
    audit_entries = AuditEntry.objects.count()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "Fabrikam Partners holds no active Azure subscription of Northwind Traders that is not "
        "already in a pending transfer."
    )
    assert not TransferRequest.objects.exists()
    assert not TransferLineItem.objects.exists()
    assert AuditEntry.objects.count() == audit_entries


@pytest.mark.rule(12)
def test_a_suspended_azure_subscription_is_not_asked_for(sales_agent, other_partner, northwind):
    production = azure(northwind, other_partner, "Azure production")
    azure(northwind, other_partner, "Azure staging", status=SubscriptionStatus.SUSPENDED)

    assert list(access.eligible_for_transfer(northwind, other_partner.pk)) == [production]
    transfer = ask(sales_agent, northwind, other_partner)

    assert list(transfer.items.values_list("subscription_id", flat=True)) == [production.pk]


@pytest.mark.rule(12)
def test_a_source_holding_only_a_suspended_azure_subscription_has_nothing_to_transfer(
    sales_agent, other_partner, northwind
):
    azure(northwind, other_partner, "Azure staging", status=SubscriptionStatus.SUSPENDED)
    before = everything_a_refusal_keeps()

    with pytest.raises(RuleViolation) as refusal:
        ask(sales_agent, northwind, other_partner)

    assert refusal.value.message == (
        "Fabrikam Partners holds no active Azure subscription of Northwind Traders that is not "
        "already in a pending transfer."
    )
    assert everything_a_refusal_keeps() == before


@pytest.mark.rule(12)
def test_an_item_suspended_before_the_answer_fails_saying_it_is_suspended(
    sales_agent, other_partner_admin, partner, other_partner, northwind
):
    production = azure(northwind, other_partner, "Azure production")
    staging = azure(northwind, other_partner, "Azure staging")
    transfer = ask(sales_agent, northwind, other_partner)
    set_status(staging, SubscriptionStatus.SUSPENDED)

    transfer_services.accept_transfer(
        by=other_partner_admin, transfer=transfer, subscription_ids=[production.pk, staging.pk]
    )

    items = {
        i.subscription_id: (i.status, i.error)
        for i in TransferLineItem.objects.filter(transfer=transfer)
    }
    assert items == {
        production.pk: (LineItemStatus.MOVED, ""),
        staging.pk: (LineItemStatus.FAILED, "it is suspended"),
    }
    assert Subscription.objects.get(pk=staging.pk).partner_of_record == other_partner
    assert Subscription.objects.get(pk=production.pk).partner_of_record == partner


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(8, 12, 16)
def test_removing_the_relationship_while_a_transfer_to_us_is_accepted_one_wins(monkeypatch):
    target, source = PartnerFactory(), PartnerFactory()
    target_admin, asker = make_user(target, Role.GLOBAL_ADMIN), make_user(target, Role.SALES_AGENT)
    source_admin = make_user(source, Role.GLOBAL_ADMIN)
    customer = make_managed_customer(target)
    share(customer, source)
    production = azure(customer, source, "Azure production")
    transfer = ask(asker, customer, source)

    def accept():
        return transfer_services.accept_transfer(
            by=source_admin, transfer=transfer, subscription_ids=[production.pk]
        )

    outcomes = race(
        lambda: remove_relationship(by=target_admin, customer=customer),
        accept,
        monkeypatch=monkeypatch,
        holding=REMOVAL_CHECKED,
    )

    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(refused) == 1, outcomes
    assert rule_8_holds(target, customer)


def test_choosing_a_customer_fills_in_its_primary_contact(
    as_sales_agent, northwind, other_partner, production
):
    page = text(as_sales_agent.get(reverse("transfers:new")))
    assert 'data-contact-for="id_notify_email"' in page
    assert f'value="{northwind.uuid}" data-contact-email="{northwind.contact_email}"' in page

    preview = as_sales_agent.post(
        reverse("transfers:new"),
        {**form_data(northwind, other_partner, notify_email=None), "review": "1"},
    )
    assert preview.context["form"]["notify_email"].value() == northwind.contact_email
    typed = as_sales_agent.post(
        reverse("transfers:new"),
        {**form_data(northwind, other_partner, notify_email="it@example.com"), "review": "1"},
    )
    assert typed.context["form"]["notify_email"].value() == "it@example.com"
