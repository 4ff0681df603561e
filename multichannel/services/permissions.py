"""Object permissions (django-guardian, direct foreign-key tables): the one place that grants and
revokes them. Role permissions say what a role deals with; object permissions say which objects
a partner's groups may see or manage."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from multichannel.models import Relationship, RelationshipRequest, RelationshipStatus
from multichannel.roles import ROLE_PERMISSIONS, Perm

# Holding a permission on the left implies holding the ones on the right.
IMPLIES = {"change": {"view"}}


def _with_implications(actions: set[str]) -> set[str]:
    result = set(actions)
    for action in actions:
        result |= IMPLIES.get(action, set())
    return result


def set_group_permissions(obj: models.Model, groups, actions: set[str]) -> None:
    """Make each of `groups` hold exactly `actions` (e.g. {"view", "change"}) on `obj`."""
    model = get_group_obj_perms_model(obj)
    content_type = ContentType.objects.get_for_model(obj)
    name = obj._meta.model_name
    wanted_codenames = {f"{action}_{name}" for action in _with_implications(actions)}
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type=content_type, codename__in=[f"{a}_{name}" for a in ("view", "change")]
        )
    }
    wanted = {permissions[c].pk for c in wanted_codenames}
    group_ids = [group.pk for group in groups]
    model.objects.filter(content_object=obj, group_id__in=group_ids).exclude(
        permission_id__in=wanted
    ).delete()
    held = set(
        model.objects.filter(content_object=obj, group_id__in=group_ids).values_list(
            "group_id", "permission_id"
        )
    )
    model.objects.bulk_create(
        model(content_object=obj, group_id=group_id, permission_id=permission_id)
        for group_id in group_ids
        for permission_id in wanted
        if (group_id, permission_id) not in held
    )


def groups_holding(partner, permission: str) -> list[Group]:
    """The partner's role groups whose role carries `permission`."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
    return list(Group.objects.filter(role_group__partner=partner, role_group__role__in=roles))


def set_user_permissions(obj: models.Model, user, actions: set[str]) -> None:
    """Make `user` hold exactly `actions` on `obj` (direct foreign-key user table)."""
    model = get_user_obj_perms_model(obj)
    name = obj._meta.model_name
    wanted_codenames = {f"{action}_{name}" for action in _with_implications(actions)}
    content_type = ContentType.objects.get_for_model(obj)
    wanted = set(
        Permission.objects.filter(
            content_type=content_type, codename__in=wanted_codenames
        ).values_list("pk", flat=True)
    )
    model.objects.filter(content_object=obj, user=user).exclude(permission_id__in=wanted).delete()
    held = set(
        model.objects.filter(content_object=obj, user=user).values_list("permission_id", flat=True)
    )
    model.objects.bulk_create(
        model(content_object=obj, user=user, permission_id=pk) for pk in wanted - held
    )


def customer_groups(partner) -> list[Group]:
    """The partner's role groups that deal with customers (Global admin and Sales agent)."""
    return groups_holding(partner, Perm.VIEW_CUSTOMERS)


def grant_transfer_access(transfer) -> None:
    """Both partners see a transfer; the target's groups may also change (cancel) it. What the
    source may do (accept, decline) is its Global admins' role, checked on the source side."""
    set_group_permissions(
        transfer, groups_holding(transfer.target_partner, Perm.VIEW_TRANSFERS), {"change"}
    )
    set_group_permissions(
        transfer, groups_holding(transfer.source_partner, Perm.VIEW_TRANSFERS), {"view"}
    )


def refresh_customer_access(customer, partner) -> None:
    """Give `partner` what its relationship with `customer` allows: see and manage the customer
    while a reseller relationship is active; see the profile of a tenant it added itself while
    its relationship request is pending; nothing otherwise.

    (A pending relationship request to a tenant someone else added shows the partner only what it
    typed into the request, not the tenant's profile:
    knowing a domain is not a reason to see it.)"""

    active = Relationship.objects.filter(
        partner=partner, customer=customer, status=RelationshipStatus.ACTIVE
    ).exists()
    if active:
        actions = {"view", "change"}
    elif (
        customer.created_by_partner_id == partner.pk
        and RelationshipRequest.objects.open().filter(partner=partner, customer=customer).exists()
    ):
        actions = {"view"}
    else:
        actions = set()
    set_group_permissions(customer, customer_groups(partner), actions)
