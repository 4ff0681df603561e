"""Azure onboarding (rule 11): create the new CSP Azure subscription first, record the existing
subscription's details as entered, then what happens to each service; the old subscription is
marked cancelled only when the user cancels it as a whole. Every step is saved and audited, so
stopping half-way loses nothing; each step can be done again without doing it twice."""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from multichannel import access
from multichannel.models import (
    Action,
    AzureOnboarding,
    AzureService,
    BillingType,
    Channel,
    CommerceType,
    Customer,
    OnboardingStatus,
    OnboardingStep,
    ServiceDisposition,
    Source,
    Subscription,
    SubscriptionStatus,
    User,
)
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.customers import enter_subscription_as
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fresh_actor, lock_then_read
from multichannel.services.relationships import lock_active_relationship

AZURE_PLAN = ("Azure plan", "DZH318Z0BPS6")


def _locked(actor: User, onboarding: AzureOnboarding) -> AzureOnboarding:
    """The onboarding, locked, ours, still in progress, and still allowed as things are now (the
    relationship may have been removed since it started). The old subscription need not still
    be live: if it was cancelled meanwhile (say, by another partner's onboarding), what was done
    here is kept and the walk-through can still be finished (rule 11). The steps that need it
    live check it themselves."""
    # Someone may have created the new subscription while we waited for the lock.
    locked = lock_then_read(
        AzureOnboarding.objects.select_related(
            "customer", "source", "source__customer", "new_subscription"
        ),
        pk=onboarding.pk,
        partner_id=actor.partner_id,
    )
    if locked.is_finished:
        raise RuleViolation("This onboarding is finished; it can no longer change.")
    if not access.manages_customer(actor, locked.customer):
        raise RuleViolation("We need an active reseller relationship with the customer first.")
    return locked


def _touch(locked: AzureOnboarding, actor: User, reached: int, *fields: str) -> None:
    locked.reached = max(locked.reached, reached)
    locked.updated_by = actor
    locked.updated_at = timezone.now()
    locked.save(update_fields=["reached", "updated_by", "updated_at", *fields])


def _clean_names(names) -> list[str]:
    seen, result = set(), []
    for name in names:
        name = " ".join(str(name).split())[:200]
        if name and name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    return result


def start_onboarding(*, by: User, source: Subscription) -> AzureOnboarding:
    """Start (or, when one is already in progress for it, resume) the onboarding of `source`.
    The onboarding returned says which: `resumed` is True when it was already under way."""
    return start_onboarding_as(fresh_actor(by, Perm.ONBOARD_AZURE), source)


def start_onboarding_as(actor: User, source: Subscription) -> AzureOnboarding:
    """`start_onboarding` for an actor already read afresh (see `fresh_actor`)."""
    with transaction.atomic():
        locked_source = (
            Subscription.objects.select_for_update(no_key=True, of=("self",))
            .select_related("customer")
            .get(pk=source.pk)
        )
        access.can_onboard(actor, locked_source).enforce()
        existing = AzureOnboarding.objects.filter(
            partner=actor.partner, source=locked_source, status=OnboardingStatus.IN_PROGRESS
        ).first()
        if existing is not None:
            existing.resumed = True
            return existing
        onboarding = AzureOnboarding.objects.create(
            partner=actor.partner,
            customer=locked_source.customer,
            source=locked_source,
            created_by=actor,
            updated_by=actor,
        )
        record(
            Action.ONBOARDING_STARTED,
            actor=actor,
            target=onboarding,
            customer=onboarding.customer,
            new={"source": locked_source.offer_name, "subscription_id": locked_source.external_id},
        )
    onboarding.resumed = False
    return onboarding


def start_with_entered_source(
    *,
    by: User,
    customer: Customer,
    external_id: uuid.UUID,
    channel: str,
    offer_name: str,
    offer_id: str,
    services: list[str],
) -> AzureOnboarding:
    """Step 1 for a subscription not in the portal yet: record it as entered by hand, with the
    services it runs, and start its onboarding."""
    with transaction.atomic():
        # The actor is read once for both steps, as entering the subscription alone reads it.
        actor = fresh_actor(by, Perm.VIEW_CUSTOMERS)
        source = enter_subscription_as(
            actor,
            customer,
            offer_name=offer_name,
            offer_id=offer_id,
            billing_type=BillingType.USAGE,
            channel=channel,
            external_id=external_id,
            status=SubscriptionStatus.ACTIVE,
            commerce_type=CommerceType.NEW_COMMERCE,
        )
        onboarding = start_onboarding_as(actor, source)
        AzureService.objects.bulk_create(
            AzureService(onboarding=onboarding, name=name) for name in _clean_names(services)
        )
        # Entering it by hand is step 1 done: its details are what the user typed.
        onboarding.reached = OnboardingStep.NEW_SUBSCRIPTION
        onboarding.save(update_fields=["reached"])
        record(
            Action.ONBOARDING_SOURCE_CONFIRMED,
            actor=by,
            target=onboarding,
            customer=onboarding.customer,
            new={"source": source.offer_name, "services": _clean_names(services)},
        )
    return onboarding


