"""Two people acting on the same things at the same moment, on PostgreSQL's row locks.

Each of them gets an answer (it is done, or a RuleViolation saying why not), never a server
error such as "deadlock detected" or an AttributeError, and what both did is right afterwards.
The locks the services take must not wait on the lock PostgreSQL takes on a row another
transaction refers to (every activity-log entry refers to the partner, the actor and the
customer), and what they read must be the row as the other person left it, not as it was
before they waited for it.

Each race stops one side while it holds its locks; the other starts only then and must queue
behind it (tests/races.py)."""

import uuid
from datetime import date

import pytest

from multichannel import access
from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    CommerceType,
    LineItemStatus,
    Relationship,
    RelationshipStatus,
    RequestStatus,
    Subscription,
    SubscriptionStatus,
    SupportRequest,
    TransferRequest,
)
from multichannel.roles import Role
from multichannel.services import relationships as relationship_services
from multichannel.services import subscriptions as subscription_services
from multichannel.services import support as support_services
from multichannel.services import transfers as transfer_services
from multichannel.services import users as user_services
from multichannel.services.customers import enter_subscription
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from tests.factories import SubscriptionFactory, make_managed_customer, make_user
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def answered(outcomes):
    """Each call was done or refused with a reason: no other exception reached the user."""
    errors = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, RuleViolation)]
    assert not errors, outcomes


def file_request(by, customer):
    return support_services.file_request(
        by=by,
        customer=customer,
        subscription=None,
        topic="technical",
        severity="C",
        title="Users cannot sign in",
        description="Since this morning.",
        contact_name="Nancy Davolio",
        contact_email="nancy@northwind.example",
    )


def shared_azure(target, source):
    """A customer both partners manage, with two Azure subscriptions the source holds."""
    customer = make_managed_customer(target, contact_email="nancy@northwind.example")
    Relationship.objects.create(partner=source, customer=customer, status=RelationshipStatus.ACTIVE)
    refresh_customer_access(customer, source)
    production, _development = (
        SubscriptionFactory(customer=customer, usage=True, held_by=source, offer_name=name)
        for name in ("Azure production", "Azure development")
    )
    return customer, production


def ask(by, customer, source):
    return transfer_services.request_transfer(
        by=by, customer=customer, source_partner=source, notify_email="it@northwind.example"
    )


# --- Locks on a row others refer to: no deadlock -----------------------------------------------


@pytest.mark.rule(16)
def test_entering_a_subscription_while_a_colleague_files_a_support_request(
    monkeypatch, partner, global_admin, sales_agent
):
    customer = make_managed_customer(partner)

    entered, filed = race(
        lambda: enter_subscription(
            by=global_admin,
            customer=customer,
            offer_name="Microsoft 365 E3",
            offer_id="CFQ7TTC0LFLX",
            billing_type=BillingType.LICENSE,
            channel=Channel.DIRECT,
            external_id=uuid.uuid4(),
            quantity=5,
            term="annual",
            term_start=date(2026, 3, 1),
            term_end=date(2027, 2, 28),
            status=SubscriptionStatus.ACTIVE,
            commerce_type=CommerceType.NEW_COMMERCE,
        ),
        lambda: file_request(sales_agent, customer),
        monkeypatch=monkeypatch,
        holding=(access, "can_enter_subscription"),  # the customer's row is locked
    )

    assert isinstance(entered, Subscription), entered
    assert isinstance(filed, SupportRequest), filed
    assert list(customer.subscriptions.values_list("offer_name", flat=True)) == ["Microsoft 365 E3"]
    assert list(SupportRequest.objects.values_list("number", flat=True)) == [1001]


@pytest.mark.rule(16)
def test_a_user_sets_their_password_while_an_admin_resets_it(
    monkeypatch, global_admin, sales_agent
):
    changed, reset = race(
        lambda: user_services.change_own_password(user=sales_agent, new_password="N3w-pass-word-1"),
        lambda: user_services.reset_password(
            by=global_admin,
            user=sales_agent,
            delivery=user_services.AccessDelivery.TEMPORARY_PASSWORD,
        ),
        monkeypatch=monkeypatch,
        # The user's change has written its row and is about to write its activity-log entry.
        holding=(sales_agent, "save"),
    )

    assert changed is None
    assert isinstance(reset, user_services.AccessGiven), reset
    sales_agent.refresh_from_db()  # the reset came last: its temporary password is the one
    assert sales_agent.check_password(reset.temporary_password)
    assert not sales_agent.check_password("N3w-pass-word-1")
    assert sales_agent.must_change_password


