"""The three partner roles and the permissions each one carries.

This is the only place that maps roles to permissions. Each partner has one group per role
(`RoleGroup`), holding exactly the permissions listed here; `sync_role_groups()` keeps them so.
Views and templates ask for a *permission* (see `Perm`), never for a role by name; the 403 page
asks `roles_granting()` which roles would have let the user in.
"""

from django.db import models


class Role(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", "Global admin"
    USER_MANAGEMENT_ADMIN = "user_management_admin", "User management admin"
    SALES_AGENT = "sales_agent", "Sales agent"


class Perm:
    """Permission names ("app_label.codename") the portal checks."""

    VIEW_USERS = "multichannel.view_user"
    ADD_USERS = "multichannel.add_user"
    CHANGE_USERS = "multichannel.change_user"
    MANAGE_GLOBAL_ADMINS = "multichannel.manage_global_admins"
    CHANGE_PARTNER_SETTINGS = "multichannel.change_partner"  # e.g. require multi-factor sign-in
    VIEW_ACTIVITY = "multichannel.view_auditentry"
    VIEW_ALL_ACTIVITY = "multichannel.view_all_auditentries"
    VIEW_CUSTOMERS = "multichannel.view_customer"
    ADD_CUSTOMERS = "multichannel.add_customer"
    VIEW_SUBSCRIPTIONS = "multichannel.view_subscription"
    ADD_SUBSCRIPTIONS = "multichannel.add_subscription"
    CHANGE_SUBSCRIPTIONS = "multichannel.change_subscription"
    VIEW_REQUESTS = "multichannel.view_relationshiprequest"
    ADD_REQUESTS = "multichannel.add_relationshiprequest"
    CHANGE_REQUESTS = "multichannel.change_relationshiprequest"
    REMOVE_RELATIONSHIPS = "multichannel.remove_relationship"
    VIEW_ONBOARDINGS = "multichannel.view_azureonboarding"
    ONBOARD_AZURE = "multichannel.change_azureonboarding"
    VIEW_MOVES = "multichannel.view_plannedmove"
    PLAN_MOVES = "multichannel.change_plannedmove"
    VIEW_TRANSFERS = "multichannel.view_transferrequest"
    REQUEST_TRANSFERS = "multichannel.add_transferrequest"
    ACCEPT_TRANSFERS = "multichannel.accept_transferrequest"
    VIEW_SUPPORT = "multichannel.view_supportrequest"
    FILE_SUPPORT = "multichannel.add_supportrequest"
    FOLLOW_SUPPORT = "multichannel.change_supportrequest"
    VIEW_ALL_SUPPORT = "multichannel.view_all_supportrequests"


_USER_MANAGEMENT = frozenset(
    {Perm.VIEW_USERS, Perm.ADD_USERS, Perm.CHANGE_USERS, Perm.VIEW_ACTIVITY}
)

_SALES = frozenset(
    {
        Perm.VIEW_CUSTOMERS,
        Perm.ADD_CUSTOMERS,
        Perm.VIEW_SUBSCRIPTIONS,
        Perm.ADD_SUBSCRIPTIONS,
        Perm.CHANGE_SUBSCRIPTIONS,
        Perm.VIEW_REQUESTS,
        Perm.ADD_REQUESTS,
        Perm.CHANGE_REQUESTS,
        Perm.VIEW_ONBOARDINGS,
        Perm.ONBOARD_AZURE,
        Perm.VIEW_MOVES,
        Perm.PLAN_MOVES,
        Perm.VIEW_TRANSFERS,
        Perm.REQUEST_TRANSFERS,
        Perm.VIEW_SUPPORT,
        Perm.FILE_SUPPORT,
        Perm.FOLLOW_SUPPORT,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.GLOBAL_ADMIN: _USER_MANAGEMENT
    | _SALES
    | {
        Perm.MANAGE_GLOBAL_ADMINS,
        Perm.CHANGE_PARTNER_SETTINGS,
        Perm.VIEW_ALL_ACTIVITY,
        Perm.REMOVE_RELATIONSHIPS,
        Perm.ACCEPT_TRANSFERS,
        Perm.VIEW_ALL_SUPPORT,
    },
    Role.USER_MANAGEMENT_ADMIN: _USER_MANAGEMENT,
    Role.SALES_AGENT: _SALES,
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.GLOBAL_ADMIN: "Everything, including other Global admins and the whole activity log.",
    Role.USER_MANAGEMENT_ADMIN: "Users and their roles, except Global admins.",
    Role.SALES_AGENT: "Customers, subscriptions, relationship requests, switches and support.",
}

# How each role's badge looks (Bootstrap "text-bg-*" colour names).
ROLE_BADGES: dict[Role, str] = {
    Role.GLOBAL_ADMIN: "danger",
    Role.USER_MANAGEMENT_ADMIN: "warning",
    Role.SALES_AGENT: "primary",
}


def roles_granting(permission: str) -> list[Role]:
    """The roles whose holders have `permission`, in the order the roles are declared."""
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def all_permissions() -> frozenset[str]:
    return frozenset().union(*ROLE_PERMISSIONS.values())
