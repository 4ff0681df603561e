"""Partners: a new partner with its first Global admin (a platform operator's task, from the
Django admin), and role groups kept in line with roles.py."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from multichannel import operators
from multichannel.models import Action, Cloud, Partner, RoleGroup, User
from multichannel.roles import ROLE_PERMISSIONS, Role
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.users import (
    EMAIL_TAKEN,
    AccessDelivery,
    AccessGiven,
    RoleGroupLookup,
    email_link_after_commit,
    give_access,
)

PARTNER_ID_TAKEN = "A partner with this partner ID already exists."


@dataclass(frozen=True)
class PartnerCreated:
    partner: Partner
    global_admin: AccessGiven


def create_partner(
    *,
    by: User,
    name: str,
    partner_id: str,
    country: str,
    cloud: str,
    admin_full_name: str,
    admin_email: str,
    delivery: AccessDelivery,
) -> PartnerCreated:
    """A partner, its role groups and its first Global admin, who gets a one-time password or
    an emailed set-password link as a user added in the portal does; one activity entry, with
    the operator as actor, in the new partner's log. Two operators entering the same partner ID
    or email at once: the database's unique constraints let one through, the other is told."""
    delivery = AccessDelivery(delivery)
    email = User.objects.normalize_email(admin_email).strip().lower()
    admin_full_name = admin_full_name.strip()
    if not admin_full_name:
        raise RuleViolation("Enter the Global admin's full name.", field="admin_full_name")
    with transaction.atomic():
        operator = User.objects.get(pk=by.pk)
        operators.require(operator, operators.CREATE_PARTNERS)
        partner = Partner(name=name.strip(), partner_id=partner_id.strip(), country=country)
        partner.cloud = cloud
        if Partner.objects.filter(partner_id=partner.partner_id).exists():
            raise RuleViolation(PARTNER_ID_TAKEN, field="partner_id")
        if User.objects.filter(email__iexact=email).exists():
            raise RuleViolation(EMAIL_TAKEN, field="admin_email")
        try:
            partner.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise RuleViolation(messages[0], field=field) from error
        try:
            with transaction.atomic():
                partner.save()  # the role groups follow (signals.py)
        except IntegrityError as exc:
            raise RuleViolation(PARTNER_ID_TAKEN, field="partner_id") from exc
        admin = User(partner=partner, full_name=admin_full_name, email=email)
        password = give_access(admin, delivery)
        try:
            with transaction.atomic():
                admin.full_clean(
                    exclude=["password"], validate_unique=False, validate_constraints=False
                )
                admin.save()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise RuleViolation(messages[0], field=f"admin_{field}") from error
        except IntegrityError as exc:
            raise RuleViolation(EMAIL_TAKEN, field="admin_email") from exc
        admin.groups.set(RoleGroupLookup(partner).groups({Role.GLOBAL_ADMIN}))
        email_link_after_commit(admin, delivery)
        record(
            Action.PARTNER_CREATED,
            actor=operator,
            partner=partner,
            target=partner,
            new={
                "name": partner.name,
                "partner_id": partner.partner_id,
                "country": partner.country.name,
                "cloud": Cloud(partner.cloud).label,
                "global_admin": f"{admin.full_name} <{admin.email}>",
                "access": delivery.label,
            },
        )
    return PartnerCreated(partner, AccessGiven(admin, password))


def _permission_ids() -> dict[Role, set[int]]:
    """Each role's permissions (roles.py) by id, read in one query."""
    names = frozenset().union(*ROLE_PERMISSIONS.values())
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    ids = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(query).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    return {role: {ids[name] for name in ROLE_PERMISSIONS[role] if name in ids} for role in Role}


@transaction.atomic
def sync_role_groups(partner: Partner) -> None:
    """Give `partner` one group per role holding exactly that role's permissions. A fixed number
    of queries whatever the number of roles: a new partner's groups are made within a request."""
    groups = dict(RoleGroup.objects.filter(partner=partner).values_list("role", "group_id"))
    missing = {role: f"partner-{partner.partner_id}:{role}" for role in Role if role not in groups}
    if missing:
        named = Group.objects.filter(name__in=missing.values())
        have = set(named.values_list("name", flat=True))
        Group.objects.bulk_create(
            [Group(name=name) for name in missing.values() if name not in have]
        )
        ids = dict(named.values_list("name", "pk"))
        RoleGroup.objects.bulk_create(
            [
                RoleGroup(group_id=ids[name], partner=partner, role=role)
                for role, name in missing.items()
            ]
        )
        groups.update({role: ids[name] for role, name in missing.items()})
    wanted = {
        (groups[role], permission_id)
        for role, permission_ids in _permission_ids().items()
        for permission_id in permission_ids
    }
    through = Group.permissions.through
    held = {
        (group_id, permission_id): pk
        for pk, group_id, permission_id in through.objects.filter(
            group_id__in=groups.values()
        ).values_list("pk", "group_id", "permission_id")
    }
    stale = [pk for pair, pk in held.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    through.objects.bulk_create(
        [
            through(group_id=group_id, permission_id=permission_id)
            for group_id, permission_id in wanted - held.keys()
        ]
    )


def sync_all_role_groups() -> None:
    for partner in Partner.objects.all():
        sync_role_groups(partner)
