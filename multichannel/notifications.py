"""Emails the portal sends. Services schedule them with `after_commit`."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from multichannel.access import active_global_admins
from multichannel.current_request import (
    absolute_url,
    current_base_url,
    note_undelivered,
    undelivered_count,
)
from multichannel.models import (
    PlannedMove,
    RelationshipRequest,
    SupportRequest,
    TransferRequest,
    User,
)

logger = logging.getLogger(__name__)

# The mail backend for emails scheduled now (None: settings.EMAIL_BACKEND).
_mail_backend: ContextVar[str | None] = ContextVar("mail_backend", default=None)


@contextmanager
def sent_through(backend: str | None) -> Iterator[None]:
    """Emails scheduled inside go through `backend` (a Django mail backend's path) when they
    are sent, even if that is after the block, once the transaction commits. The demo data uses
    the dummy backend: its people are made up."""
    token = _mail_backend.set(backend)
    try:
        yield
    finally:
        _mail_backend.reset(token)


def after_commit(send: Callable[..., None], *args: Any) -> None:
    """Send an email (`send(*args, base_url)`) once the change commits, with links to the
    address the user is on and through the backend chosen now (`sent_through`). A mail server
    that fails then is logged, not shown as an error page: the change is saved. The page then
    says the email could not be sent (`delivery_failed`), rather than that it was."""
    base_url = current_base_url()
    backend = _mail_backend.get()

    def deliver() -> None:
        try:
            with sent_through(backend):
                send(*args, base_url)
        except Exception:
            logger.exception("An email could not be sent (%s).", send.__name__)
            note_undelivered()

    transaction.on_commit(deliver)


def _send_mail(*, subject: str, message: str, recipient_list: list[str]) -> None:
    backend = _mail_backend.get()
    connection = get_connection(backend) if backend else None
    send_mail(
        subject=subject,
        message=message,
        from_email=None,
        recipient_list=recipient_list,
        connection=connection,
    )


def delivery_failed() -> bool:
    """Whether an email of the request being served could not be sent."""
    return undelivered_count() > 0


def set_password_url(user: User, base_url: str | None = None) -> str:
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path, base_url)


def send_set_password_link(user_pk: int, base_url: str | None = None) -> None:
    user = User.objects.select_related("partner").get(pk=user_pk)
    context = {
        "user": user,
        "partner": user.partner,
        "url": set_password_url(user, base_url),
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    _send_mail(
        subject=f"Set your password for the {user.partner.name} partner portal",
        message=render_to_string("emails/set_password.txt", context),
        recipient_list=[user.email],
    )


def send_invitation(request_pk: int, base_url: str | None = None) -> None:
    """The invitation email: the partner's editable text, then the link and what it grants,
    which the partner cannot edit."""
    relationship_request = RelationshipRequest.objects.select_related("partner", "customer").get(
        pk=request_pk
    )
    context = {
        "relationship_request": relationship_request,
        "partner": relationship_request.partner,
        "url": relationship_request.get_invitation_url(base_url),
    }
    partner, customer = relationship_request.partner.name, relationship_request.company_name
    _send_mail(
        subject=f"{partner} invites {customer} to a reseller relationship",
        message=render_to_string("emails/invitation.txt", context),
        recipient_list=[relationship_request.contact_email],
    )


def send_request_answered(request_pk: int, base_url: str | None = None) -> None:
    """Tell the partner employee who made the request what the customer answered."""

    relationship_request = RelationshipRequest.objects.select_related("created_by", "customer").get(
        pk=request_pk
    )
    context = {
        "relationship_request": relationship_request,
        "url": absolute_url(relationship_request.get_absolute_url(), base_url),
    }
    answer = relationship_request.get_status_display().lower()
    _send_mail(
        subject=f"{relationship_request.company_name} {answer} your reseller relationship request",
        message=render_to_string("emails/request_answered.txt", context),
        recipient_list=[relationship_request.created_by.email],
    )


def send_move_reminder(move_pk: int, base_url: str | None = None) -> None:

    move = PlannedMove.objects.select_related("created_by", "customer", "subscription").get(
        pk=move_pk
    )
    recipients = [move.created_by.email] if move.created_by.is_active else []
    if not recipients:  # whoever planned it has left: the partner's Global admins are told
        recipients = list(active_global_admins(move.partner_id).values_list("email", flat=True))
    context = {
        "move": move,
        "url": absolute_url(move.get_absolute_url(), base_url),
    }
    _send_mail(
        subject=f"{move.subscription.offer_name} for {move.customer.company_name} can move to "
        f"us on {move.term_end:%Y-%m-%d}",
        message=render_to_string("emails/move_reminder.txt", context),
        recipient_list=recipients,
    )


def send_transfer_news(transfer_pk: int, what: str, base_url: str | None = None) -> None:
    """Created: the source partner's Global admins are asked. Declined: the requester is told.
    Completed: the requester, the source partner's Global admins and the customer's contact."""

    transfer = TransferRequest.objects.select_related(
        "customer", "source_partner", "target_partner", "created_by", "answered_by"
    ).get(pk=transfer_pk)
    url = absolute_url(transfer.get_absolute_url(), base_url)
    source_admins = list(
        active_global_admins(transfer.source_partner_id).values_list("email", flat=True)
    )
    requester = [transfer.created_by.email] if transfer.created_by.is_active else []
    items = list(transfer.items.select_related("subscription"))
    context = {"transfer": transfer, "url": url, "items": items}
    moved = [item for item in items if item.status == "moved"]
    if what == "created":
        messages = [(source_admins, "transfer_created")]
    elif what == "declined":
        messages = [(requester, "transfer_declined")]
    elif what == "cancelled":
        messages = [(source_admins, "transfer_ended")]
    elif what == "expired":
        messages = [(requester + source_admins, "transfer_ended")]
    else:
        messages = [(requester + source_admins, "transfer_completed")]
        if moved:  # the customer hears only of what actually moved
            messages.append(([transfer.notify_email], "transfer_completed_customer"))
    subjects = {
        "transfer_created": f"{transfer.target_partner.name} asks for the Azure subscriptions "
        f"of {transfer.customer.company_name}",
        "transfer_declined": f"{transfer.source_partner.name} declined the transfer of "
        f"{transfer.customer.company_name}'s Azure",
        "transfer_completed": f"Transfer of {transfer.customer.company_name}'s Azure completed",
        "transfer_ended": f"The transfer request for {transfer.customer.company_name}'s Azure "
        f"is {transfer.get_status_display().lower()}",
        "transfer_completed_customer": f"Your Azure subscriptions now move to "
        f"{transfer.target_partner.name}",
    }
    for recipients, template in messages:
        if recipients:
            _send_mail(
                subject=subjects[template],
                message=render_to_string(f"emails/{template}.txt", context),
                recipient_list=sorted(set(recipients)),
            )


def send_support_news(
    support_pk: int, actor_pk: int, what: str, base_url: str | None = None
) -> None:
    """A new note, a status change or an assignment: the filer and the assignee hear of it
    (not whoever made the change)."""

    support = SupportRequest.objects.select_related("created_by", "assigned_to", "customer").get(
        pk=support_pk
    )
    people = {support.created_by, support.assigned_to} - {None}
    if what == "assigned":
        people = {support.assigned_to} - {None}
    recipients = sorted(u.email for u in people if u.is_active and u.pk != actor_pk)
    if not recipients:
        return
    note = support.notes.select_related("author").last() if what == "note" else None
    context = {
        "support": support,
        "what": what,
        "note": note,
        "url": absolute_url(support.get_absolute_url(), base_url),
    }
    subjects = {
        "note": f"New note on support request #{support.number}: {support.title}",
        "status": f"Support request #{support.number} is now "
        f"{support.get_status_display().lower()}",
        "assigned": f"Support request #{support.number} is assigned to you: {support.title}",
    }
    _send_mail(
        subject=subjects[what],
        message=render_to_string("emails/support_news.txt", context),
        recipient_list=recipients,
    )
