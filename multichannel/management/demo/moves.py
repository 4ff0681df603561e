"""Demo Azure onboardings and planned moves, walked through the services."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from multichannel import access
from multichannel.access import ONBOARDING_CHANNELS
from multichannel.management.demo.customers import DAY, slug
from multichannel.management.demo.emails import emails_held_back
from multichannel.management.demo.partners import CONTOSO, FABRIKAM, PARTNERS
from multichannel.management.demo.transfers import MAX_DEMO_SUBSCRIPTIONS
from multichannel.models import (
    AzureOnboarding,
    BillingType,
    Channel,
    Customer,
    MoveStatus,
    OnboardingStatus,
    OnboardingStep,
    Partner,
    PlannedMove,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    ServiceDisposition,
    Subscription,
    SubscriptionStatus,
    Term,
    User,
)
from multichannel.models.moves import OPEN_MOVE_STATUSES
from multichannel.services.errors import RuleViolation
from multichannel.services.moves import close_move, plan_move, send_reminders, update_checklist
from multichannel.services.onboarding import (
    confirm_source,
    create_new_subscription,
    finish,
    record_services,
    start_onboarding,
)

# --- Azure onboardings and planned moves -----------------------------------------------------


@dataclass(frozen=True)
class DemoOnboarding:
    """One demo Azure onboarding: who walks it, and how far.

    In a service name, `{name}` stands for the customer's short name (its first word)."""

    by: str  # local part of the demo user who walks it
    reached: int  # the step it stopped at, an OnboardingStep (REVIEW for a finished one)
    services: tuple[str, ...] = ()  # noted at step 1, decided on at step 3
    subscription_name: str = ""  # the new Azure subscription's name (step 2)
    keep: tuple[str, ...] = ()  # services that stay on the old subscription
    finished: bool = False
    cancel_source: bool = False  # the old subscription is cancelled as a whole

    def names(self, customer: Customer) -> tuple[list[str], set[str]]:
        """(every service, those kept) with the customer's short name filled in."""
        short = slug(customer.company_name.split()[0])[:12] or "app"
        return (
            [name.format(name=short) for name in self.services],
            {name.format(name=short) for name in self.keep},
        )


SOURCE, NEW_SUB = OnboardingStep.SOURCE, OnboardingStep.NEW_SUBSCRIPTION
SERVICES, REVIEW = OnboardingStep.SERVICES, OnboardingStep.REVIEW

DEMO_ONBOARDINGS: dict[str, list[DemoOnboarding]] = {
    CONTOSO: [
        # In progress: just started; the services noted; the new subscription created.
        DemoOnboarding("sales", SOURCE),
        DemoOnboarding(
            "sales2", NEW_SUB,
            ("App Service: {name}-web", "Azure SQL Database: orders",
             "Storage account: {name}backups", "Application Insights: {name}-web"),
        ),
        DemoOnboarding(
            "sales", SERVICES,
            ("Virtual machine: build-01", "Virtual machine: build-02",
             "Virtual network: build-vnet", "Storage account: {name}artifacts"),
            "Build and test",
        ),
        # Finished: everything moved and the old subscription cancelled; some services kept.
        DemoOnboarding(
            "lead", REVIEW,
            ("App Service: {name}-web", "Azure SQL Database: orders",
             "Key Vault: {name}-secrets", "Storage account: {name}backups"),
            "Production", finished=True, cancel_source=True,
        ),
        DemoOnboarding(
            "sales2", REVIEW,
            ("Data Factory: {name}-etl", "Azure SQL Database: reporting",
             "Virtual machine: legacy-erp", "Storage account: {name}archive"),
            "Analytics", keep=("Virtual machine: legacy-erp", "Storage account: {name}archive"),
            finished=True,
        ),
    ],
    FABRIKAM: [
        # Ready for review: the services decided on, not finished yet.
        DemoOnboarding(
            "sales", REVIEW,
            ("App Service: {name}-shop", "Azure Database for PostgreSQL: catalogue",
             "Storage account: {name}media", "Front Door: {name}-cdn"),
            "Web shop", keep=("Front Door: {name}-cdn",),
        ),
    ],
}  # fmt: skip

SOON, LATER = "soon", "later"
MOVE_WINDOW = 30  # "due soon": the term ends within this many days
LATEST_TERM_END = 365  # moves planned further ahead: the term ends within a year


@dataclass(frozen=True)
class DemoMove:
    """One demo planned move: who plans it, when its term ends, and what became of it."""

    by: str  # local part of the demo user who plans it
    outcome: str  # a MoveStatus value
    when: str  # SOON: the term ends within MOVE_WINDOW days; LATER: after that
    # SOON: at least MOVE_WINDOW, so the reminder day has come; LATER: the reminder day is
    # more than MOVE_WINDOW days ahead.
    remind_days: int
    checklist: tuple[str, ...] = ()  # items of services.moves.CHECKLIST ticked
    notes: str = ""


