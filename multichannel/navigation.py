"""What the page chrome shows: the navigation and the `can` flags templates ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from multichannel.access.base import has, is_portal_user
from multichannel.roles import Perm
from multichannel.urlutils import page_url

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from multichannel.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str | None = None
    section: str = ""
    children: tuple = field(default_factory=tuple)

    @property
    def url(self) -> str:
        return page_url(self.url_name)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home", "house", section="home"),
    NavItem("Customers", "customers:list", "buildings", Perm.VIEW_CUSTOMERS, section="customers"),
    NavItem(
        "Subscriptions",
        "subscriptions:list",
        "box-seam",
        Perm.VIEW_SUBSCRIPTIONS,
        section="subscriptions",
    ),
    NavItem(
        "Requests",
        "relationship_requests:list",
        "envelope-paper",
        Perm.VIEW_REQUESTS,
        section="relationships",
    ),
    NavItem(
        "Moves",
        "onboardings:list",
        "arrow-left-right",
        Perm.VIEW_ONBOARDINGS,
        section="moves",
    ),
    NavItem(
        "Transfers",
        "transfers:list",
        "arrow-repeat",
        Perm.VIEW_TRANSFERS,
        section="transfers",
    ),
    NavItem("Support", "support:list", "life-preserver", Perm.VIEW_SUPPORT, section="support"),
    NavItem("Users", "users:list", "people", Perm.VIEW_USERS, section="users"),
    NavItem(
        "Activity log", "activity:list", "journal-text", Perm.VIEW_ACTIVITY, section="activity"
    ),
)


def navigation(user: User | AnonymousUser) -> list[NavItem]:
    if not is_portal_user(user):
        return []
    return [item for item in NAVIGATION if item.permission is None or has(user, item.permission)]


CAPABILITIES = {
    "view_users": Perm.VIEW_USERS,
    "add_users": Perm.ADD_USERS,
    "change_users": Perm.CHANGE_USERS,
    "manage_global_admins": Perm.MANAGE_GLOBAL_ADMINS,
    "view_activity": Perm.VIEW_ACTIVITY,
    "view_all_activity": Perm.VIEW_ALL_ACTIVITY,
    "view_customers": Perm.VIEW_CUSTOMERS,
    "add_customers": Perm.ADD_CUSTOMERS,
    "view_subscriptions": Perm.VIEW_SUBSCRIPTIONS,
    "add_subscriptions": Perm.ADD_SUBSCRIPTIONS,
    "view_requests": Perm.VIEW_REQUESTS,
    "add_requests": Perm.ADD_REQUESTS,
    "remove_relationships": Perm.REMOVE_RELATIONSHIPS,
    "onboard_azure": Perm.ONBOARD_AZURE,
    "plan_moves": Perm.PLAN_MOVES,
    "request_transfers": Perm.REQUEST_TRANSFERS,
    "accept_transfers": Perm.ACCEPT_TRANSFERS,
    "file_support": Perm.FILE_SUPPORT,
    "view_all_support": Perm.VIEW_ALL_SUPPORT,
}


class Capabilities:
    """`{% if can.add_users %}` in templates: the same question `has()` answers in views."""

    def __init__(self, user: User | AnonymousUser) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        try:
            permission = CAPABILITIES[name]
        except KeyError:
            raise AttributeError(name) from None
        return has(self._user, permission)
