"""On PostgreSQL `TRUNCATE` cannot empty the activity log either: row-level triggers do not fire
for it, so a statement-level trigger refuses it, even for the tables' owner.

The function is the one 0002 installed for UPDATE and DELETE; it names the operation refused."""

from django.db import migrations

TRIGGER = """
CREATE TRIGGER multichannel_auditentry_no_truncate
BEFORE TRUNCATE ON multichannel_auditentry
FOR EACH STATEMENT EXECUTE FUNCTION multichannel_auditentry_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS multichannel_auditentry_no_truncate ON multichannel_auditentry;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("multichannel", "0011_partner_created_action")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
