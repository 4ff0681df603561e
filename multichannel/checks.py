"""System checks for a deployment (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_portal_base_url(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Links in emails sent outside a request (scheduled commands) need the portal's address;
    without it they would point at localhost."""
    if settings.DEBUG:
        return []
    base_url = getattr(settings, "PORTAL_BASE_URL", None)
    if not base_url:
        return [
            Error(
                "PORTAL_BASE_URL is not set, so links in emails would point at localhost.",
                hint="Set PORTAL_BASE_URL to the portal's public address, "
                "e.g. https://portal.example.com.",
                id="multichannel.E001",
            )
        ]
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return [
            Error(
                f"PORTAL_BASE_URL ({base_url!r}) is not an absolute http(s) address.",
                hint="Set it to the portal's public address, e.g. https://portal.example.com.",
                id="multichannel.E002",
            )
        ]
    return []
