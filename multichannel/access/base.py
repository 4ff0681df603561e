"""What every area's access rules share: role checks, the `Check` answer, and the subqueries on
django-guardian's object-permission tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery

from multichannel.models import CustomerGroupObjectPermission, User
from multichannel.roles import Role, roles_granting
from multichannel.services.errors import RuleViolation


def join_roles(roles: list[Role]) -> str:
    labels = [role.label for role in roles]
    if not labels:
        return "a role this partner does not have"
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


class RoleRequired(PermissionDenied):
    """The signed-in user lacks the role this needs. Rendered as a 403 page naming the roles."""

    def __init__(self, permission: str, message: str | None = None):
        self.permission = permission
        self.roles = roles_granting(permission)
        self.message = message or f"This needs the {join_roles(self.roles)} role."
        super().__init__(self.message)


def is_portal_user(user) -> bool:
    """A signed-in, active partner employee (superusers without a partner use the admin)."""
    return bool(user.is_authenticated and user.is_active and user.partner_id)


def has(user, permission: str) -> bool:
    return is_portal_user(user) and user.has_perm(permission)


def require(user, permission: str, message: str | None = None) -> None:
    if not has(user, permission):
        raise RoleRequired(permission, message)


@dataclass(frozen=True)
class Check:
    """May the user do it? If not, why, and whether a role (403) or a rule (message) says no."""

    allowed: bool
    reason: str = ""
    permission: str | None = None

    def __bool__(self) -> bool:
        return self.allowed

    def enforce_role(self) -> None:
        """Raise only when a role is missing (403); a rule's refusal is for the page to explain."""
        if not self.allowed and self.permission:
            self.enforce()

    def enforce(self) -> None:
        if self.allowed:
            return
        if self.permission:
            raise RoleRequired(self.permission, self.reason)
        raise RuleViolation(self.reason)


ALLOWED = Check(True)


def _missing(permission: str, reason: str | None = None) -> Check:
    return Check(False, reason or RoleRequired(permission).message, permission)


# Object permissions (django-guardian) say which objects a partner's groups hold. Lists filter
# through one subquery on the permission table, never a Python list of ids.


def _permission_id(codename: str):
    """The permission's id, as a scalar subquery (computed once per query by the database)."""
    return Subquery(
        Permission.objects.filter(codename=codename, content_type__app_label="multichannel")
        .order_by()
        .values("pk")[:1]
    )


def _granted(table, user, codename: str):
    """Ids of the objects `user`'s groups hold `codename` on: one subquery on a guardian table,
    shaped so that the database reads its (group, permission, object) index directly."""
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    return table.objects.filter(group_id__in=groups, permission_id=_permission_id(codename)).values(
        "content_object_id"
    )


def _granted_customers(user, action: str):
    return _granted(CustomerGroupObjectPermission, user, f"{action}_customer")
