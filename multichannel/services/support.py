"""Support requests (rule 14): filing, notes, status, assignment, attachments. Each change is
audited; the filer and the assignee hear of notes and status changes by email (after commit)."""

import os
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename

from multichannel import access, notifications
from multichannel.models import (
    Action,
    Customer,
    Partner,
    Severity,
    Subscription,
    SupportAttachment,
    SupportNote,
    SupportRequest,
    SupportStatus,
    Topic,
    User,
)
from multichannel.models.support import RESPONSE_TARGETS
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fresh_actor, lock_then_read
from multichannel.services.permissions import set_user_permissions

# What may be attached: extension → (content type, how such a file starts, or None for text).
ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".txt": ("text/plain", None),
    ".log": ("text/plain", None),
    ".csv": ("text/csv", None),
}
MAX_FILES = 5


def clean_attachment_name(name: str) -> str:
    """A file name as the user's computer gave it, reduced to a safe base name."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    try:
        cleaned = get_valid_filename(base) if base not in ("", ".", "..") else ""
    except SuspiciousFileOperation:  # nothing usable in it
        cleaned = ""
    if not cleaned or cleaned.startswith("."):
        cleaned = "attachment" + (os.path.splitext(cleaned)[1] if cleaned else "")
    stem, ext = os.path.splitext(cleaned)
    return stem[: 150 - len(ext)] + ext.lower()


def check_attachment(upload) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload, else a RuleViolation saying why."""
    name = clean_attachment_name(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_ATTACHMENTS:
        allowed = ", ".join(sorted(e.lstrip(".").upper() for e in ALLOWED_ATTACHMENTS))
        raise RuleViolation(f"{name}: only {allowed} files can be attached.", field="attachments")
    limit = settings.PORTAL_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise RuleViolation(f"{name} is larger than {filesizeformat(limit)}.", field="attachments")
    if upload.size == 0:
        raise RuleViolation(f"{name} is empty.", field="attachments")
    content_type, signature = ALLOWED_ATTACHMENTS[ext]
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if signature is not None and not head.startswith(signature):
        raise RuleViolation(
            f"{name} is not really a {ext.lstrip('.').upper()} file.", field="attachments"
        )
    if signature is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if len(head) < 4096 or not _decodes_up_to_last_char(head):
                raise RuleViolation(f"{name} is not a text file.", field="attachments") from exc
    return name, content_type


def _decodes_up_to_last_char(head: bytes) -> bool:
    """The first 4 KB may end in the middle of a UTF-8 character."""
    for cut in range(1, 4):
        try:
            head[:-cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _attach(support: SupportRequest, uploads, actor: User, note=None) -> list[str]:
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES:
        raise RuleViolation(f"Attach at most {MAX_FILES} files at a time.", field="attachments")
    checked = [(upload, *check_attachment(upload)) for upload in uploads]
    names = []
    for upload, name, content_type in checked:
        attachment = SupportAttachment(
            request=support,
            note=note,
            name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        names.append(name)
    return names


# The same request or note from the same person within this time is the same form sent twice.
RESENT_WITHIN = timedelta(minutes=1)


def file_request(
    *,
    by: User,
    customer: Customer,
    subscription: Subscription | None,
    topic: str,
    severity: str,
    title: str,
    description: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    attachments=(),
) -> SupportRequest:
    if topic not in Topic.values:
        raise RuleViolation("Choose a topic.", field="topic")
    if severity not in Severity.values:
        raise RuleViolation("Choose a severity.", field="severity")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_SUPPORT)
        access.require(actor, Perm.FILE_SUPPORT)
        if not access.managed_customers_for(actor).filter(pk=customer.pk).exists():
            if access.customers_for(actor).filter(pk=customer.pk).exists():
                raise RuleViolation(
                    f"{customer} has not accepted our reseller relationship request yet: support "
                    "requests can be filed once it has.",
                    field="customer",
                )
            raise RuleViolation("Choose one of our customers.", field="customer")
        if subscription is not None and subscription.customer_id != customer.pk:
            raise RuleViolation(
                "That subscription belongs to another customer.", field="subscription"
            )
        partner = Partner.objects.select_for_update(no_key=True).get(pk=actor.partner_id)
        fields = {
            "partner": partner,
            "created_by": actor,
            "customer": customer,
            "subscription": subscription,
            "topic": topic,
            "severity": severity,
            "title": title.strip(),
            "description": description.strip(),
            "contact_name": contact_name.strip(),
            "contact_email": contact_email.strip().lower(),
            "contact_phone": contact_phone.strip(),
        }
        same = SupportRequest.objects.filter(
            **fields, created_at__gte=timezone.now() - RESENT_WITHIN
        ).first()
        if same is not None and not attachments:  # the same form sent again: filed once
            return same
        number = (
            SupportRequest.objects.filter(partner=partner).aggregate(n=Max("number"))["n"] or 1000
        ) + 1
        now = timezone.now()
        support = SupportRequest.objects.create(
            **fields,
            number=number,
            created_at=now,
            updated_at=now,
            response_due_at=now + RESPONSE_TARGETS[Severity(severity)],
        )
        set_user_permissions(support, actor, {"change"})
        names = _attach(support, attachments, actor)
        record(
            Action.SUPPORT_FILED,
            actor=actor,
            target=support,
            customer=customer,
            new={
                "number": number,
                "severity": severity,
                "topic": Topic(topic).label,
                "response_due": support.response_due_at,
                "attachments": names,
            },
        )
    return support


def _locked(actor: User, support: SupportRequest) -> SupportRequest:
    locked = lock_then_read(
        SupportRequest.objects.select_related("customer", "created_by", "assigned_to"),
        pk=support.pk,
        partner_id=actor.partner_id,
    )
    if not access.support_for(actor).filter(pk=locked.pk).exists():
        raise RuleViolation("You can no longer follow this request.")
    return locked


def _tell(support: SupportRequest, actor: User, what: str) -> None:
    notifications.after_commit(notifications.send_support_news, support.pk, actor.pk, what)


def add_note(*, by: User, support: SupportRequest, body: str, attachments=()) -> SupportNote:
    body = body.strip()
    if not body and not attachments:
        raise RuleViolation("Write a note or attach a file.", field="body")
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_SUPPORT)
        locked = _locked(actor, support)
        access.can_follow_support(actor, locked).enforce()
        now = timezone.now()
        same = SupportNote.objects.filter(
            request=locked, author=actor, body=body, created_at__gte=now - RESENT_WITHIN
        ).first()
        if same is not None and body and not attachments:  # sent again: added once
            return same
        note = SupportNote.objects.create(request=locked, author=actor, body=body, created_at=now)
        names = _attach(locked, attachments, actor, note=note)
        locked.updated_at = now
        fields = ["updated_at"]
        if locked.first_response_at is None and actor.pk != locked.created_by_id:
            locked.first_response_at = now
            fields.append("first_response_at")
        locked.save(update_fields=fields)
        _tell(locked, actor, "note")
        record(
            Action.SUPPORT_NOTE_ADDED,
            actor=actor,
            target=locked,
            new={"note": body[:200], "attachments": names},
        )
    return note


def set_status(*, by: User, support: SupportRequest, status: str) -> SupportRequest:
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_SUPPORT)
        locked = _locked(actor, support)
        access.can_set_support_status(actor, locked, status).enforce()
        old = locked.status
        now = timezone.now()
        locked.status = status
        locked.updated_at = now
        locked.closed_at = now if status == SupportStatus.CLOSED else None
        locked.save(update_fields=["status", "updated_at", "closed_at"])
        _tell(locked, actor, "status")
        record(
            Action.SUPPORT_STATUS_CHANGED,
            actor=actor,
            target=locked,
            old={"status": SupportStatus(old).label},
            new={"status": SupportStatus(status).label},
        )
    return locked


def assign(*, by: User, support: SupportRequest, assignee: User | None) -> SupportRequest:
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_SUPPORT)
        locked = _locked(actor, support)
        access.can_follow_support(actor, locked).enforce()
        if (
            assignee is not None
            and not access.support_assignees(actor).filter(pk=assignee.pk).exists()
        ):
            raise RuleViolation(
                "Assign it to an active colleague who follows support.", field="assignee"
            )
        previous = locked.assigned_to
        if previous == assignee:
            return locked
        locked.assigned_to = assignee
        locked.updated_at = timezone.now()
        locked.save(update_fields=["assigned_to", "updated_at"])
        if previous is not None and previous.pk != locked.created_by_id:
            set_user_permissions(locked, previous, set())
        if assignee is not None:
            set_user_permissions(locked, assignee, {"change"})
            _tell(locked, actor, "assigned")
        record(
            Action.SUPPORT_ASSIGNED,
            actor=actor,
            target=locked,
            old={"assignee": previous.full_name if previous else "nobody"},
            new={"assignee": assignee.full_name if assignee else "nobody"},
        )
    return locked