DEMO_MOVES: dict[str, list[DemoMove]] = {
    CONTOSO: [
        DemoMove(
            "sales", MoveStatus.DUE, SOON, 30, ("same_offer_and_seats",),
            "The customer wants the same offer and seat count from us; quote sent.",
        ),
        DemoMove("sales2", MoveStatus.DUE, SOON, 45),
        DemoMove(
            "lead", MoveStatus.DUE, SOON, 60, ("same_offer_and_seats", "auto_renew_off"),
            "The customer's admin turned auto-renew off; we buy it the day the term ends.",
        ),
        DemoMove("sales", MoveStatus.PLANNED, LATER, 30),
        DemoMove(
            "sales2", MoveStatus.PLANNED, LATER, 45, ("same_offer_and_seats",),
            "Same seats; the customer may add a few at the move.",
        ),
        DemoMove("lead", MoveStatus.PLANNED, LATER, 60),
        DemoMove(
            "sales", MoveStatus.DONE, SOON, 30,
            ("same_offer_and_seats", "auto_renew_off", "bought_under_us"),
            "Bought under us; the old subscription ends with its term.",
        ),
        DemoMove(
            "sales2", MoveStatus.CANCELLED, LATER, 30, (),
            "The customer decided to stay where it bought it.",
        ),
    ],
    FABRIKAM: [DemoMove("sales", MoveStatus.PLANNED, LATER, 30)],
}  # fmt: skip


def onboarding_sources(partner: Partner):
    """Live usage-based subscriptions bought directly or through Advisor, Open, EA or a third
    party, of customers the partner has an active relationship with, nobody onboards yet and no
    demo relationship request is about (the customer Contoso joined by invitation holds nothing
    of Contoso's), and with room for the new subscription an onboarding adds (a demo customer
    has at most MAX_DEMO_SUBSCRIPTIONS): one per customer, by company name."""
    managed = Relationship.objects.filter(partner=partner, status=RelationshipStatus.ACTIVE)
    about = OuterRef("customer_id")
    full = (
        Subscription.objects.order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=MAX_DEMO_SUBSCRIPTIONS)
        .values("customer_id")
    )
    sources = (
        Subscription.objects.filter(
            customer_id__in=managed.values("customer_id"),
            billing_type=BillingType.USAGE,
            status=SubscriptionStatus.ACTIVE,
            channel__in=ONBOARDING_CHANNELS,
        )
        .exclude(Exists(AzureOnboarding.objects.filter(customer_id=about)))
        .exclude(Exists(RelationshipRequest.objects.filter(customer_id=about)))
        .exclude(customer_id__in=full)
        .select_related("customer")
        .order_by("customer__company_name", "customer__primary_domain", "external_id")
    )
    seen = set()
    for source in sources:
        if source.customer_id not in seen:
            seen.add(source.customer_id)
            yield source


def move_candidates(partner: Partner, first: date, last: date) -> list[Subscription]:
    """Live annual and three-year license-based subscriptions bought elsewhere (directly,
    through Advisor, Open or EA, from a third party or another CSP partner) of customers the
    partner has an active relationship with, whose term ends between `first` and `last` and
    whose move nobody plans yet, by subscription ID (fixed by the plan, and spread over the
    window and the channels)."""
    managed = Relationship.objects.filter(partner=partner, status=RelationshipStatus.ACTIVE)
    return list(
        Subscription.objects.filter(
            customer_id__in=managed.values("customer_id"),
            billing_type=BillingType.LICENSE,
            status=SubscriptionStatus.ACTIVE,
            term_end__range=(first, last),
        )
        .exclude(term=Term.MONTHLY)
        .exclude(channel=Channel.CSP, partner_of_record=partner)
        .exclude(
            Exists(
                PlannedMove.objects.filter(
                    subscription=OuterRef("pk"), status__in=OPEN_MOVE_STATUSES
                )
            )
        )
        .select_related("customer")
        .order_by("external_id", "pk")
    )


def walk_onboarding(spec: DemoOnboarding, by: User, source: Subscription) -> AzureOnboarding:
    """The walk-through as far as `spec` says, through the services."""
    services, keep = spec.names(source.customer)
    onboarding = start_onboarding(by=by, source=source)
    if spec.reached >= NEW_SUB:
        onboarding = confirm_source(by=by, onboarding=onboarding, services=services)
    if spec.reached >= SERVICES:
        onboarding = create_new_subscription(
            by=by, onboarding=onboarding, friendly_name=spec.subscription_name
        )
    if spec.reached >= REVIEW:
        onboarding = record_services(
            by=by,
            onboarding=onboarding,
            services=[
                (name, ServiceDisposition.KEEP if name in keep else ServiceDisposition.CANCEL)
                for name in services
            ],
        )
    if spec.finished:
        onboarding = finish(by=by, onboarding=onboarding, cancel_source=spec.cancel_source)
    return onboarding


