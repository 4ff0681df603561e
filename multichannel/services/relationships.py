"""Reseller relationships: requesting one (the invitation), the customer's answer, removal.

Rules 5 to 9 of DESIGN: the link is unguessable, stored only as a hash, single use, 90 days; the
email text is editable but the link is not; acceptance happens on a public page; delegated admin
roles last 1 to 730 days; a partner and its customers share a cloud; US Government partners always
ask for delegated admin roles; a relationship is removed only when we hold nothing live for it.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from multichannel import access, notifications
from multichannel.models import (
    Action,
    Cloud,
    Customer,
    Partner,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
    Subscription,
    User,
)
from multichannel.models.requests import DELEGATED_ADMIN_ROLES, INVITATION_LIFETIME
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fresh_actor
from multichannel.services.permissions import refresh_customer_access


def default_email_text(
    partner: Partner, company_name: str, roles: list[str], days: int | None
) -> str:
    lines = [
        "Hello,",
        "",
        f"{partner.name} would like to become the reseller for {company_name}'s Microsoft cloud "
        "subscriptions, so that we can provision and support them for you.",
        "",
        "A Global admin of your organisation can review and accept the request at the link below.",
    ]
    if roles:
        lines += [
            "",
            f"We also ask for these delegated admin roles, for {days} days: {', '.join(roles)}.",
        ]
    lines += ["", "Kind regards,", partner.name]
    return "\n".join(lines)


def check_request(
    partner: Partner, customer: Customer | None, roles: list[str], days: int | None
) -> None:
    """Rules that decide whether a request may be made at all (7, 9)."""
    check_cloud(partner, customer)
    check_roles(partner, roles, days)


def check_cloud(partner: Partner, customer: Customer | None) -> None:
    """Rule 9: a partner and its customers are in the same cloud."""
    if customer is not None and customer.cloud != partner.cloud:
        raise RuleViolation(
            f"{partner.name} works in the {partner.get_cloud_display()} cloud and this customer "
            f"is in the {customer.get_cloud_display()} cloud; a partner and its customers must "
            "be in the same cloud.",
            field="domain",
        )


def check_roles(partner: Partner, roles: list[str], days: int | None) -> None:
    """Rules 7 and 9: 1 to 730 days; US Government partners always ask for roles."""
    if partner.cloud == Cloud.US_GOVERNMENT and not roles:
        raise RuleViolation(
            "US Government partners always include delegated admin roles in an invitation.",
            field="delegated_admin_roles",
        )
    unknown = [role for role in roles if role not in DELEGATED_ADMIN_ROLES]
    if unknown:
        raise RuleViolation(f"Unknown role: {', '.join(unknown)}.", field="delegated_admin_roles")
    if roles and not (days and 1 <= days <= 730):
        raise RuleViolation(
            "Delegated admin roles last from 1 to 730 days.", field="delegated_admin_days"
        )


def find_tenant(domain: str) -> Customer | None:
    return Customer.objects.filter(primary_domain=domain.strip().lower().rstrip(".")).first()


def request_relationship(
    *,
    by: User,
    company_name: str,
    domain: str,
    contact_email: str,
    delegated_admin_roles: list[str],
    delegated_admin_days: int | None,
    email_text: str,
) -> RelationshipRequest:
    """Create a relationship request. The domain names the tenant: an existing one is invited; an
    unknown one is added to the portal for the partner, visible to it while the request is open."""
    domain = domain.strip().lower().rstrip(".")
    unknown = [role for role in delegated_admin_roles if role not in DELEGATED_ADMIN_ROLES]
    if unknown:
        raise RuleViolation(f"Unknown role: {', '.join(unknown)}.", field="delegated_admin_roles")
    roles = [role for role in DELEGATED_ADMIN_ROLES if role in set(delegated_admin_roles)]
    days = delegated_admin_days if roles else None
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_REQUESTS)
        access.require(actor, Perm.ADD_REQUESTS)
        partner = actor.partner
        if partner is None:  # a platform operator's account, not a partner's
            raise access.RoleRequired(Perm.ADD_REQUESTS)
        customer = (
            Customer.objects.select_for_update(no_key=True).filter(primary_domain=domain).first()
        )
        check_request(partner, customer, roles, days)
        if customer is None:
            customer = _new_tenant(partner, company_name, domain, contact_email)
            check_cloud(partner, customer)
        _refuse_duplicates(partner, customer, roles)
        now = timezone.now()
        relationship_request = RelationshipRequest(
            partner=partner,
            customer=customer,
            company_name=company_name.strip(),
            domain=domain,
            contact_email=contact_email.strip().lower(),
            created_by=actor,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
            email_text=email_text.strip(),
            delegated_admin_roles=roles,
            delegated_admin_days=days,
            token_nonce=secrets.token_hex(16),
        )
        relationship_request.token_hash = RelationshipRequest.hash_token(
            relationship_request.token()
        )
        relationship_request.save()
        refresh_customer_access(customer, partner)
        record(
            Action.REQUEST_CREATED,
            actor=actor,
            target=relationship_request,
            customer=customer,
            new={
                "customer": relationship_request.company_name,
                "domain": domain,
                "contact": relationship_request.contact_email,
                "delegated_admin_roles": roles,
                "days": days,
            },
        )
    return relationship_request


def _new_tenant(partner: Partner, company_name: str, domain: str, contact_email: str) -> Customer:
    """Add the tenant an invitation names; if another request added it a moment ago, use it."""
    try:
        with transaction.atomic():
            return Customer.objects.create(
                tenant_id=uuid.uuid4(),
                company_name=company_name.strip(),
                primary_domain=domain,
                country="",  # not ours to guess: the request does not ask it
                cloud=partner.cloud,
                contact_email=contact_email.strip().lower(),
                created_by_partner=partner,
            )
    except IntegrityError:
        return Customer.objects.select_for_update(no_key=True).get(primary_domain=domain)


def _refuse_duplicates(partner: Partner, customer: Customer, roles: list[str]) -> None:
    open_request = RelationshipRequest.objects.open().filter(partner=partner, customer=customer)
    if open_request.exists():
        raise RuleViolation(
            "An invitation to this customer is already waiting for an answer; resend it or "
            "revoke it first.",
            field="domain",
        )
    active = Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).exists()
    if active and not roles:
        raise RuleViolation(
            "We already have an active reseller relationship with this customer; ask for "
            "delegated admin roles if that is what you need.",
            field="delegated_admin_roles",
        )


def _locked_pending(
    by: User, relationship_request: RelationshipRequest, refusal: str
) -> tuple[User, RelationshipRequest]:
    """The actor as it is now and the request, locked; refused unless still pending.
    `refusal` is the message, with {status} for what the request is instead."""
    actor = fresh_actor(by, Perm.VIEW_REQUESTS)
    access.require(actor, Perm.CHANGE_REQUESTS)
    locked = RelationshipRequest.objects.select_for_update(no_key=True).get(
        pk=relationship_request.pk, partner_id=actor.partner_id
    )
    status = locked.current_status()
    if status != RequestStatus.PENDING:
        raise RuleViolation(refusal.format(status=RequestStatus(status).label.lower()))
    return actor, locked


RESEND_AFTER = timedelta(seconds=30)


def send_request(*, by: User, relationship_request: RelationshipRequest) -> RelationshipRequest:
    """Email the invitation (again) to the contact, after the transaction commits."""
    with transaction.atomic():
        actor, locked = _locked_pending(
            by, relationship_request, "It is {status}; it cannot be sent."
        )
        now = timezone.now()
        if locked.last_sent_at and now - locked.last_sent_at < RESEND_AFTER:  # a double click
            raise RuleViolation(
                f"It was sent to {locked.contact_email} a moment ago. Wait half a minute before "
                "sending it again."
            )
        locked.last_sent_at = now
        locked.send_count += 1
        locked.save(update_fields=["last_sent_at", "send_count"])
        notifications.after_commit(notifications.send_invitation, locked.pk)
        record(
            Action.REQUEST_SENT,
            actor=actor,
            target=locked,
            customer=locked.customer,
            new={"to": locked.contact_email, "times": locked.send_count},
        )
    return locked


def revoke_request(*, by: User, relationship_request: RelationshipRequest) -> RelationshipRequest:
    with transaction.atomic():
        actor, locked = _locked_pending(by, relationship_request, "It is already {status}.")
        locked.status = RequestStatus.REVOKED
        locked.revoked_by = actor
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "revoked_by", "responded_at"])
        refresh_customer_access(locked.customer, actor.partner)
        record(
            Action.REQUEST_REVOKED,
            actor=actor,
            target=locked,
            customer=locked.customer,
            old={"status": "pending"},
            new={"status": "revoked"},
        )
    return locked


# --- The customer's answer (public page, no partner sign-in) --------------------------------


class InvitationLinkProblem(Exception):
    """The link cannot be used; `status` is the HTTP status the page answers with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def link_hash(token: str | None) -> str | None:
    """What the answer page keeps of a link while the customer answers: its hash, never the
    token itself (rule 5)."""
    return RelationshipRequest.hash_token(token) if token else None


