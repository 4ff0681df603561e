from django.db import models

from multichannel.current_request import current_client_ip
from multichannel.models import Action, AuditEntry, Customer, Outcome


def record(
    action: Action,
    *,
    actor=None,
    partner=None,
    target: models.Model | None = None,
    target_label: str = "",
    actor_label: str = "",
    old: dict | None = None,
    new: dict | None = None,
    customer=None,
    outcome: Outcome = Outcome.SUCCESS,
) -> AuditEntry:
    """Append one activity-log entry. Call it inside the transaction that makes the change.

    `actor_label` names who acted when no signed-in user did (the demo loader, a sign-in form).

    The entry belongs to the actor's partner. A platform operator belongs to none: what they do
    to a partner's data passes that `partner`, and their entries say they were an operator."""
    action = Action(action)
    if actor is not None:
        operator = actor.partner_id is None
        actor_label = f"{actor.email} (platform operator)" if operator else actor.email
        if partner is None:
            partner = actor.partner
    if customer is None and target is not None:
        customer = _customer_of(target)
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.model_name
        target_id = str(getattr(target, "uuid", target.pk))
        target_label = target_label or str(target)
    return AuditEntry.objects.create(
        partner=partner,
        actor=actor,
        actor_label=actor_label,
        customer=customer,
        action=action,
        category=action.category,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:255],
        old_values=old or {},
        new_values=new or {},
        outcome=outcome,
        ip_address=current_client_ip(),
    )


def _customer_of(target):

    if isinstance(target, Customer):
        return target
    if hasattr(target, "customer_id") and target.customer_id:
        return target.customer
    return None
