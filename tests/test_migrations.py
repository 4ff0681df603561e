"""The migrations are the same on every machine: nothing in them depends on where the
checkout lives, and they match the models."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

MIGRATIONS = Path(settings.BASE_DIR) / "multichannel" / "migrations"


def test_no_migration_names_a_path_of_this_machine():
    base = str(Path(settings.BASE_DIR))
    for migration in MIGRATIONS.glob("*.py"):
        assert base not in migration.read_text(), migration.name


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
