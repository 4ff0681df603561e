"""The database cache's table, when the database is the cache (no REDIS_URL): created with
the schema, so that no deployment can forget it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("multichannel", "0008_list_indexes")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