@pytest.mark.parametrize("action", ["suspend", "cancel"])
@pytest.mark.rule(12, 16)
def test_asking_for_a_transfer_while_the_source_changes_a_subscription(
    monkeypatch, action, partner, other_partner, sales_agent
):
    customer, production = shared_azure(partner, other_partner)
    source_agent = make_user(other_partner, Role.SALES_AGENT)
    change = getattr(subscription_services, action)

    changed, asked = race(
        lambda: change(by=source_agent, subscription=production),
        lambda: ask(sales_agent, customer, other_partner),
        monkeypatch=monkeypatch,
        holding=(access, f"can_{action}"),  # the subscription's row is locked
    )

    answered([changed, asked])
    production.refresh_from_db()
    assert production.status != SubscriptionStatus.ACTIVE  # suspended or cancelled: done
    assert isinstance(asked, TransferRequest), asked
    assert list(asked.items.values_list("subscription__offer_name", flat=True)) == [
        "Azure development"  # the one still active; not the one changed meanwhile
    ]


@pytest.mark.rule(6, 8, 16)
def test_the_customer_accepts_an_invitation_while_the_relationship_is_removed(
    monkeypatch, partner, global_admin, sales_agent
):
    customer = make_managed_customer(partner, primary_domain="northwind.onmicrosoft.com")
    relationship_request = relationship_services.request_relationship(
        by=sales_agent,
        company_name="Northwind",
        domain="northwind.onmicrosoft.com",
        contact_email="admin@northwind.onmicrosoft.com",
        delegated_admin_roles=["Global reader"],
        delegated_admin_days=30,
        email_text="Hello",
    )
    answer = relationship_services.Answer("Nancy Davolio", "nancy@northwind.onmicrosoft.com")

    outcomes = race(
        lambda: relationship_services.accept_request(
            token=relationship_request.token(), answer=answer
        ),
        lambda: relationship_services.remove_relationship(by=global_admin, customer=customer),
        monkeypatch=monkeypatch,
        holding=(relationship_services, "check_answer"),  # the relationship request is locked
    )

    answered(outcomes)
    relationship_request.refresh_from_db()
    active = Relationship.objects.filter(customer=customer, status=RelationshipStatus.ACTIVE)
    assert relationship_request.status == RequestStatus.ACCEPTED  # the customer's answer stands
    assert active.count() == 1
    assert active.get().delegated_admin_roles == ["Global reader"]
    assert access.customers_for(sales_agent).filter(pk=customer.pk).exists()


# --- Rows read with the locked one: as they are once the lock is ours --------------------------


@pytest.mark.rule(16)
def test_two_assignments_at_once_the_first_assignee_loses_access(
    monkeypatch, partner, global_admin, second_global_admin, sales_agent
):
    filed = file_request(sales_agent, make_managed_customer(partner))
    first, second = (make_user(partner, Role.SALES_AGENT, full_name=n) for n in ("Xia", "Yuri"))

    outcomes = race(
        lambda: support_services.assign(by=global_admin, support=filed, assignee=first),
        lambda: support_services.assign(by=second_global_admin, support=filed, assignee=second),
        monkeypatch=monkeypatch,
        holding=(support_services, "_tell"),  # the first holds the request's row
    )

    answered(outcomes)
    assert SupportRequest.objects.get(pk=filed.pk).assigned_to == second
    assert not access.support_for(first).filter(pk=filed.pk).exists()
    assert access.support_for(second).filter(pk=filed.pk).exists()
    assignments = AuditEntry.objects.filter(action=Action.SUPPORT_ASSIGNED).order_by("pk")
    assert [(e.old_values, e.new_values) for e in assignments] == [
        ({"assignee": "nobody"}, {"assignee": "Xia"}),
        ({"assignee": "Xia"}, {"assignee": "Yuri"}),
    ]


@pytest.mark.parametrize("action", ["cancel", "suspend"])
@pytest.mark.rule(12, 16)
def test_changing_a_subscription_while_its_transfer_completes(
    monkeypatch, action, partner, other_partner, other_partner_admin, sales_agent
):
    customer, production = shared_azure(partner, other_partner)
    source_agent = make_user(other_partner, Role.SALES_AGENT)
    transfer = ask(sales_agent, customer, other_partner)
    change = getattr(subscription_services, action)

    accepted, changed = race(
        lambda: transfer_services.accept_transfer(
            by=other_partner_admin, transfer=transfer, subscription_ids=[production.pk]
        ),
        lambda: change(by=source_agent, subscription=production),
        monkeypatch=monkeypatch,
        holding=(transfer_services, "_complete"),  # the subscription's row is locked
    )

    answered([accepted, changed])
    assert isinstance(accepted, TransferRequest), accepted
    production.refresh_from_db()
    if isinstance(changed, RuleViolation):  # it moved first: no longer the source's to change
        assert production.partner_of_record == partner
        assert production.status == SubscriptionStatus.ACTIVE
        assert partner.name in str(changed)
    else:  # changed first: it stays with the source, and its line item says why
        assert production.partner_of_record == other_partner
        assert production.status != SubscriptionStatus.ACTIVE
        assert accepted.items.get(subscription=production).status == LineItemStatus.FAILED
