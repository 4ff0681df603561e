"""Limits on what nobody signed in can make the portal do, counted in the shared cache.

- The activity log takes at most `PORTAL_ANONYMOUS_ENTRIES_PER_HOUR` entries an hour from one
  address for requests by nobody signed in (failed sign-ins, lockouts, password reset requests).
  Real changes (an invitation accepted, a password set from a link) are always recorded.
- A lockout (django-axes, per email and address) is recorded once per lock, however many
  sign-ins it then refuses; axes keeps their running count.
- An account that fails `PORTAL_ACCOUNT_FAILURE_LIMIT` sign-ins within an hour, from any
  addresses, is slowed down: a sign-in from an address or browser it has never signed in from
  waits a delay that doubles with each further failure, and is refused without its password
  being checked. Its owner still signs in from where they signed in before.

Everything lives in the shared cache (Redis, or the database without REDIS_URL): several
processes see the same counts. Counters are sets of keys taken with `add()`, which both backends
do atomically, each expiring on its own, so a limit holds for any hour, not per clock hour.
"""

import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from multichannel.current_request import current_client_ip
from multichannel.models import Action, AuditEntry

log = logging.getLogger(__name__)

HOUR = 3600


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def address_key(ip: str | None) -> str:
    """One address: an IPv4 address, or an IPv6 /64 network (one machine's usual share)."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _take_slot(base: str, slots: int, value=1) -> bool:
    """Take one of `slots` keys for an hour; False when all are taken."""
    keys = [f"{base}:{i}" for i in range(slots)]
    taken = cache.get_many(keys)
    return any(key not in taken and cache.add(key, value, timeout=HOUR) for key in keys)


# --- The activity log, for requests by nobody signed in -------------------------------------------


def may_log_anonymous(ip: str | None = None) -> bool:
    """Whether a request by nobody signed in may still add an entry to the activity log: at
    most PORTAL_ANONYMOUS_ENTRIES_PER_HOUR from one address within any hour."""
    where = address_key(ip or current_client_ip())
    base = "portal:anonymous-log:" + _digest(where)
    if _take_slot(base, settings.PORTAL_ANONYMOUS_ENTRIES_PER_HOUR):
        return True
    if cache.add(base + ":warned", True, timeout=HOUR):
        log.warning(
            "More than %s activity entries within an hour from %s by nobody signed in; "
            "further ones are not recorded for now.",
            settings.PORTAL_ANONYMOUS_ENTRIES_PER_HOUR,
            where,
        )
    return False


# --- Lockouts (django-axes) -----------------------------------------------------------------------


def lockout_is_new(email: str, ip: str | None) -> bool:
    """True for the first refusal of a lock on (email, address), False while it lasts. Axes
    restarts the cool-off at every refused sign-in, and so does this."""
    key = "portal:lockout:" + _digest(email, address_key(ip))
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    if cache.add(key, True, timeout=cool_off):
        return True
    cache.touch(key, timeout=cool_off)
    return False


# --- Guessing one account's password from many addresses ------------------------------------------


def _account_base(email: str) -> str:
    return "portal:account-failures:" + _digest(email)


def _failure_slots() -> int:
    """Enough failures kept to reach the longest delay."""
    return settings.PORTAL_ACCOUNT_FAILURE_LIMIT + _doublings_to_max() + 1


def _doublings_to_max() -> int:
    start = settings.PORTAL_ACCOUNT_DELAY.total_seconds()
    longest = settings.PORTAL_ACCOUNT_DELAY_MAX.total_seconds()
    doublings = 0
    while start * 2**doublings < longest:
        doublings += 1
    return doublings


def note_account_failure(email: str) -> int:
    """Count a failed sign-in (its password checked) for an email, whether or not an account
    has it, so the slow-down tells nothing about which emails exist. Returns the failures within
    the last hour."""
    base = _account_base(email)
    now = time.time()
    _take_slot(base, _failure_slots(), value=now)
    cache.set(base + ":last", now, timeout=HOUR)
    return len(cache.get_many([f"{base}:{i}" for i in range(_failure_slots())]))


@dataclass(frozen=True)
class AccountSlowdown:
    failures: int  # within the last hour
    until: datetime  # sign-ins from new places wait until then

    @property
    def waiting(self) -> bool:
        return self.until > datetime.now(UTC)

    @property
    def seconds(self) -> int:
        return max(1, int((self.until - datetime.now(UTC)).total_seconds() + 0.999))


def account_slowdown(email: str) -> AccountSlowdown | None:
    """How an email's failures within the last hour slow down sign-ins from new places: None
    below the limit; otherwise the delay after the last failure, doubling with each failure
    past the limit, up to PORTAL_ACCOUNT_DELAY_MAX."""
    limit = settings.PORTAL_ACCOUNT_FAILURE_LIMIT
    base = _account_base(email)
    keys = [f"{base}:{i}" for i in range(_failure_slots())]
    found = cache.get_many([*keys, base + ":last"])
    failures = len([key for key in keys if key in found])
    if failures < limit or base + ":last" not in found:
        return None
    delay = min(
        settings.PORTAL_ACCOUNT_DELAY.total_seconds() * 2 ** (failures - limit),
        settings.PORTAL_ACCOUNT_DELAY_MAX.total_seconds(),
    )
    until = datetime.fromtimestamp(found[base + ":last"], UTC) + timedelta(seconds=delay)
    return AccountSlowdown(failures, until)


def account_wait(request, email: str) -> AccountSlowdown | None:
    """Whether this sign-in must wait before its password is even checked: the account is
    slowed down, the request comes from a place it has never signed in from, and either the
    delay is still running or another new place has already taken this turn."""
    slowdown = account_slowdown(email)
    if slowdown is None or known_place(request, email):
        return None
    if slowdown.until > datetime.now(UTC):
        return slowdown
    # The delay is over: one sign-in from a new place is checked, not every one sent at once.
    # A turn lasts the shortest delay: a sign-in that does not fail lets the next one through.
    turn = f"{_account_base(email)}:turn:{slowdown.until.timestamp()}"
    step = settings.PORTAL_ACCOUNT_DELAY
    if cache.add(turn, True, timeout=step.total_seconds()):
        return None
    return AccountSlowdown(slowdown.failures, datetime.now(UTC) + step)


# --- Where an account has signed in before --------------------------------------------------------

KNOWN_BROWSER_COOKIE = "portal_known"
KNOWN_BROWSER_SALT = "multichannel.throttle.known-browser"
KNOWN_FOR = timedelta(days=180)


def known_browser_value(email: str) -> str:
    """The cookie a browser gets when it signs in: it names the account (by a hash) and is
    signed with the secret key, so it cannot be made up for someone else's account."""
    return signing.dumps(_digest("browser", email), salt=KNOWN_BROWSER_SALT)


def known_place(request, email: str) -> bool:
    """The account has signed in from this browser, or from this address, before."""
    cookie = request.COOKIES.get(KNOWN_BROWSER_COOKIE)
    if cookie:
        try:
            value = signing.loads(cookie, salt=KNOWN_BROWSER_SALT, max_age=KNOWN_FOR)
        except signing.BadSignature:
            value = None
        if value == _digest("browser", email):
            return True

    ip = current_client_ip()
    if not ip:
        return False
    since = datetime.now(UTC) - KNOWN_FOR
    return AuditEntry.objects.filter(
        action=Action.SIGNED_IN, actor__email=email, ip_address=ip, created_at__gte=since
    ).exists()
