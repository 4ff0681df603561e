"""Personas and helpers shared by every test.

Personas: a Global admin, a User management admin and a Sales agent of one partner; a Global
admin of another partner; and nobody signed in.
"""

import uuid
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import Client

from multichannel.models import (
    BillingType,
    Channel,
    Subscription,
    Term,
)
from multichannel.roles import Role
from multichannel.services.customers import create_customer
from multichannel.services.moves import plan_move
from multichannel.services.onboarding import start_onboarding
from multichannel.services.relationships import request_relationship
from multichannel.services.support import file_request
from multichannel.services.transfers import request_transfer
from tests.factories import (
    PartnerFactory,
    azure_plan,
    make_user,
    share_customer,
    signed_in,
    verify_session,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is what the portal uses (tests/test_settings.py checks); tests need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_passes_both_steps(monkeypatch):
    """`client.force_login(user)` stands for a user who signed in with both steps: where a
    second factor is needed, the session is verified by the user's authenticator app. The
    multi-factor tests (test_mfa*.py) sign in through the pages, step by step."""
    force_login = Client.force_login

    def both_steps(self, user, backend=None):
        force_login(self, user, backend)
        verify_session(self, user)

    monkeypatch.setattr(Client, "force_login", both_steps)


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    settings.PORTAL_ATTACHMENTS_DIR = str(tmp_path / "attachments")


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # Object permissions look content types up; a stale cache across databases misleads them.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_activity_log_guard():
    """Tests that commit (transaction=True) are cleaned up with one TRUNCATE of every table,
    which the activity log's guard refuses (migration 0012). The test database's superuser runs
    it as a replica applies changes: with session_replication_role = replica no trigger fires."""

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else []

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Contoso Cloud Solutions", partner_id="4100123")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Fabrikam Partners", partner_id="5200456", country="GB")


@pytest.fixture
def global_admin(partner):
    return make_user(
        partner, Role.GLOBAL_ADMIN, full_name="Avery Adams", email="avery@contoso.example"
    )


@pytest.fixture
def second_global_admin(partner):
    return make_user(
        partner, Role.GLOBAL_ADMIN, full_name="Blake Brennan", email="blake@contoso.example"
    )


@pytest.fixture
def user_admin(partner):
    return make_user(
        partner, Role.USER_MANAGEMENT_ADMIN, full_name="Casey Carter", email="casey@contoso.example"
    )


@pytest.fixture
def sales_agent(partner):
    return make_user(partner, Role.SALES_AGENT, full_name="Dana Diaz", email="dana@contoso.example")


@pytest.fixture
def other_partner_admin(other_partner):
    return make_user(
        other_partner,
        Role.GLOBAL_ADMIN,
        full_name="Georgia Grant",
        email="georgia@fabrikam.example",
    )


@pytest.fixture
def held_subscription(global_admin):
    """A customer of the partner, and a subscription the partner holds for it."""

    customer = create_customer(
        by=global_admin,
        company_name="Northwind Traders",
        primary_domain="northwind.onmicrosoft.com",
        country="US",
        contact_name="Nancy Davolio",
        contact_email="nancy@northwind.example",
    )
    today = date.today()
    return Subscription.objects.create(
        customer=customer,
        offer_name="Microsoft 365 E3",
        offer_id="CFQ7TTC0LFLX",
        billing_type=BillingType.LICENSE,
        channel=Channel.CSP,
        partner_of_record=global_admin.partner,
        external_id=uuid.uuid4(),
        quantity=10,
        term=Term.ANNUAL,
        term_start=today,
        term_end=today + timedelta(days=365),
        auto_renew=True,
    )


@pytest.fixture
def as_global_admin(global_admin):
    return signed_in(global_admin)


@pytest.fixture
def as_user_admin(user_admin):
    return signed_in(user_admin)


@pytest.fixture
def as_sales_agent(sales_agent):
    return signed_in(sales_agent)


@pytest.fixture
def as_other_partner(other_partner_admin):
    return signed_in(other_partner_admin)


def pytest_collection_modifyitems(config, items):

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- One object of each kind, as the pages about them need -----------------------------------


@pytest.fixture
def open_request(sales_agent):

    return request_relationship(
        by=sales_agent,
        company_name="Litware",
        domain="litware.onmicrosoft.com",
        contact_email="admin@litware.onmicrosoft.com",
        delegated_admin_roles=["Global reader"],
        delegated_admin_days=30,
        email_text="Hello",
    )


@pytest.fixture
def azure_onboarding(sales_agent, held_subscription):

    azure = Subscription.objects.create(
        customer=held_subscription.customer,
        offer_name="Azure plan",
        offer_id="MS-AZR-0017P",
        billing_type=BillingType.USAGE,
        channel=Channel.EA,
        external_id=uuid.uuid4(),
    )
    return start_onboarding(by=sales_agent, source=azure)


@pytest.fixture
def planned_move(sales_agent, held_subscription):

    direct = Subscription.objects.create(
        customer=held_subscription.customer,
        offer_name="Office 365 E1",
        offer_id="CFQ7TTC0LF8R",
        billing_type="license",
        channel=Channel.DIRECT,
        external_id=uuid.uuid4(),
        quantity=5,
        term="annual",
        term_start=date.today() - timedelta(days=300),
        term_end=date.today() + timedelta(days=65),
    )
    return plan_move(by=sales_agent, subscription=direct, remind_days_before=30)


@pytest.fixture
def transfer(sales_agent, held_subscription, other_partner):
    """Our partner asks the other partner for the customer's Azure it holds."""

    customer = held_subscription.customer
    share_customer(customer, other_partner)
    azure_plan(customer, held_by=other_partner)
    return request_transfer(
        by=sales_agent, customer=customer, source_partner=other_partner, notify_email="it@x.example"
    )


@pytest.fixture
def support_request(sales_agent, held_subscription):

    return file_request(
        by=sales_agent,
        customer=held_subscription.customer,
        subscription=held_subscription,
        topic="technical",
        severity="A",
        title="Users cannot sign in",
        description="Since this morning.",
        contact_name="Dana Diaz",
        contact_email="dana@contoso.example",
        attachments=[SimpleUploadedFile("error.txt", b"AADSTS50076")],
    )


@pytest.fixture
def transfer_asked_of_us(global_admin, other_partner_admin, held_subscription):
    """The other partner asks us for the customer's Azure we hold."""

    customer = held_subscription.customer
    share_customer(customer, other_partner_admin.partner)
    azure_plan(customer, held_by=global_admin.partner)
    return request_transfer(
        by=other_partner_admin,
        customer=customer,
        source_partner=global_admin.partner,
        notify_email="it@x.example",
    )
