"""On PostgreSQL the database itself refuses to change or remove activity-log entries."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION multichannel_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The activity log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER multichannel_auditentry_append_only
BEFORE UPDATE OR DELETE ON multichannel_auditentry
FOR EACH ROW EXECUTE FUNCTION multichannel_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS multichannel_auditentry_append_only ON multichannel_auditentry;
DROP FUNCTION IF EXISTS multichannel_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("multichannel", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