def find_request_by_link(
    token: str | None = None, *, token_hash: str | None = None
) -> RelationshipRequest:
    """The open relationship request behind an invitation link (its token, or the token's
    hash), or an `InvitationLinkProblem` saying why not."""
    token_hash = token_hash or link_hash(token)
    if not token_hash:
        raise InvitationLinkProblem("This invitation link is not valid.", 404)
    relationship_request = (
        RelationshipRequest.objects.select_related("partner", "customer")
        .filter(token_hash=token_hash)
        .first()
    )
    if relationship_request is None:
        raise InvitationLinkProblem("This invitation link is not valid.", 404)
    _ensure_open(relationship_request)
    return relationship_request


def _ensure_open(relationship_request: RelationshipRequest) -> None:
    status = relationship_request.current_status()
    if status == RequestStatus.PENDING:
        return
    partner = relationship_request.partner.name
    messages = {
        RequestStatus.ACCEPTED: "This invitation has already been accepted; nothing more to do.",
        RequestStatus.DECLINED: "This invitation was declined; it cannot be used again.",
        RequestStatus.REVOKED: f"{partner} has withdrawn this invitation.",
        RequestStatus.EXPIRED: f"This invitation has expired. Ask {partner} to send a new one.",
    }
    raise InvitationLinkProblem(messages[status], 410)


