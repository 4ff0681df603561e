"""The demo relationship requests: every status, made through the services as the demo users,
loaded once however often the seed runs, and a printed invitation link that works."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from multichannel import access
from multichannel.management.demo.requests import DEMO_REQUESTS, OVERDUE
from multichannel.models import (
    Action,
    AuditEntry,
    Channel,
    Cloud,
    Customer,
    CustomerGroupObjectPermission,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    Subscription,
    User,
)
from multichannel.models.requests import DELEGATED_ADMIN_ROLES

CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"
LINK = re.compile(
    r"Demo invitation link \(Contoso Cloud Solutions → Litware Inc\).*\n"
    r"\s*(http://127\.0\.0\.1:8000/invitations/[0-9a-f]{64}/)$",
    re.MULTILINE,
)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return seed()


def requests_of(partner_id: str):
    return RelationshipRequest.objects.filter(partner__partner_id=partner_id)


def effective_counts(partner_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in (
        requests_of(partner_id).with_effective_status().values_list("effective_status", flat=True)
    ):
        counts[status] = counts.get(status, 0) + 1
    return counts


def sales_agent(domain: str) -> User:
    return User.objects.get(email=f"sales@{domain}")


def link_in(out: str) -> str:
    found = LINK.findall(out)
    assert len(found) == 1, out
    return found[0]


def state() -> dict:
    requests = list(
        RelationshipRequest.objects.order_by("pk").values_list(
            "uuid",
            "partner_id",
            "customer_id",
            "status",
            "created_at",
            "expires_at",
            "token_hash",
            "send_count",
            "last_sent_at",
            "responded_at",
            "delegated_admin_roles",
            "delegated_admin_days",
        )
    )
    relationships = list(
        Relationship.objects.order_by("pk").values_list(
            "partner_id", "customer_id", "status", "delegated_admin_roles", "accepted_at"
        )
    )
    counts = {
        model.__name__: model.objects.count()
        for model in (Customer, Subscription, CustomerGroupObjectPermission, AuditEntry, User)
    }
    return {"requests": requests, "relationships": relationships, "counts": counts}


def test_every_status_occurs_and_each_partner_has_its_requests(seeded):
    everything = RelationshipRequest.objects.with_effective_status()
    assert set(everything.values_list("effective_status", flat=True)) == set(RequestStatus.values)
    # The expiry command marked one; the other is past its 90 days and still waits for it.
    assert set(everything.values_list("status", flat=True)) == set(RequestStatus.values)
    overdue = everything.filter(status=RequestStatus.PENDING, effective_status="expired")
    assert overdue.count() == 1
    assert overdue.get().current_status() == RequestStatus.EXPIRED

    assert effective_counts(CONTOSO) == {
        "pending": 6,
        "accepted": 3,
        "declined": 1,
        "expired": 2,
        "revoked": 2,
    }
    assert effective_counts(FABRIKAM) == {"pending": 2, "accepted": 1}
    assert effective_counts(TAILSPIN) == {"pending": 1}


def test_requests_ask_for_what_the_plan_says(seeded):
    for partner_id, plan in DEMO_REQUESTS.items():
        for spec in plan:
            if not spec.domain:
                continue
            relationship_request = requests_of(partner_id).get(domain=spec.domain)
            # The service drops unknown roles silently: every planned role must survive.
            assert relationship_request.delegated_admin_roles == list(spec.roles), spec.domain
            assert set(spec.roles) <= set(DELEGATED_ADMIN_ROLES)
            assert relationship_request.delegated_admin_days == spec.days
            assert relationship_request.send_count == spec.sent
            status = RequestStatus.EXPIRED if spec.outcome == OVERDUE else spec.outcome
            assert relationship_request.current_status() == status, spec.domain
            assert relationship_request.contact_email.endswith("@" + spec.domain)
    contoso_pending = requests_of(CONTOSO).open()
    assert contoso_pending.exclude(delegated_admin_roles=[]).exists()
    assert contoso_pending.filter(delegated_admin_roles=[]).exists()


def test_no_new_tenant_clashes_with_a_demo_customer(seeded):
    created_by_requests = Customer.objects.filter(
        relationship_requests__isnull=False, subscriptions__isnull=True
    ).distinct()
    domains = [spec.domain for plan in DEMO_REQUESTS.values() for spec in plan if spec.domain]
    assert set(created_by_requests.values_list("primary_domain", flat=True)) == set(domains)
    assert all(domain.endswith(".onmicrosoft.com") for domain in domains)


def test_the_activity_log_tells_who_did_what_and_no_email_was_sent(seeded):
    assert mail.outbox == []
    entries = AuditEntry.objects.filter(target_type="relationshiprequest")
    assert (
        entries.filter(action=Action.REQUEST_CREATED).count() == RelationshipRequest.objects.count()
    )
    creators = set(
        entries.filter(action=Action.REQUEST_CREATED).values_list("actor__email", flat=True)
    )
    assert {
        "sales@contoso-partner.example",
        "sales@fabrikam-partner.example",
        "admin@tailspin-gov.example",
    } <= creators
    assert (
        entries.filter(action=Action.REQUEST_ACCEPTED, actor_label__endswith="(customer)").count()
        == 4
    )
    assert entries.filter(action=Action.REQUEST_DECLINED).count() == 1
    assert entries.filter(action=Action.REQUEST_REVOKED, actor__isnull=False).count() == 2
    assert entries.filter(action=Action.REQUEST_EXPIRED).count() == 1
    assert not entries.filter(action=Action.REQUEST_SENT).exists()


def test_running_twice_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        again = seed()
    assert state() == before
    assert link_in(again) == link_in(seeded)
    assert mail.outbox == []
    assert "Contoso Cloud Solutions relationship requests: 6 pending, 3 accepted" in again


def test_the_printed_link_opens_the_invitation_page(seeded):
    url = urlsplit(link_in(seeded))
    assert (url.scheme, url.netloc) == ("http", "127.0.0.1:8000")
    client = Client()
    landing = client.get(url.path)
    assert landing.status_code == 302
    page = client.get(landing["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Contoso Cloud Solutions asks to be your reseller" in text
    assert "Litware Inc" in text
    assert "Delegated admin roles" in text
    relationship_request = requests_of(CONTOSO).get(domain="litwareinc.onmicrosoft.com")
    assert relationship_request.current_status() == RequestStatus.PENDING
    assert relationship_request.delegated_admin_roles and relationship_request.delegated_admin_days


def test_the_accepted_fabrikam_customer_is_now_visible_to_contoso(seeded):
    contoso_sales = sales_agent("contoso-partner.example")
    fabrikam_sales = sales_agent("fabrikam-partner.example")
    shared = [
        relationship_request.customer
        for relationship_request in requests_of(CONTOSO)
        .filter(status=RequestStatus.ACCEPTED)
        .select_related("customer")
        if relationship_request.customer.relationships.filter(
            partner__partner_id=FABRIKAM, status=RelationshipStatus.ACTIVE
        ).exists()
    ]
    assert len(shared) == 1
    customer = shared[0]
    assert customer.relationships.filter(status=RelationshipStatus.ACTIVE).count() == 2
    assert access.customers_for(contoso_sales).filter(pk=customer.pk).exists()
    assert access.managed_customers_for(contoso_sales).filter(pk=customer.pk).exists()
    assert access.customers_for(fabrikam_sales).filter(pk=customer.pk).exists()
    # Contoso now sees what the customer bought elsewhere, and holds none of it.
    theirs = Subscription.objects.filter(customer=customer)
    assert theirs.exclude(channel=Channel.CSP).exists()
    assert set(theirs) <= set(access.subscriptions_for(contoso_sales))
    assert not theirs.filter(partner_of_record=contoso_sales.partner).exists()


def test_contoso_sees_only_the_tenants_whose_invitation_it_may_still_show(seeded):
    contoso_sales = sales_agent("contoso-partner.example")
    visible = access.customers_for(contoso_sales)
    for domain, seen in (
        ("litwareinc.onmicrosoft.com", True),  # pending: the profile it typed in
        ("relecloud.onmicrosoft.com", True),  # accepted: a customer now
        ("wingtiptoys.onmicrosoft.com", False),  # declined
        ("tailwindtraders.onmicrosoft.com", False),  # revoked
        ("fourthcoffee.onmicrosoft.com", False),  # expired by the expiry command
    ):
        assert visible.filter(primary_domain=domain).exists() == seen, domain


def test_tailspins_request_asks_for_delegated_admin_roles(seeded):
    relationship_request = requests_of(TAILSPIN).get()
    assert relationship_request.current_status() == RequestStatus.PENDING
    assert relationship_request.delegated_admin_roles
    assert 1 <= relationship_request.delegated_admin_days <= 730
    assert relationship_request.customer.cloud == Cloud.US_GOVERNMENT
    assert relationship_request.created_by.email == "admin@tailspin-gov.example"
