"""The demo transfer requests between the two commercial partners: every state, asked for by
their Sales agents and answered by their Global admins through the services, one for each
partner's Global admins to answer, loaded once however often the seed runs, and nothing for
the US Government partner."""

import uuid
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from multichannel import access
from multichannel.management.demo.customers import AZURE_PLAN
from multichannel.management.demo.requests import OVERDUE
from multichannel.management.demo.transfers import DEMO_TRANSFERS
from multichannel.models import (
    Action,
    AuditEntry,
    BillingType,
    Channel,
    LineItemStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    TransferGroupObjectPermission,
    TransferLineItem,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.transfers import TRANSFER_LIFETIME

CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"
DOMAINS = {
    CONTOSO: "contoso-partner.example",
    FABRIKAM: "fabrikam-partner.example",
    TAILSPIN: "tailspin-gov.example",
}
OTHER = {CONTOSO: FABRIKAM, FABRIKAM: CONTOSO}
# Accepting a transfer completes it in the same step: "accepted" is never where one stays.
FINAL_STATUSES = set(TransferStatus.values) - {TransferStatus.ACCEPTED}
SUMMARIES = (
    "Contoso Cloud Solutions transfers: incoming 1 pending, 1 completed, 1 declined, 1 expired; "
    "outgoing 1 pending, 1 completed, 1 cancelled, 1 expired",
    "Fabrikam Partners transfers: incoming 1 pending, 1 completed, 1 cancelled, 1 expired; "
    "outgoing 1 pending, 1 completed, 1 declined, 1 expired",
    "Tailspin Government Services transfers: incoming none; outgoing none",
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return seed()


def user(local: str, partner_id: str) -> User:
    return User.objects.get(email=f"{local}@{DOMAINS[partner_id]}")


def transfers():
    return TransferRequest.objects.with_effective_status().select_related(
        "customer", "source_partner", "target_partner", "created_by", "answered_by"
    )


def effective_counts(**where) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in transfers().filter(**where).values_list("effective_status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def item_statuses(transfer: TransferRequest) -> list[str]:
    return sorted(transfer.items.values_list("status", flat=True))


def state() -> dict:
    return {
        "transfers": list(
            TransferRequest.objects.order_by("pk").values_list(
                "uuid",
                "customer_id",
                "source_partner_id",
                "target_partner_id",
                "status",
                "created_at",
                "expires_at",
                "answered_by_id",
                "answered_at",
                "decline_reason",
                "cancelled_by_id",
                "cancelled_at",
                "completed_at",
            )
        ),
        "items": list(
            TransferLineItem.objects.order_by("pk").values_list(
                "transfer_id", "subscription_id", "status", "error"
            )
        ),
        "subscriptions": list(
            Subscription.objects.order_by("pk").values_list(
                "pk", "status", "partner_of_record_id", "source", "cancelled_at"
            )
        ),
        "permissions": TransferGroupObjectPermission.objects.count(),
        "activity": AuditEntry.objects.count(),
    }


def test_every_status_occurs_between_the_two_commercial_partners(seeded):
    everything = transfers()
    assert everything.count() == len(DEMO_TRANSFERS)
    assert set(everything.values_list("effective_status", flat=True)) == FINAL_STATUSES
    # The expiry command marked one; the other is past its 30 days and still waits for it.
    assert set(everything.values_list("status", flat=True)) == FINAL_STATUSES
    overdue = everything.filter(status=TransferStatus.PENDING, effective_status="expired")
    assert overdue.count() == 1
    assert overdue.get().current_status() == TransferStatus.EXPIRED
    assert overdue.get().target_partner.partner_id == FABRIKAM
    assert not everything.filter(status=TransferStatus.ACCEPTED).exists()
    # Both completed ones were accepted first, as the activity log shows.
    accepted = AuditEntry.objects.filter(action=Action.TRANSFER_ACCEPTED)
    assert accepted.count() == everything.filter(status=TransferStatus.COMPLETED).count() == 2

    assert effective_counts(target_partner__partner_id=CONTOSO) == {
        "pending": 1,
        "completed": 1,
        "declined": 1,
        "expired": 1,
    }
    assert effective_counts(target_partner__partner_id=FABRIKAM) == {
        "pending": 1,
        "completed": 1,
        "cancelled": 1,
        "expired": 1,
    }
    for transfer in everything:
        assert {transfer.source_partner.partner_id, transfer.target_partner.partner_id} == {
            CONTOSO,
            FABRIKAM,
        }
        # A shared customer: the target has an active relationship with it, as asking needs.
        assert access.manages_customer(transfer.created_by, transfer.customer)
        assert access.manages_customer(
            user("admin", transfer.source_partner.partner_id), transfer.customer
        )
    # One customer per transfer, and none of the other demo stories' customers.
    customers = [t.customer_id for t in everything]
    assert len(set(customers)) == len(customers)


def test_the_plan_is_followed(seeded):
    planned = sorted(
        (spec.target, OVERDUE if spec.outcome == OVERDUE else str(spec.outcome))
        for spec in DEMO_TRANSFERS
    )
    made = sorted(
        (
            t.target_partner.partner_id,
            OVERDUE if t.effective_status != t.status else t.effective_status,
        )
        for t in transfers()
    )
    assert made == planned


def test_who_asked_and_who_answered(seeded):
    now = timezone.now()
    for transfer in transfers():
        target, source = transfer.target_partner.partner_id, transfer.source_partner.partner_id
        assert transfer.created_by == user("sales", target)
        assert transfer.notify_email == transfer.customer.contact_email
        assert transfer.created_at < now
        assert transfer.expires_at == transfer.created_at + TRANSFER_LIFETIME
        if transfer.status in (TransferStatus.COMPLETED, TransferStatus.DECLINED):
            assert transfer.answered_by == user("admin", source)
            assert transfer.created_at < transfer.answered_at < now
        else:
            assert transfer.answered_by is None and transfer.answered_at is None
        if transfer.status == TransferStatus.COMPLETED:
            assert transfer.completed_at == transfer.answered_at
        if transfer.status == TransferStatus.CANCELLED:
            assert transfer.cancelled_by == user("sales", target)
            assert transfer.created_at < transfer.cancelled_at < now
        else:
            assert transfer.cancelled_by is None
        if transfer.effective_status == TransferStatus.PENDING:
            assert transfer.expires_at > now

    declined = transfers().get(status=TransferStatus.DECLINED)
    assert declined.decline_reason
    assert item_statuses(declined) == [LineItemStatus.WITHDRAWN] * declined.items.count()

    entries = AuditEntry.objects.filter(target_type="transferrequest")
    assert entries.filter(action=Action.TRANSFER_CREATED).count() == len(DEMO_TRANSFERS)
    assert entries.filter(action=Action.TRANSFER_COMPLETED).count() == 2
    assert entries.filter(action=Action.TRANSFER_DECLINED).count() == 1
    assert entries.filter(action=Action.TRANSFER_CANCELLED).count() == 1
    expired = entries.filter(action=Action.TRANSFER_EXPIRED)
    assert list(expired.values_list("actor_label", flat=True)) == ["Scheduled expiry"]


def test_line_items_were_withdrawn_unless_still_pending(seeded):
    for transfer in transfers():
        statuses = item_statuses(transfer)
        assert statuses, transfer
        if transfer.status == TransferStatus.PENDING:  # including the overdue one
            assert set(statuses) == {LineItemStatus.PENDING}
        elif transfer.status != TransferStatus.COMPLETED:
            assert set(statuses) == {LineItemStatus.WITHDRAWN}
        for item in transfer.items.select_related("subscription"):
            subscription = item.subscription
            assert subscription.customer_id == transfer.customer_id
            assert subscription.billing_type == BillingType.USAGE
            assert subscription.channel == Channel.CSP


def test_completed_transfers_moved_their_subscriptions_and_one_line_item_failed(seeded):
    completed = list(transfers().filter(status=TransferStatus.COMPLETED))
    assert len(completed) == 2
    everything_moved = [t for t in completed if set(item_statuses(t)) == {LineItemStatus.MOVED}]
    assert len(everything_moved) == 1

    partly = next(t for t in completed if t not in everything_moved)
    assert set(item_statuses(partly)) == {
        LineItemStatus.MOVED,
        LineItemStatus.FAILED,
        LineItemStatus.NOT_SELECTED,
    }
    failed = partly.items.select_related("subscription").get(status=LineItemStatus.FAILED)
    assert failed.error == "it is cancelled"
    # The source cancelled it between the request and its answer, through the service.
    assert failed.subscription.status == SubscriptionStatus.CANCELLED
    assert partly.created_at < failed.subscription.cancelled_at < partly.answered_at
    assert failed.subscription.partner_of_record_id == partly.source_partner_id
    assert AuditEntry.objects.filter(
        action=Action.SUBSCRIPTION_CANCELLED,
        target_id=str(failed.subscription.uuid),
        actor__email=f"sales@{DOMAINS[partly.source_partner.partner_id]}",
    ).exists()
    kept = partly.items.select_related("subscription").get(status=LineItemStatus.NOT_SELECTED)
    assert kept.subscription.is_live
    assert kept.subscription.partner_of_record_id == partly.source_partner_id

    for transfer in completed:
        for item in transfer.items.filter(status=LineItemStatus.MOVED).select_related(
            "subscription"
        ):
            subscription = item.subscription
            assert subscription.partner_of_record_id == transfer.target_partner_id
            assert subscription.source == Source.TRANSFERRED
            assert subscription.is_live
            # The target now manages it; the source no longer does.
            assert access.can_manage_subscription(
                user("sales", transfer.target_partner.partner_id), subscription
            )
            assert not access.can_manage_subscription(
                user("sales", transfer.source_partner.partner_id), subscription
            )
    moved = Subscription.objects.filter(source=Source.TRANSFERRED)
    assert moved.count() == TransferLineItem.objects.filter(status=LineItemStatus.MOVED).count()


def test_each_commercial_global_admin_has_one_transfer_to_answer(seeded):
    for partner_id in (CONTOSO, FABRIKAM):
        admin = user("admin", partner_id)
        visible = access.transfers_for(admin).with_effective_status()
        to_answer = visible.filter(
            source_partner=admin.partner, effective_status=TransferStatus.PENDING
        )
        assert to_answer.count() == 1, partner_id
        transfer = to_answer.get()
        assert transfer.target_partner.partner_id == OTHER[partner_id]
        assert access.can_answer_transfer(admin, transfer)
        # Only the source's Global admins answer; the asker may only cancel it.
        assert not access.can_answer_transfer(user("sales", partner_id), transfer)
        asker = user("sales", OTHER[partner_id])
        assert not access.can_answer_transfer(asker, transfer)
        assert access.can_cancel_transfer(asker, transfer)
        # Asked of us and waiting: one; asked by us and waiting: one (the overdue one no longer).
        client = Client()
        client.force_login(admin)
        page = client.get("/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "<strong>1</strong> asked of us, waiting for our answer" in text
        assert "<strong>1</strong> we asked for, waiting for the other partner" in text
        listed = client.get("/transfers/", {"direction": "outgoing", "status": "pending"})
        assert listed.status_code == 200
        assert transfer.customer.company_name in listed.content.decode()
        detail = client.get(f"/transfers/{transfer.uuid}/")
        assert detail.status_code == 200
        assert f"/transfers/{transfer.uuid}/accept/" in detail.content.decode()


def test_the_failed_line_item_shows_its_error_to_both_partners(seeded):
    partly = transfers().get(status=TransferStatus.COMPLETED, items__status=LineItemStatus.FAILED)
    for partner_id in (CONTOSO, FABRIKAM):
        client = Client()
        client.force_login(user("sales", partner_id))
        page = client.get(f"/transfers/{partly.uuid}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "it is cancelled" in text
        assert "Not moved (error)" in text


def test_both_commercial_partners_see_every_transfer_and_tailspin_none(seeded):
    everything = set(TransferRequest.objects.all())
    for partner_id in (CONTOSO, FABRIKAM):
        for local in ("admin", "sales"):
            assert set(access.transfers_for(user(local, partner_id))) == everything
    for local in ("admin", "sales"):
        tailspin = user(local, TAILSPIN)
        assert not access.transfers_for(tailspin).exists()
        client = Client()
        client.force_login(tailspin)
        for direction in ("incoming", "outgoing"):
            page = client.get("/transfers/", {"direction": direction})
            assert page.status_code == 200
            assert not any(t.customer.company_name in page.content.decode() for t in everything)
        transfer = next(iter(everything))
        assert client.get(f"/transfers/{transfer.uuid}/").status_code == 404
    admin_page = Client()
    admin_page.force_login(user("admin", TAILSPIN))
    assert "<strong>0</strong> asked of us" in admin_page.get("/").content.decode()


def test_the_azure_plans_the_seed_added_keep_their_customers_ordinary(seeded):
    """Where the source held too little Azure, the seed added Azure plans it created; a demo
    customer still has 1 to 8 subscriptions."""
    in_transfers = Subscription.objects.filter(transfer_items__isnull=False).distinct()
    added = [
        s
        for s in in_transfers.select_related("customer")
        if s.external_id
        in {
            uuid.uuid5(uuid.NAMESPACE_DNS, f"azure-transfer-{n}.{s.customer.primary_domain}")
            for n in (1, 2, 3)
        }
    ]
    assert added
    for subscription in in_transfers:
        subscription.clean()
    for subscription in added:
        assert subscription.offer_name.startswith(f"{AZURE_PLAN.name} — ")
        assert subscription.offer_id == AZURE_PLAN.offer_id
        assert subscription.friendly_name  # each told apart in a transfer's preview
        assert subscription.source in (Source.CREATED, Source.TRANSFERRED)
    for transfer in transfers():
        assert 1 <= transfer.customer.subscriptions.count() <= 8


def test_running_twice_changes_nothing_and_no_email_is_sent(
    seeded, django_capture_on_commit_callbacks
):
    for summary in SUMMARIES:
        assert summary in seeded
    assert "Demo data skipped" not in seeded
    assert mail.outbox == []
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        again = seed()
    assert state() == before
    for summary in SUMMARIES:
        assert summary in again
    assert mail.outbox == []
