"""Trigram indexes for the lists' searches, on PostgreSQL.

The searches are `icontains`, which Django writes as `UPPER(column::text) LIKE UPPER('%…%')`;
a B-tree cannot serve a leading wildcard, so every search read the whole table. A GIN index over
the same expression with `gin_trgm_ops` serves it (checked with EXPLAIN: a customer search over
20,000 customers went from a 21 ms sequential scan to a 0.3 ms bitmap index scan). SQLite, the
development default, has no such index and needs none at its sizes.
"""

from django.db import migrations

INDEXES = [
    ("multichannel_customer_name_trgm", "multichannel_customer", "company_name"),
    ("multichannel_customer_domain_trgm", "multichannel_customer", "primary_domain"),
    ("multichannel_subscription_offer_trgm", "multichannel_subscription", "offer_name"),
    ("multichannel_supportrequest_title_trgm", "multichannel_supportrequest", "title"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("multichannel", "0009_cache_table")]

    operations = [migrations.RunPython(create, drop)]