@dataclass(frozen=True)
class Answer:
    name: str
    email: str


def in_tenant(email: str, domain: str) -> bool:
    """Rule 6: the address is in the customer tenant's domain (or one of its subdomains)."""
    email = email.strip().lower()
    return email.endswith("@" + domain) or email.endswith("." + domain)


def check_answer(relationship_request: RelationshipRequest, answer: Answer) -> Answer:
    """The answer as it is recorded, or a RuleViolation beside its field."""
    name, email = answer.name.strip(), answer.email.strip().lower()
    if not name:
        raise RuleViolation("Enter your name.", field="name")
    domain = relationship_request.customer.primary_domain
    if not in_tenant(email, domain):
        raise RuleViolation(
            f"Use your email address in {domain}: accepting is for an admin of that tenant.",
            field="email",
        )
    return Answer(name, email)


def _locked_open(
    token: str | None, token_hash: str | None, answer: Answer
) -> tuple[RelationshipRequest, Answer]:
    """The relationship request behind the link, locked, still open (someone may have answered
    while we waited for the lock), and the answer checked against its tenant."""
    relationship_request = find_request_by_link(token, token_hash=token_hash)
    locked = (
        RelationshipRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship_request.pk)
    )
    _ensure_open(locked)
    return locked, check_answer(locked, answer)


def accept_request(
    *, token: str | None = None, token_hash: str | None = None, answer: Answer
) -> RelationshipRequest:
    """The customer's Global admin accepts: the relationship starts (or gains its delegated
    admin roles), the partner gains access, the requester is told. Twice is once. The link is
    named by its token or the token's hash."""
    with transaction.atomic():
        locked, answer = _locked_open(token, token_hash, answer)
        now = timezone.now()
        relationship = (
            Relationship.objects.select_for_update(no_key=True)
            .filter(
                partner=locked.partner, customer=locked.customer, status=RelationshipStatus.ACTIVE
            )
            .first()
        )
        if relationship is None:
            relationship = Relationship(
                partner=locked.partner,
                customer=locked.customer,
                status=RelationshipStatus.ACTIVE,
                started_at=now,
                created_by=locked.created_by,
            )
        relationship.accepted_by_name = answer.name
        relationship.accepted_by_email = answer.email
        relationship.accepted_at = now
        relationship.customer_agreement_accepted_at = (
            relationship.customer_agreement_accepted_at or now
        )
        if locked.delegated_admin_roles:
            relationship.delegated_admin_roles = locked.delegated_admin_roles
            relationship.delegated_admin_until = locked.delegated_admin_until(now.date())
        relationship.save()
        locked.status = RequestStatus.ACCEPTED
        locked.responded_at = now
        locked.accepted_by_name, locked.accepted_by_email = answer.name, answer.email
        locked.save(
            update_fields=["status", "responded_at", "accepted_by_name", "accepted_by_email"]
        )
        customer = locked.customer
        if not customer.contact_name:
            customer.contact_name = answer.name
            customer.save(update_fields=["contact_name"])
        refresh_customer_access(customer, locked.partner)
        notifications.after_commit(notifications.send_request_answered, locked.pk)
        record(
            Action.REQUEST_ACCEPTED,
            partner=locked.partner,
            actor_label=f"{answer.name} <{answer.email}> (customer)",
            target=locked,
            customer=customer,
            new={
                "relationship": "active",
                "delegated_admin_roles": relationship.delegated_admin_roles,
                "until": relationship.delegated_admin_until,
            },
        )
    return locked


