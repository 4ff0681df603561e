"""What the activity log needs to know about the request being served (set by middleware)."""

import ipaddress
from contextvars import ContextVar

from django.conf import settings

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip_of(request) -> str | None:
    """The client's address, for the activity log and sign-in lockouts. Behind
    `TRUSTED_PROXIES` proxies, each of which appends the address it saw to X-Forwarded-For, it
    is the one the outermost of them saw; anything a client wrote further left is ignored.
    With none (the default) it is the address of the connection, REMOTE_ADDR."""
    trusted = settings.TRUSTED_PROXIES
    if trusted:
        seen = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(seen) >= trusted and _is_address(seen[-trusted]):
            return seen[-trusted]
    return request.META.get("REMOTE_ADDR") or None


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def set_client_ip(ip: str | None):
    return _client_ip.set(ip)


def reset_client_ip(token) -> None:
    _client_ip.reset(token)


def current_client_ip() -> str | None:
    return _client_ip.get()


_base_url: ContextVar[str | None] = ContextVar("base_url", default=None)


def set_base_url(url: str | None):
    return _base_url.set(url)


def reset_base_url(token) -> None:
    _base_url.reset(token)


def current_base_url() -> str:
    """The portal's address for links in emails.

    PORTAL_BASE_URL wins when set (emails sent by scheduled commands need it); otherwise the
    address the current request came in on."""

    base = getattr(settings, "PORTAL_BASE_URL", None) or _base_url.get() or "http://localhost:8000"
    return base.rstrip("/")


def absolute_url(path: str, base: str | None = None) -> str:
    return (base or current_base_url()) + path


# Emails of the request being served that the mail server did not take (see notifications).
_undelivered: ContextVar[list | None] = ContextVar("undelivered", default=None)


def start_deliveries():
    return _undelivered.set([])


def reset_deliveries(token) -> None:
    _undelivered.reset(token)


def note_undelivered() -> None:
    failed = _undelivered.get()
    if failed is not None:
        failed.append(1)


def undelivered_count() -> int:
    return len(_undelivered.get() or ())
