"""Addresses of objects and pages, built without resolving the URL configuration every time.

Each address is resolved once per script prefix (the path the portal is served under) and kept."""

from functools import lru_cache
from uuid import UUID

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


@lru_cache(maxsize=128)
def _resolved(prefix: str, name: str, with_uuid: bool) -> str:
    return reverse(name, args=[UUID(_PLACEHOLDER)] if with_uuid else None)


def object_url(name: str, uuid: UUID | str) -> str:
    """reverse(name, args=[uuid]) for URLs that take one uuid, at the cost of a string replace."""
    return _resolved(get_script_prefix(), name, True).replace(_PLACEHOLDER, str(uuid))


def page_url(name: str) -> str:
    """reverse(name) for URLs without arguments (the navigation's)."""
    return _resolved(get_script_prefix(), name, False)
