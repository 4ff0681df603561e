from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from multichannel.models import Partner, RoleGroup
from multichannel.roles import ROLE_PERMISSIONS, Role


def _permissions(names: frozenset[str]) -> list[Permission]:
    if not names:
        return []
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


@transaction.atomic
def sync_role_groups(partner: Partner) -> None:
    """Give `partner` one group per role holding exactly that role's permissions."""
    for role in Role:
        role_group = (
            RoleGroup.objects.select_related("group").filter(partner=partner, role=role).first()
        )
        if role_group is None:
            group, _ = Group.objects.get_or_create(name=f"partner-{partner.partner_id}:{role}")
            role_group = RoleGroup.objects.create(group=group, partner=partner, role=role)
        role_group.group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))


def sync_all_role_groups() -> None:
    for partner in Partner.objects.all():
        sync_role_groups(partner)