def decline_request(
    *, token: str | None = None, token_hash: str | None = None, answer: Answer
) -> RelationshipRequest:
    with transaction.atomic():
        locked, answer = _locked_open(token, token_hash, answer)
        locked.status = RequestStatus.DECLINED
        locked.responded_at = timezone.now()
        locked.accepted_by_name, locked.accepted_by_email = answer.name, answer.email
        locked.save(
            update_fields=["status", "responded_at", "accepted_by_name", "accepted_by_email"]
        )
        refresh_customer_access(locked.customer, locked.partner)
        notifications.after_commit(notifications.send_request_answered, locked.pk)
        record(
            Action.REQUEST_DECLINED,
            partner=locked.partner,
            actor_label=f"{answer.name} <{answer.email}> (customer)",
            target=locked,
            customer=locked.customer,
        )
    return locked


def expire_requests(now: datetime | None = None) -> int:
    """Mark pending invitations past their 90 days as expired (run by cron or a scheduler)."""
    now = now or timezone.now()
    count = 0
    due = RelationshipRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            locked = (
                RelationshipRequest.objects.select_for_update(
                    no_key=True, skip_locked=True, of=("self",)
                )
                .select_related("partner", "customer")
                .filter(pk=pk, status=RequestStatus.PENDING, expires_at__lte=now)
                .first()
            )
            if locked is None:
                continue
            locked.status = RequestStatus.EXPIRED
            locked.save(update_fields=["status"])
            refresh_customer_access(locked.customer, locked.partner)
            record(
                Action.REQUEST_EXPIRED,
                partner=locked.partner,
                actor_label="Scheduled expiry",
                target=locked,
                customer=locked.customer,
                old={"status": "pending"},
                new={"status": "expired"},
            )
            count += 1
    return count


# --- Removing a relationship -----------------------------------------------------------------


def live_subscriptions_we_hold(partner_id: int, customer: Customer) -> list[Subscription]:
    return list(
        Subscription.objects.live()
        .held_by(partner_id)
        .filter(customer=customer)
        .order_by("offer_name")
    )


def lock_active_relationship(partner_id: int | None, customer_id: int) -> Relationship | None:
    """The partner's active reseller relationship with the customer, locked until the
    transaction ends, or None when there is none. Removing it takes this lock before it checks
    what we hold (rule 8); whatever would make us hold more, or ask for more, takes it too, so
    the two wait for each other instead of both passing their checks at the same moment."""
    return (
        Relationship.objects.select_for_update(no_key=True)
        # A user without a partner (None) has no relationship: the filter finds nothing.
        .filter(  # type: ignore[misc]
            partner_id=partner_id, customer_id=customer_id, status=RelationshipStatus.ACTIVE
        )
        .first()
    )


def remove_relationship(*, by: User, customer: Customer) -> Relationship:
    """Rule 8: only when the customer has no live subscription with us as partner of record;
    removing it removes our access to the customer."""
    with transaction.atomic():
        actor = fresh_actor(by, Perm.VIEW_REQUESTS)
        access.require(actor, Perm.REMOVE_RELATIONSHIPS)
        partner_id = actor.partner_id
        if partner_id is None:  # a platform operator's account, not a partner's
            raise access.RoleRequired(Perm.REMOVE_RELATIONSHIPS)
        relationship = lock_active_relationship(partner_id, customer.pk)
        if relationship is None:
            raise RuleViolation("There is no active reseller relationship to remove.")
        held = live_subscriptions_we_hold(partner_id, customer)
        if held:
            raise RuleViolation(
                "Cancel or transfer what we hold for this customer first: "
                + ", ".join(s.offer_name for s in held)
                + "."
            )
        relationship.status = RelationshipStatus.REMOVED
        relationship.removed_at = timezone.now()
        relationship.removed_by = actor
        relationship.save(update_fields=["status", "removed_at", "removed_by"])
        refresh_customer_access(customer, actor.partner)
        record(
            Action.RELATIONSHIP_REMOVED,
            actor=actor,
            target=customer,
            old={"relationship": "active"},
            new={"relationship": "removed"},
        )
    return relationship
