"""The activity log stays append-only whoever connects: the portal runs as a role that owns no
table (`create_runtime_role`), and even the tables' owner cannot TRUNCATE the log.

Each test runs in a transaction that is rolled back, the role's creation included."""

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction
from django.test import Client
from django.urls import reverse

from multichannel.models import Action, AuditEntry, Customer
from multichannel.services.audit import record
from tests.factories import PASSWORD, customer_form, give_authenticator, on_postgres, totp

pytestmark = pytest.mark.django_db

AUDIT = "multichannel_auditentry"


def _role_name() -> str:
    # Roles belong to the whole server: one name per test database.
    return f"{connection.settings_dict['NAME']}_runtime"[:63]


@pytest.fixture
def runtime_role(db):
    name = _role_name()
    call_command("create_runtime_role", name, password="runtime-secret-0123")
    return name


@pytest.fixture
def an_entry(global_admin):
    return record(Action.USER_UPDATED, actor=global_admin, target=global_admin)


def _as(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")


def _refused(statement: str, params=None) -> str:
    """Run `statement` in a savepoint; return PostgreSQL's reason for refusing it."""
    with (
        pytest.raises(ProgrammingError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)
    return str(refused.value)


@pytest.mark.postgres
def test_the_runtime_role_signs_in_and_holds_no_power_over_the_server(runtime_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, "
            "rolreplication FROM pg_roles WHERE rolname = %s",
            [runtime_role],
        )
        assert cursor.fetchone() == (True, False, False, False, False, False)
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = %s",
            [AUDIT],
        )
        assert cursor.fetchone()[0] != runtime_role


@pytest.mark.postgres
def test_as_the_runtime_role_the_activity_log_can_only_be_read_and_added_to(
    runtime_role, an_entry, global_admin
):
    _as(runtime_role)

    denied = f"permission denied for table {AUDIT}"
    assert denied in _refused(
        "UPDATE multichannel_auditentry SET action = 'x' WHERE id = %s", [an_entry.pk]
    )
    assert denied in _refused("DELETE FROM multichannel_auditentry WHERE id = %s", [an_entry.pk])
    assert denied in _refused(f"TRUNCATE {AUDIT}")
    assert f"must be owner of table {AUDIT}" in _refused(
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER multichannel_auditentry_append_only"
    )
    assert f"must be owner of table {AUDIT}" in _refused(f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL")
    assert "must be owner" in _refused(
        "DROP TRIGGER multichannel_auditentry_no_truncate ON " + AUDIT
    )

    added = record(Action.USER_UPDATED, actor=global_admin, target=global_admin)
    assert AuditEntry.objects.filter(pk__in=[an_entry.pk, added.pk]).count() == 2


@pytest.mark.postgres
def test_truncate_empties_the_activity_log_for_nobody_not_even_its_owner(an_entry):
    # The test database's connection owns the tables (and is a superuser besides). The entry's
    # foreign keys are checked now rather than at commit, which TRUNCATE would wait for.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    reason = _refused(f"TRUNCATE {AUDIT}")
    assert "The activity log is append-only: TRUNCATE on multichannel_auditentry" in reason
    # Emptying a table the log refers to, with CASCADE, would empty the log as well.
    assert "append-only" in _refused("TRUNCATE multichannel_partner CASCADE")
    assert AuditEntry.objects.filter(pk=an_entry.pk).exists()


@pytest.mark.postgres
def test_the_portal_works_as_the_runtime_role(runtime_role, sales_agent):
    device = give_authenticator(sales_agent)  # the partner requires a second factor
    _as(runtime_role)
    client = Client()

    signed_in = client.post(
        reverse("sign-in"), {"username": sales_agent.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302  # a session row, an axes log row, an activity entry
    verified = client.post(reverse("sign-in-verify"), {"code": totp(device)})
    assert verified.status_code == 302  # the device's last code and the session move on
    assert client.get(reverse("home")).status_code == 200  # the dashboard's figures are cached
    added = client.post(reverse("customers:create"), customer_form())
    assert added.status_code == 302
    customer = Customer.objects.get()
    assert AuditEntry.objects.filter(action=Action.CUSTOMER_CREATED, customer=customer).exists()
    assert client.get(reverse("customers:detail", args=[customer.uuid])).status_code == 200
    failed = Client().post(reverse("sign-in"), {"username": sales_agent.email, "password": "no"})
    assert failed.status_code == 200
    cache.set("runtime-role-check", 1)
    assert cache.get("runtime-role-check") == 1
    cache.delete("runtime-role-check")
    assert client.post(reverse("sign-out")).status_code == 302
    assert AuditEntry.objects.filter(action=Action.SIGNED_OUT).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == runtime_role


@pytest.mark.postgres
def test_running_the_command_again_is_safe_and_later_tables_are_granted(runtime_role):
    call_command("create_runtime_role", runtime_role)
    with connection.cursor() as cursor:
        # What a later migration does, as the owner.
        cursor.execute(
            "CREATE TABLE multichannel_later (id bigint GENERATED BY DEFAULT AS IDENTITY)"
        )
    _as(runtime_role)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO multichannel_later DEFAULT VALUES")
        cursor.execute("UPDATE multichannel_later SET id = id")
        cursor.execute("DELETE FROM multichannel_later")
    assert "permission denied" in _refused("UPDATE multichannel_auditentry SET action = action")


@pytest.mark.postgres
def test_the_command_refuses_the_owner_as_runtime_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns the portal's tables"):
        call_command("create_runtime_role", owner)


@pytest.mark.skipif("on_postgres()", reason="checks the message on SQLite")
def test_on_sqlite_the_command_says_it_is_for_postgresql(db):
    assert not on_postgres()
    with pytest.raises(CommandError, match="PostgreSQL role; this database is sqlite"):
        call_command("create_runtime_role", "portal_app")