def seed_moves(partners: dict[str, Partner], today: date | None = None) -> list[str]:
    """Azure onboardings in progress and finished, and planned moves due, planned, done and
    cancelled, made through the services as the demo users would (so the activity log tells the
    story). A partner that already has onboardings (or planned moves) is left as it is. An item
    for which no suitable subscription is found, or that a rule refuses, is skipped; returns
    what was skipped, and why."""
    today = today or timezone.localdate()
    users = {u.email: u for u in User.objects.filter(partner__in=partners.values())}
    skipped: list[str] = []
    planned: list[tuple[PlannedMove, DemoMove, User]] = []
    with emails_held_back():
        for spec_partner in PARTNERS:
            partner = partners[spec_partner.partner_id]

            def user(local: str, domain=spec_partner.domain) -> User:
                return users[f"{local}@{domain}"]

            onboardings = DEMO_ONBOARDINGS.get(spec_partner.partner_id, [])
            if onboardings and not AzureOnboarding.objects.filter(partner=partner).exists():
                sources = onboarding_sources(partner)
                for spec in onboardings:
                    source = next(sources, None)
                    if source is None:
                        skipped.append(f"{partner.name}: no Azure subscription to onboard")
                        break
                    try:
                        with transaction.atomic():
                            walk_onboarding(spec, user(spec.by), source)
                    except (RuleViolation, access.RoleRequired) as exc:
                        skipped.append(f"{partner.name}: onboarding {source}: {exc}")

            moves = DEMO_MOVES.get(spec_partner.partner_id, [])
            if moves and not PlannedMove.objects.filter(partner=partner).exists():
                soon = move_candidates(partner, today, today + timedelta(days=MOVE_WINDOW))
                later = move_candidates(
                    partner,
                    today + timedelta(days=MOVE_WINDOW + 1),
                    today + timedelta(days=LATEST_TERM_END),
                )
                used: set[int] = set()
                for spec in moves:
                    pool = soon if spec.when == SOON else later
                    # Planned further ahead: its reminder is still more than a window away.
                    horizon = today + DAY * (MOVE_WINDOW + spec.remind_days)
                    subscription = next(
                        (
                            s
                            for s in pool
                            if s.customer_id not in used
                            and (spec.when == SOON or s.term_end > horizon)
                        ),
                        None,
                    )
                    if subscription is None:
                        skipped.append(
                            f"{partner.name}: no license-based subscription for a "
                            f"{spec.outcome} move"
                        )
                        continue
                    used.add(subscription.customer_id)
                    try:
                        with transaction.atomic():
                            move = plan_move(
                                by=user(spec.by),
                                subscription=subscription,
                                remind_days_before=spec.remind_days,
                                today=today,
                            )
                    except (RuleViolation, access.RoleRequired) as exc:
                        skipped.append(f"{partner.name}: move of {subscription}: {exc}")
                        continue
                    planned.append((move, spec, user(spec.by)))
        if planned:
            # What the daily reminder job would do today: the moves whose day has come are due.
            send_reminders(today)
            for move, spec, by in planned:
                try:
                    with transaction.atomic():
                        if spec.checklist or spec.notes:
                            move = update_checklist(
                                by=by,
                                move=move,
                                notes=spec.notes,
                                **dict.fromkeys(spec.checklist, True),
                            )
                        if spec.outcome in (MoveStatus.DONE, MoveStatus.CANCELLED):
                            close_move(by=by, move=move, done=spec.outcome == MoveStatus.DONE)
                except (RuleViolation, access.RoleRequired) as exc:
                    skipped.append(f"{move.partner.name}: {spec.outcome} move of {move}: {exc}")
    return skipped


def moves_summary(partner: Partner) -> str:
    """'3 onboardings in progress, 2 finished; planned moves: 3 due, 3 planned, …'."""
    onboardings = Counter(
        AzureOnboarding.objects.filter(partner=partner).values_list("status", flat=True)
    )
    moves = Counter(PlannedMove.objects.filter(partner=partner).values_list("status", flat=True))
    in_progress = onboardings[OnboardingStatus.IN_PROGRESS]
    shown = (MoveStatus.DUE, MoveStatus.PLANNED, MoveStatus.DONE, MoveStatus.CANCELLED)
    move_counts = ", ".join(f"{moves[s]} {s.label.lower()}" for s in shown if moves[s])
    return (
        f"{in_progress} onboarding{'' if in_progress == 1 else 's'} in progress, "
        f"{onboardings[OnboardingStatus.FINISHED]} finished; "
        f"planned moves: {move_counts or 'none'}"
    )
