"""Planned moves (rule 10): a license-based subscription bought elsewhere cannot switch to us
before its term ends, so we plan the move for then and are reminded in time."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from multichannel import access, notifications
from multichannel.models import Action, MoveStatus, PlannedMove, Subscription, User
from multichannel.models.moves import OPEN_MOVE_STATUSES
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fingerprint, fresh_actor

CHECKLIST = ("same_offer_and_seats", "auto_renew_off", "bought_under_us")


def plan_move(
    *, by: User, subscription: Subscription, remind_days_before: int, notes: str = "", today=None
) -> PlannedMove:
    today = today or timezone.localdate()
    if not 1 <= remind_days_before <= 180:
        raise RuleViolation("Remind between 1 and 180 days before.", field="remind_days_before")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.PLAN_MOVES)
        locked = (
            Subscription.objects.select_for_update(no_key=True, of=("self",))
            .select_related("customer")
            .get(pk=subscription.pk)
        )
        access.can_plan_move(actor, locked, today).enforce()
        if PlannedMove.objects.filter(
            partner=actor.partner, subscription=locked, status__in=OPEN_MOVE_STATUSES
        ).exists():
            raise RuleViolation("A move is already planned for it.")
        remind_on = max(today, locked.term_end - timedelta(days=remind_days_before))
        move = PlannedMove.objects.create(
            partner=actor.partner,
            customer=locked.customer,
            subscription=locked,
            term_end=locked.term_end,
            remind_days_before=remind_days_before,
            remind_on=remind_on,
            auto_renew_off=not locked.auto_renew,
            notes=notes.strip(),
            created_by=actor,
        )
        record(
            Action.MOVE_PLANNED,
            actor=actor,
            target=move,
            customer=move.customer,
            new={
                "subscription": locked.offer_name,
                "term_end": locked.term_end,
                "remind_on": remind_on,
            },
        )
    return move


def _locked_open(actor: User, move: PlannedMove) -> PlannedMove:
    locked = (
        PlannedMove.objects.select_for_update(no_key=True, of=("self",))
        .select_related("customer", "subscription")
        .get(pk=move.pk, partner_id=actor.partner_id)
    )
    if not locked.is_open:
        raise RuleViolation(f"This move is {locked.get_status_display().lower()}.")
    return locked


def checklist_version(move: PlannedMove) -> str:
    """What the move's page shows in its checklist form."""
    return fingerprint(*(getattr(move, item) for item in CHECKLIST), move.notes)


def update_checklist(
    *, by: User, move: PlannedMove, notes: str, seen: str | None = None, **items: bool
) -> PlannedMove:
    """`seen` is the `checklist_version` the page was built from."""
    unknown = set(items) - set(CHECKLIST)
    if unknown:
        raise TypeError(f"unknown checklist items: {sorted(unknown)}")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.PLAN_MOVES)
        access.require(actor, Perm.PLAN_MOVES)
        locked = _locked_open(actor, move)
        if seen and seen != checklist_version(locked):
            raise RuleViolation(
                "Someone changed this checklist while you were editing. Open the page again to "
                "see the changes, then make yours."
            )
        changes = {k: v for k, v in items.items() if getattr(locked, k) != v}
        if notes.strip() != locked.notes:
            changes["notes"] = notes.strip()
        if not changes:
            return locked
        old = {k: getattr(locked, k) for k in changes}
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changes))
        record(Action.MOVE_UPDATED, actor=actor, target=locked, old=old, new=changes)
    return locked


def close_move(*, by: User, move: PlannedMove, done: bool) -> PlannedMove:
    """Done: the customer now buys it from us. Cancelled: the move is off."""
    with transaction.atomic():
        actor = fresh_actor(by, Perm.PLAN_MOVES)
        access.require(actor, Perm.PLAN_MOVES)
        locked = _locked_open(actor, move)
        old = locked.status
        locked.status = MoveStatus.DONE if done else MoveStatus.CANCELLED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        record(
            Action.MOVE_DONE if done else Action.MOVE_CANCELLED,
            actor=actor,
            target=locked,
            old={"status": old},
            new={"status": locked.status},
        )
    return locked


def send_reminders(today=None) -> int:
    """Planned moves whose reminder day has come become due; whoever planned each is emailed
    (after commit). Run daily by cron or a scheduler; safe to run twice or in two places."""
    today = today or timezone.localdate()
    count = 0
    due = PlannedMove.objects.filter(status=MoveStatus.PLANNED, remind_on__lte=today)
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            move = (
                PlannedMove.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
                .select_related("partner", "customer", "subscription")
                .filter(pk=pk, status=MoveStatus.PLANNED, remind_on__lte=today)
                .first()
            )
            if move is None:
                continue
            move.status = MoveStatus.DUE
            move.reminded_at = timezone.now()
            move.save(update_fields=["status", "reminded_at"])
            notifications.after_commit(notifications.send_move_reminder, move.pk)
            record(
                Action.MOVE_DUE,
                partner=move.partner,
                actor_label="Scheduled reminder",
                target=move,
                old={"status": "planned"},
                new={"status": "due", "term_end": move.term_end},
            )
            count += 1
    return count
