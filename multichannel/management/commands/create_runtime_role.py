"""Create, or bring up to date, the PostgreSQL role the portal serves requests as.

The tables belong to the role that runs `migrate` (the owner). The portal itself connects as a
role that does not own them: it reads and writes rows, but cannot change or remove activity-log
entries, empty a table, or alter one (so it cannot turn the activity log's triggers off either).

Run it with the owner's DATABASE_URL (or a superuser's), after `migrate`:

    python manage.py create_runtime_role portal_app --password '...'

Running it again is safe: it only sets the same attributes and grants again. Tables a later
migration creates are granted too (default privileges of the owner).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from multichannel.models import AuditEntry

ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
ROWS = "SELECT, INSERT, UPDATE, DELETE"


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL role the portal runs as: it may read and write rows, "
        "but only add to the activity log, and owns nothing. Run as the tables' owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The role's name, e.g. portal_app.")
        parser.add_argument(
            "--password",
            help="Its password (to sign in with it). Left as it was when omitted.",
        )

    def handle(self, *args, name: str, password: str | None = None, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The runtime role is a PostgreSQL role; this database is {connection.vendor}."
            )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                owner = self._check(cursor, name)
                self._grant(cursor, name, owner, password)
        except DatabaseError as error:
            raise CommandError(f"PostgreSQL refused: {error}".strip()) from error
        self.stdout.write(
            f"Role {name} may sign in and read and write the portal's tables; on the activity "
            f"log it may only read and add. Tables {owner} creates later are granted too.\n"
            f"Serve the portal with DATABASE_URL=postgres://{name}:…@host/"
            f"{connection.settings_dict['NAME']}; run migrate as {owner}."
        )

    def _check(self, cursor, name: str) -> str:
        cursor.execute(
            "SELECT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [AuditEntry._meta.db_table],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError("The portal's tables are not there yet: run migrate first.")
        owner = row[0]
        if owner == name:
            raise CommandError(
                f"{name} owns the portal's tables; the runtime role must be another role."
            )
        cursor.execute(
            "SELECT pg_has_role(oid, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [owner, name],
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            raise CommandError(
                f"{name} is a member of {owner}, the tables' owner, and could act as it. "
                f"Revoke that first: REVOKE {owner} FROM {name};"
            )
        return owner

    def _grant(self, cursor, name: str, owner: str, password: str | None) -> None:
        q = connection.ops.quote_name
        role, owner_role = q(name), q(owner)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        if password is None:
            cursor.execute(f"{verb} ROLE {role} WITH {ATTRIBUTES}")
        else:
            cursor.execute(f"{verb} ROLE {role} WITH {ATTRIBUTES} PASSWORD %s", [password])
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = (q(value) for value in cursor.fetchone())
        audit = q(AuditEntry._meta.db_table)
        for statement in (
            f"GRANT CONNECT ON DATABASE {database} TO {role}",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT {ROWS} ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_role} IN SCHEMA {schema} "
            f"GRANT {ROWS} ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_role} IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement)