def confirm_source(
    *, by: User, onboarding: AzureOnboarding, services: list[str]
) -> AzureOnboarding:
    """Step 1: the existing subscription is the right one; note the services it runs (they are
    the starting list of step 3)."""
    with transaction.atomic():
        actor = fresh_actor(by, Perm.ONBOARD_AZURE)
        access.require(actor, Perm.ONBOARD_AZURE)
        locked = _locked(actor, onboarding)
        names = _clean_names(services)
        if locked.reached > OnboardingStep.SOURCE:
            names = []  # past step 1 the list is kept in step 3, where each service is decided
        known = {name.lower() for name in locked.services.values_list("name", flat=True)}
        added = [name for name in names if name.lower() not in known]
        AzureService.objects.bulk_create(AzureService(onboarding=locked, name=n) for n in added)
        first = locked.reached <= OnboardingStep.SOURCE
        _touch(locked, actor, OnboardingStep.NEW_SUBSCRIPTION)
        if first or added:  # the same step sent again (a double submit) records nothing new
            record(
                Action.ONBOARDING_SOURCE_CONFIRMED,
                actor=actor,
                target=locked,
                customer=locked.customer,
                new={"source": locked.source.offer_name, "services": names},
            )
    return locked


def create_new_subscription(
    *, by: User, onboarding: AzureOnboarding, friendly_name: str
) -> AzureOnboarding:
    """Step 2: the new Azure subscription under our partner. Done once: again (a second tab,
    a double submit) it only renames it."""
    friendly_name = " ".join(friendly_name.split())[:100]
    if not friendly_name:
        raise RuleViolation("Give the new subscription a name.", field="friendly_name")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.ONBOARD_AZURE)
        access.require(actor, Perm.ONBOARD_AZURE)
        locked = _locked(actor, onboarding)
        created = locked.new_subscription_id is None
        if created:
            # Only to replace an old subscription still live: once it is cancelled there is
            # nothing left to onboard.
            access.can_onboard(actor, locked.source).enforce()
            # Held until we commit, so that the relationship cannot be removed while we come to
            # hold a subscription for the customer (rule 8); if it just was, we find none.
            if lock_active_relationship(actor.partner_id, locked.customer_id) is None:
                raise RuleViolation(
                    f"We no longer have an active reseller relationship with {locked.customer}, "
                    "so no subscription can be created for it."
                )
            offer_name, offer_id = AZURE_PLAN
            locked.new_subscription = Subscription.objects.create(
                customer=locked.customer,
                offer_name=f"{offer_name} — {friendly_name}",
                offer_id=offer_id,
                billing_type=BillingType.USAGE,
                channel=Channel.CSP,
                partner_of_record=actor.partner,
                external_id=uuid.uuid4(),
                status=SubscriptionStatus.ACTIVE,
                commerce_type=CommerceType.NEW_COMMERCE,
                source=Source.CREATED,
                created_by=actor,
            )
        elif locked.friendly_name != friendly_name:
            locked.new_subscription.offer_name = f"{AZURE_PLAN[0]} — {friendly_name}"
            locked.new_subscription.save(update_fields=["offer_name"])
        old_name = locked.friendly_name
        locked.friendly_name = friendly_name
        _touch(locked, actor, OnboardingStep.SERVICES, "new_subscription", "friendly_name")
        if created or old_name != friendly_name:
            record(
                Action.ONBOARDING_SUBSCRIPTION_CREATED,
                actor=actor,
                target=locked,
                customer=locked.customer,
                old={} if created else {"name": old_name},
                new={
                    "name": friendly_name,
                    "subscription_id": locked.new_subscription.external_id,
                },
            )
    return locked


