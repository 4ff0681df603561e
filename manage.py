#!/usr/bin/env python
import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Django's command runner defers a settings error and goes on, so that a command such as
    # makemigrations fails later with "Models aren't loaded yet"; say what is wrong instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 — loads the settings, which read the environment
    except ImproperlyConfigured as problem:
        sys.exit(f"{problem} See README.md, Configuration.")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
