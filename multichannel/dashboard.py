"""Figures for the home dashboard, each computed in a constant number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, Func, IntegerField, Q, Subquery, Value, When
from django.utils import timezone

from multichannel import access
from multichannel.models import BillingType, Channel, OnboardingStatus, Partner, Term
from multichannel.models.subscriptions import CHANNEL_GROUPS
from multichannel.roles import Perm

BAR_WIDTH = 280  # px of the longest bar in the chart
ROW_HEIGHT = 28


@dataclass(frozen=True)
class ChannelRow:
    label: str
    license: int
    usage: int
    y: int = 0
    license_width: int = 0
    usage_width: int = 0

    @property
    def total(self) -> int:
        return self.license + self.usage

    @property
    def text_y(self) -> int:
        return self.y + 14

    @property
    def usage_x(self) -> int:
        return 150 + self.license_width

    @property
    def total_x(self) -> int:
        return 150 + self.license_width + self.usage_width + 6


WINDOWS = (30, 60, 90)  # days ahead in which annual and three-year terms end


def _grouped_counts(user, today) -> list[dict]:
    """Live subscriptions of managed customers by channel group and billing type, each group
    also counting the long terms that end within 30, 60 and 90 days: one query."""
    group = Case(
        When(Q(channel=Channel.CSP, partner_of_record_id=user.partner_id), then=Value("ours")),
        When(channel=Channel.CSP, then=Value("other_csp")),
        default="channel",
        output_field=CharField(),
    )
    long_terms = Q(term__in=[Term.ANNUAL, Term.TRIENNIAL], term_end__gte=today)
    return list(
        access.subscriptions_for(user)
        .live()
        .annotate(group=group)
        .values("group", "billing_type")
        .annotate(
            n=Count("pk"),
            **{
                f"within_{days}": Count(
                    "pk", filter=long_terms & Q(term_end__lte=today + timedelta(days=days))
                )
                for days in WINDOWS
            },
        )
        .order_by()
    )


def subscriptions_by_channel(grouped: list[dict]) -> list[ChannelRow]:
    """The chart's rows, from `_grouped_counts`."""
    counts = {(row["group"], row["billing_type"]): row["n"] for row in grouped}
    rows = [
        ChannelRow(
            label,
            counts.get((key, BillingType.LICENSE), 0),
            counts.get((key, BillingType.USAGE), 0),
        )
        for key, label in CHANNEL_GROUPS
    ]
    largest = max((row.total for row in rows), default=0) or 1
    return [
        ChannelRow(
            row.label,
            row.license,
            row.usage,
            y=index * ROW_HEIGHT,
            license_width=round(BAR_WIDTH * row.license / largest),
            usage_width=round(BAR_WIDTH * row.usage / largest),
        )
        for index, row in enumerate(rows)
    ]


def terms_ending(user, today, grouped: list[dict]) -> dict:
    """Annual and three-year terms ending soon: the ones a move or a renewal is planned around
    (monthly terms end every month)."""
    windows = {f"within_{days}": sum(row[f"within_{days}"] for row in grouped) for days in WINDOWS}
    soonest = list(
        access.subscriptions_for(user)
        .live()
        .filter(
            term__in=[Term.ANNUAL, Term.TRIENNIAL],
            term_end__gte=today,
            term_end__lte=today + timedelta(days=30),
        )
        .select_related("customer", "partner_of_record")
        .order_by("term_end", "pk")[:8]
    )
    return {"windows": windows, "soonest": soonest}


FIGURES_TTL = 60  # seconds: the whole partner shares one computation per minute


def subscription_figures(user, today) -> dict:
    """Channel counts and terms ending soon, computed once a minute per partner and kept in the
    shared cache (Redis or the database): they read every subscription the partner manages, and
    every Global admin and Sales agent of the partner sees the same ones."""

    key = f"dashboard:subscriptions:{user.partner_id}:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        grouped = _grouped_counts(user, today)
        figures = {
            "channel_rows": subscriptions_by_channel(grouped),
            "terms": terms_ending(user, today, grouped),
            "as_of": timezone.now(),
        }
        cache.set(key, figures, FIGURES_TTL)
    return figures


def counters(user) -> dict:
    """Several counts for the dashboard in one query (scalar subqueries)."""

    def count_of(queryset):
        counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        return Subquery(counted, output_field=IntegerField())

    wanted = {}
    if access.has(user, Perm.VIEW_USERS):
        users = access.users_for(user)
        wanted["n_users_active"] = count_of(users.filter(is_active=True))
        wanted["n_users_inactive"] = count_of(users.filter(is_active=False))
        wanted["n_users_must_change"] = count_of(
            users.filter(is_active=True, must_change_password=True)
        )
        wanted["n_global_admins"] = count_of(access.active_global_admins(user.partner_id))
    if access.has(user, Perm.VIEW_CUSTOMERS):
        wanted["n_customers"] = count_of(access.managed_customers_for(user))
    if access.has(user, Perm.VIEW_REQUESTS):
        wanted["n_waiting"] = count_of(access.relationship_requests_for(user).open())
    if access.has(user, Perm.VIEW_ONBOARDINGS):
        wanted["n_onboardings"] = count_of(
            access.onboardings_for(user).filter(status=OnboardingStatus.IN_PROGRESS)
        )
    if access.has(user, Perm.VIEW_TRANSFERS):
        pending = access.transfers_for(user).filter(status="pending", expires_at__gt=timezone.now())
        wanted["n_transfers_incoming"] = count_of(pending.filter(target_partner_id=user.partner_id))
        if access.has(user, Perm.ACCEPT_TRANSFERS):
            wanted["n_transfers_to_answer"] = count_of(
                pending.filter(source_partner_id=user.partner_id)
            )
    if not wanted:
        return {}
    row = Partner.objects.filter(pk=user.partner_id).values(**wanted).get()
    return {name.removeprefix("n_"): value or 0 for name, value in row.items()}