def record_services(
    *, by: User, onboarding: AzureOnboarding, services: list[tuple[str, str]]
) -> AzureOnboarding:
    """Step 3: the services to move and, for each, whether it is cancelled on the old
    subscription (it moves to us) or kept there (Azure under CSP coexists with other channels)."""
    with transaction.atomic():
        actor = fresh_actor(by, Perm.ONBOARD_AZURE)
        access.require(actor, Perm.ONBOARD_AZURE)
        locked = _locked(actor, onboarding)
        if locked.new_subscription_id is None:
            raise RuleViolation("Create the new Azure subscription first (step 2).")
        wanted: dict[str, str] = {}
        for name, disposition in services:
            clean = (_clean_names([name]) or [""])[0]
            if not clean:
                continue
            if disposition not in ServiceDisposition.values:
                raise RuleViolation(f"Choose what happens to {clean}.", field="services")
            if clean.lower() in {n.lower() for n in wanted}:
                raise RuleViolation(f"{clean} is listed twice.", field="services")
            wanted[clean] = disposition
        if not wanted:
            raise RuleViolation("List at least one service that runs there.", field="services")
        unchanged = locked.reached >= OnboardingStep.REVIEW and wanted == dict(
            locked.services.values_list("name", "disposition")
        )
        locked.services.exclude(name__in=list(wanted)).delete()
        current = {s.name: s for s in locked.services.all()}
        for name, disposition in wanted.items():
            if name in current:
                if current[name].disposition != disposition:
                    current[name].disposition = disposition
                    current[name].save(update_fields=["disposition"])
            else:
                try:
                    with transaction.atomic():
                        AzureService.objects.create(
                            onboarding=locked, name=name, disposition=disposition
                        )
                except IntegrityError as exc:
                    raise RuleViolation(f"{name} is listed twice.", field="services") from exc
        _touch(locked, actor, OnboardingStep.REVIEW)
        if not unchanged:  # the same list sent again (a double submit) records nothing new
            record(
                Action.ONBOARDING_SERVICES_RECORDED,
                actor=actor,
                target=locked,
                customer=locked.customer,
                new={
                    "move": [n for n, d in wanted.items() if d == ServiceDisposition.CANCEL],
                    "keep": [n for n, d in wanted.items() if d == ServiceDisposition.KEEP],
                },
            )
    return locked


def finish(*, by: User, onboarding: AzureOnboarding, cancel_source: bool) -> AzureOnboarding:
    """Step 4: the services to move are cancelled on the old subscription, and the old
    subscription as a whole only if the user says so. Finishing twice changes nothing more."""
    with transaction.atomic():
        actor = fresh_actor(by, Perm.ONBOARD_AZURE)
        access.require(actor, Perm.ONBOARD_AZURE)
        current = AzureOnboarding.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=onboarding.pk, partner_id=actor.partner_id
        )
        if current.is_finished:
            return current
        locked = _locked(actor, current)
        if locked.reached < OnboardingStep.REVIEW or locked.new_subscription_id is None:
            raise RuleViolation("Finish the earlier steps first.")
        kept = list(locked.services.filter(disposition=ServiceDisposition.KEEP))
        if cancel_source and kept:
            raise RuleViolation(
                "The old subscription cannot be cancelled as a whole: "
                + ", ".join(s.name for s in kept)
                + " stay on it.",
                field="cancel_source",
            )
        source = Subscription.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=locked.source_id
        )
        if cancel_source and not source.is_live:
            raise RuleViolation(
                f"The old subscription is already {source.get_status_display().lower()}, so it "
                "cannot be cancelled as a whole. Finish without cancelling it: the services "
                "are recorded all the same.",
                field="cancel_source",
            )
        now = timezone.now()
        moving = list(locked.services.filter(disposition=ServiceDisposition.CANCEL))
        locked.services.filter(pk__in=[s.pk for s in moving]).update(cancelled_at=now)
        if cancel_source:
            source.status = SubscriptionStatus.CANCELLED
            source.cancelled_at = now
            source.save(update_fields=["status", "cancelled_at"])
        locked.cancel_source = cancel_source
        locked.status = OnboardingStatus.FINISHED
        locked.finished_at = now
        _touch(locked, actor, OnboardingStep.REVIEW, "cancel_source", "status", "finished_at")
        record(
            Action.ONBOARDING_FINISHED,
            actor=actor,
            target=locked,
            customer=locked.customer,
            new={
                "cancelled_services": [s.name for s in moving],
                "old_subscription_cancelled": bool(cancel_source),
                "new_subscription": locked.new_subscription.offer_name,
            },
        )
    return locked
