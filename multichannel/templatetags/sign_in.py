"""What holds up a user's sign-in right now, for the admins who look at their page."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django import template
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from multichannel import throttle

register = template.Library()


@dataclass(frozen=True)
class Lock:
    ip_address: str
    attempts: int  # failed sign-ins, then those refused while locked
    refused: int
    until: datetime


@register.simple_tag
def sign_in_limits(user) -> dict:
    """Locks on the user's email from one address each (django-axes: failures and the sign-ins
    refused since, counted by axes) and whether the account is slowed down (throttle.py)."""
    now = timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    limit = settings.AXES_FAILURE_LIMIT
    rows = (
        AccessAttempt.objects.filter(username=user.email, attempt_time__gt=now - cool_off)
        .values("ip_address")
        .annotate(attempts=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(attempts__gte=limit)
        .order_by("-last")
    )
    locks = [
        Lock(row["ip_address"], row["attempts"], row["attempts"] - limit, row["last"] + cool_off)
        for row in rows
    ]
    return {"locks": locks, "slowdown": throttle.account_slowdown(user.email)}
