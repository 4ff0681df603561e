"""Who may see and do what. Every view, service and template asks this module.

- `has()` / `require()`: role permissions (model permissions held by the partner's role groups).
- `*_for(user)`: querysets narrowed to what the user may see; `get_*_for()` fetch one or 404.
  Another partner's object is simply not in the queryset, hence a 404.
- `Check`: the answer to "may this user do that to this object?", with the reason when not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Subquery
from django.shortcuts import get_object_or_404

from multichannel.models import (
    AuditEntry,
    AzureOnboarding,
    BillingType,
    Channel,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    PlannedMove,
    RelationshipRequest,
    RequestStatus,
    Subscription,
    SubscriptionStatus,
    SupportRequest,
    SupportStatus,
    SupportUserObjectPermission,
    TransferGroupObjectPermission,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.models.audit import Category
from multichannel.roles import Perm, Role, roles_granting
from multichannel.services.errors import RuleViolation
from multichannel.urlutils import page_url


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


# --- Users --------------------------------------------------------------------------------------


def users_for(viewer) -> QuerySet[User]:
    require(viewer, Perm.VIEW_USERS)
    return User.objects.filter(partner_id=viewer.partner_id)


def get_user_for(viewer, user_uuid) -> User:
    return get_object_or_404(users_for(viewer).with_roles(), uuid=user_uuid)


def active_global_admins(partner_id) -> QuerySet[User]:
    return User.objects.filter(partner_id=partner_id, is_active=True).holding(Role.GLOBAL_ADMIN)


def grantable_roles(actor) -> list[Role]:
    """The roles `actor` may give or take away."""
    if not has(actor, Perm.CHANGE_USERS):
        return []
    return [
        role for role in Role if role != Role.GLOBAL_ADMIN or has(actor, Perm.MANAGE_GLOBAL_ADMINS)
    ]


def can_change_user(actor, target: User) -> Check:
    if not has(actor, Perm.CHANGE_USERS):
        return _missing(Perm.CHANGE_USERS)
    if target.partner_id != actor.partner_id:
        return _missing(Perm.CHANGE_USERS, "That user belongs to another partner.")
    if target.has_role(Role.GLOBAL_ADMIN) and not has(actor, Perm.MANAGE_GLOBAL_ADMINS):
        return _missing(
            Perm.MANAGE_GLOBAL_ADMINS,
            "Only a Global admin can change a Global admin's account.",
        )
    return ALLOWED


def can_set_roles(actor, target: User, new_roles: set[Role]) -> Check:
    check = can_change_user(actor, target)
    if not check:
        return check
    touched = set(target.roles) ^ set(new_roles)
    if Role.GLOBAL_ADMIN in touched and not has(actor, Perm.MANAGE_GLOBAL_ADMINS):
        return _missing(Perm.MANAGE_GLOBAL_ADMINS, "Only a Global admin can grant or revoke it.")
    if Role.GLOBAL_ADMIN not in new_roles and target.is_active:
        return _unless_last_global_admin(target)
    return ALLOWED


def _unless_last_global_admin(target: User) -> Check:
    """Rule 2: a partner always keeps one active Global admin."""
    if (
        target.has_role(Role.GLOBAL_ADMIN)
        and not active_global_admins(target.partner_id).exclude(pk=target.pk).exists()
    ):
        return Check(
            False,
            f"{target} is the last active Global admin; make someone else a Global admin first.",
        )
    return ALLOWED


def can_deactivate(actor, target: User) -> Check:
    if not target.is_active:
        return Check(False, f"{target} is already deactivated.")
    if target.pk == actor.pk:
        return Check(False, "You cannot deactivate yourself; ask another admin.")
    check = can_change_user(actor, target)
    if not check:
        return check
    return _unless_last_global_admin(target)


def can_reactivate(actor, target: User) -> Check:
    if target.is_active:
        return Check(False, f"{target} is already active.")
    return can_change_user(actor, target)


def can_reset_password(actor, target: User) -> Check:
    if target.pk == actor.pk:
        return Check(False, "Change your own password from your account menu.")
    if not target.is_active:
        return Check(False, f"{target} is deactivated; reactivate the account first.")
    return can_change_user(actor, target)


@dataclass(frozen=True)
class UserActions:
    edit: Check
    deactivate: Check
    reactivate: Check
    reset_password: Check


def user_actions(actor, target: User) -> UserActions:
    return UserActions(
        edit=can_change_user(actor, target),
        deactivate=can_deactivate(actor, target),
        reactivate=can_reactivate(actor, target),
        reset_password=can_reset_password(actor, target),
    )


# --- Customers and subscriptions -------------------------------------------------------------
# Object permissions (django-guardian) say which customers a partner's groups hold: "view" to see
# the profile, "change" to manage it and see its subscriptions (an active reseller relationship).
# Lists filter through one subquery on the permission table, never a Python list of ids.


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


def customers_for(viewer) -> QuerySet[Customer]:
    require(viewer, Perm.VIEW_CUSTOMERS)
    return Customer.objects.filter(pk__in=_granted_customers(viewer, "view"))


def managed_customers_for(viewer) -> QuerySet[Customer]:
    """Customers with whom the viewer's partner has an active reseller relationship."""
    require(viewer, Perm.VIEW_CUSTOMERS)
    return Customer.objects.filter(pk__in=_granted_customers(viewer, "change"))


def get_customer_for(viewer, customer_uuid) -> Customer:
    return get_object_or_404(customers_for(viewer), uuid=customer_uuid)


def subscriptions_for(viewer) -> QuerySet[Subscription]:
    """Every subscription of the customers the partner manages, whatever the channel."""
    require(viewer, Perm.VIEW_SUBSCRIPTIONS)
    return Subscription.objects.filter(customer_id__in=_granted_customers(viewer, "change"))


def get_subscription_for(viewer, subscription_uuid) -> Subscription:
    return get_object_or_404(
        subscriptions_for(viewer).select_related("customer", "partner_of_record"),
        uuid=subscription_uuid,
    )


def manages_customer(viewer, customer: Customer) -> bool:
    return managed_customers_for(viewer).filter(pk=customer.pk).exists()


def can_add_customer(viewer) -> Check:
    return ALLOWED if has(viewer, Perm.ADD_CUSTOMERS) else _missing(Perm.ADD_CUSTOMERS)


def can_enter_subscription(viewer, customer: Customer, *, managed: bool | None = None) -> Check:
    if not has(viewer, Perm.ADD_SUBSCRIPTIONS):
        return _missing(Perm.ADD_SUBSCRIPTIONS)
    if managed is None:
        managed = manages_customer(viewer, customer)
    if not managed:
        return Check(
            False,
            f"We need an active reseller relationship with {customer} to enter its subscriptions.",
        )
    return ALLOWED


def can_manage_subscription(viewer, subscription: Subscription) -> Check:
    if not has(viewer, Perm.CHANGE_SUBSCRIPTIONS):
        return _missing(Perm.CHANGE_SUBSCRIPTIONS)
    if not subscription.held_by(viewer.partner_id):
        holder = (
            subscription.partner_of_record.name
            if subscription.partner_of_record_id
            else f"the customer's {subscription.get_channel_display()} channel"
        )
        return Check(False, f"Only the partner of record changes it; it is held by {holder}.")
    if not subscription.is_live:
        return Check(False, f"It is {subscription.get_status_display().lower()}.")
    return ALLOWED


def can_change_seats(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based subscriptions have no seats.")
    if check and subscription.status != SubscriptionStatus.ACTIVE:
        return Check(False, "Reactivate it before changing seats.")
    return check


def can_set_auto_renew(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based subscriptions do not renew; they run until cancelled.")
    return check


def can_suspend(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.status != SubscriptionStatus.ACTIVE:
        return Check(False, "It is already suspended.")
    return check


def can_reactivate_subscription(viewer, subscription: Subscription) -> Check:
    check = can_manage_subscription(viewer, subscription)
    if check and subscription.status != SubscriptionStatus.SUSPENDED:
        return Check(False, "It is not suspended.")
    return check


def can_cancel(viewer, subscription: Subscription, today) -> Check:
    """Rule 13: new commerce cancels only within 7 days of purchase or renewal."""
    check = can_manage_subscription(viewer, subscription)
    if not check:
        return check
    deadline = subscription.cancellation_deadline()
    if deadline is not None and today > deadline:
        ending = (
            f"Turn off auto-renew so that it ends on {subscription.term_end:%Y-%m-%d}."
            if subscription.auto_renew
            else f"Auto-renew is off, so it ends on {subscription.term_end:%Y-%m-%d}."
        )
        return Check(
            False,
            "New-commerce subscriptions can be cancelled only within 7 days of purchase or "
            f"renewal; this one's window closed on {deadline:%Y-%m-%d}. {ending}",
        )
    return ALLOWED


@dataclass(frozen=True)
class SubscriptionActions:
    seats: Check
    auto_renew: Check
    suspend: Check
    reactivate: Check
    cancel: Check

    @property
    def any(self) -> bool:
        return any((self.seats, self.auto_renew, self.suspend, self.reactivate, self.cancel))


def subscription_actions(viewer, subscription: Subscription, today) -> SubscriptionActions:
    return SubscriptionActions(
        seats=can_change_seats(viewer, subscription),
        auto_renew=can_set_auto_renew(viewer, subscription),
        suspend=can_suspend(viewer, subscription),
        reactivate=can_reactivate_subscription(viewer, subscription),
        cancel=can_cancel(viewer, subscription, today),
    )


def seat_decrease_allowed(subscription: Subscription, today) -> bool:
    """New commerce lowers seats only within the same 7-day window as cancelling."""
    deadline = subscription.cancellation_deadline()
    return subscription.commerce_type != CommerceType.NEW_COMMERCE or (
        deadline is not None and today <= deadline
    )


# --- Relationship requests ---------------------------------------------------------------------


def requests_for(viewer) -> QuerySet[RelationshipRequest]:
    require(viewer, Perm.VIEW_REQUESTS)
    return RelationshipRequest.objects.filter(partner_id=viewer.partner_id)


def get_request_for(viewer, request_uuid) -> RelationshipRequest:
    return get_object_or_404(
        requests_for(viewer).select_related("customer", "created_by", "partner"), uuid=request_uuid
    )


def _pending(invitation: RelationshipRequest) -> Check:
    status = invitation.effective()
    if status != RequestStatus.PENDING:
        return Check(False, f"It is {RequestStatus(status).label.lower()}.")
    return ALLOWED


def can_send_request(viewer, invitation: RelationshipRequest) -> Check:
    if not has(viewer, Perm.CHANGE_REQUESTS):
        return _missing(Perm.CHANGE_REQUESTS)
    return _pending(invitation)


def can_revoke_request(viewer, invitation: RelationshipRequest) -> Check:
    return can_send_request(viewer, invitation)


def can_remove_relationship(viewer, customer: Customer, *, managed: bool, held=None) -> Check:
    """Rule 8. `held`: the live subscriptions we hold for the customer, if already fetched."""
    if not has(viewer, Perm.REMOVE_RELATIONSHIPS):
        return _missing(Perm.REMOVE_RELATIONSHIPS)
    if not managed:
        return Check(False, "There is no active reseller relationship to remove.")
    if held is None:
        held = list(
            Subscription.objects.live().held_by(viewer.partner_id).filter(customer=customer)
        )
    if held:
        names = ", ".join(sorted(s.offer_name for s in held))
        return Check(
            False,
            "The relationship can be removed once we hold no live subscription for this "
            f"customer: cancel or transfer {names} first.",
        )
    return ALLOWED


# --- Azure onboarding and planned moves ---------------------------------------------------------

ONBOARDING_CHANNELS = (
    Channel.DIRECT,
    Channel.ADVISOR,
    Channel.OPEN,
    Channel.EA,
    Channel.THIRD_PARTY,
)


def onboardings_for(viewer) -> QuerySet[AzureOnboarding]:
    require(viewer, Perm.VIEW_ONBOARDINGS)
    return AzureOnboarding.objects.filter(partner_id=viewer.partner_id)


def get_onboarding_for(viewer, onboarding_uuid) -> AzureOnboarding:
    return get_object_or_404(
        onboardings_for(viewer).select_related("customer", "source", "new_subscription"),
        uuid=onboarding_uuid,
    )


def can_onboard(viewer, source: Subscription, *, managed: bool | None = None) -> Check:
    """Azure onboarding starts from a live usage-based subscription bought outside CSP."""
    if not has(viewer, Perm.ONBOARD_AZURE):
        return _missing(Perm.ONBOARD_AZURE)
    if managed is None:
        managed = manages_customer(viewer, source.customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if source.billing_type != BillingType.USAGE:
        return Check(
            False,
            "Only usage-based (Azure) subscriptions are onboarded; a license-based one moves "
            "to us at its term end.",
        )
    if source.held_by(viewer.partner_id):
        return Check(False, "We already hold it: there is nothing to onboard.")
    if source.channel not in ONBOARDING_CHANNELS:
        return Check(
            False,
            "Azure held by another CSP partner is switched to us with a transfer request, "
            "not onboarded.",
        )
    if not source.is_live:
        return Check(False, f"It is {source.get_status_display().lower()}.")
    return ALLOWED


def moves_for(viewer) -> QuerySet[PlannedMove]:
    require(viewer, Perm.VIEW_MOVES)
    return PlannedMove.objects.filter(partner_id=viewer.partner_id)


def get_move_for(viewer, move_uuid) -> PlannedMove:
    return get_object_or_404(
        moves_for(viewer).select_related("customer", "subscription", "created_by"),
        uuid=move_uuid,
    )


def can_plan_move(viewer, subscription: Subscription, today, *, managed=None) -> Check:
    """Rule 10: a license-based subscription bought elsewhere moves to us at its term end."""
    if not has(viewer, Perm.PLAN_MOVES):
        return _missing(Perm.PLAN_MOVES)
    if managed is None:
        managed = manages_customer(viewer, subscription.customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if subscription.billing_type != BillingType.LICENSE:
        return Check(False, "Usage-based (Azure) subscriptions are onboarded or switched instead.")
    if subscription.held_by(viewer.partner_id):
        return Check(False, "We already hold it.")
    if not subscription.is_live:
        return Check(False, f"It is {subscription.get_status_display().lower()}: nothing to move.")
    if subscription.term_end is None:
        return Check(False, "Record its term end first: the move is planned for that date.")
    if subscription.term_end < today:
        return Check(
            False,
            f"Its term ended on {subscription.term_end:%Y-%m-%d}: it can move now. Check its "
            "renewal with the customer and buy the same offer under us.",
        )
    return ALLOWED


# --- Transfers between partners --------------------------------------------------------------


def transfers_for(viewer) -> QuerySet[TransferRequest]:
    """Both sides of a transfer see it: the target its incoming side, the source its outgoing
    side; a third partner nothing (object permissions granted to both partners' groups)."""
    require(viewer, Perm.VIEW_TRANSFERS)
    return TransferRequest.objects.filter(
        pk__in=_granted(TransferGroupObjectPermission, viewer, "view_transferrequest")
    )


def get_transfer_for(viewer, transfer_uuid) -> TransferRequest:
    return get_object_or_404(
        transfers_for(viewer).select_related(
            "customer", "source_partner", "target_partner", "created_by", "answered_by"
        ),
        uuid=transfer_uuid,
    )


def eligible_for_transfer(customer, source_partner_id) -> QuerySet[Subscription]:
    """Rule 12: the customer's active usage-based subscriptions the source partner holds, not
    already in a pending transfer. A suspended one is not active, so it is not offered;
    license-based ones never are (rule 10)."""
    from django.utils import timezone

    from multichannel.models import LineItemStatus, TransferLineItem

    in_pending = TransferLineItem.objects.filter(
        status=LineItemStatus.PENDING,
        transfer__status=TransferStatus.PENDING,
        transfer__expires_at__gt=timezone.now(),
    ).values("subscription_id")
    return (
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE)
        .held_by(source_partner_id)
        .filter(customer=customer, billing_type=BillingType.USAGE)
        .exclude(pk__in=in_pending)
        .order_by("offer_name", "pk")
    )


def can_request_transfer(viewer, customer, source_partner, *, managed=None) -> Check:
    if not has(viewer, Perm.REQUEST_TRANSFERS):
        return _missing(Perm.REQUEST_TRANSFERS)
    if managed is None:
        managed = manages_customer(viewer, customer)
    if not managed:
        return Check(False, "We need an active reseller relationship with the customer first.")
    if source_partner.pk == viewer.partner_id:
        return Check(False, "We already hold what that partner would transfer: choose another.")
    if source_partner.cloud != viewer.partner.cloud or customer.cloud != viewer.partner.cloud:
        return Check(
            False,
            f"{source_partner.name} works in the {source_partner.get_cloud_display()} cloud; a "
            "transfer happens only between partners of the same cloud.",
        )
    if not eligible_for_transfer(customer, source_partner.pk).exists():
        return Check(
            False,
            f"{source_partner.name} holds no active Azure subscription of {customer} that is not "
            "already in a pending transfer.",
        )
    return ALLOWED


def transfer_history(viewer, transfer) -> QuerySet[AuditEntry]:
    """Both partners are parties to a transfer: each sees what either did to it. (`transfer`
    comes from `get_transfer_for`, so the viewer is one of the parties.)"""
    if viewer.partner_id not in (transfer.source_partner_id, transfer.target_partner_id):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(target_type="transferrequest", target_id=str(transfer.uuid))


def _transfer_pending(transfer) -> Check:
    status = transfer.effective()
    if status != TransferStatus.PENDING:
        return Check(False, f"It is {TransferStatus(status).label.lower()}.")
    return ALLOWED


def can_cancel_transfer(viewer, transfer) -> Check:
    if not has(viewer, Perm.REQUEST_TRANSFERS):
        return _missing(Perm.REQUEST_TRANSFERS)
    if transfer.target_partner_id != viewer.partner_id:
        return Check(False, "Only the partner that asked for the transfer can cancel it.")
    return _transfer_pending(transfer)


def can_answer_transfer(viewer, transfer) -> Check:
    """Accept or decline: a Global admin of the source partner. The role comes first, so that
    whoever lacks it is told so (403) on either side of the transfer."""
    if not has(viewer, Perm.ACCEPT_TRANSFERS):
        return _missing(Perm.ACCEPT_TRANSFERS)
    if transfer.source_partner_id != viewer.partner_id:
        return Check(False, "Only the partner that holds the subscriptions answers.")
    return _transfer_pending(transfer)


# --- Support requests ------------------------------------------------------------------------


def support_for(viewer) -> QuerySet[SupportRequest]:
    """Global admins see all of the partner's requests; Sales agents those they filed or are
    assigned (object permissions granted to the filer and the assignee)."""
    require(viewer, Perm.VIEW_SUPPORT)
    requests = SupportRequest.objects.filter(partner_id=viewer.partner_id)
    if has(viewer, Perm.VIEW_ALL_SUPPORT):
        return requests
    granted = SupportUserObjectPermission.objects.filter(
        user_id=viewer.pk, permission_id=_permission_id("view_supportrequest")
    ).values("content_object_id")
    return requests.filter(pk__in=granted)


def get_support_for(viewer, request_uuid) -> SupportRequest:
    return get_object_or_404(
        support_for(viewer).select_related("customer", "subscription", "created_by", "assigned_to"),
        uuid=request_uuid,
    )


SUPPORT_TRANSITIONS = {
    SupportStatus.OPEN: {SupportStatus.ATTENTION_NEEDED, SupportStatus.CLOSED},
    SupportStatus.ATTENTION_NEEDED: {SupportStatus.OPEN, SupportStatus.CLOSED},
    SupportStatus.CLOSED: {SupportStatus.OPEN},  # reopen
}


def can_follow_support(viewer, support: SupportRequest) -> Check:
    """Add notes, change the status, assign: whoever may see the request and follows support."""
    if not has(viewer, Perm.FOLLOW_SUPPORT):
        return _missing(Perm.FOLLOW_SUPPORT)
    return ALLOWED


def can_set_support_status(viewer, support: SupportRequest, status: str) -> Check:
    check = can_follow_support(viewer, support)
    if not check:
        return check
    if status not in SUPPORT_TRANSITIONS[SupportStatus(support.status)]:
        return Check(
            False,
            f"It is {support.get_status_display().lower()}; it cannot become "
            f"{SupportStatus(status).label.lower()}.",
        )
    return ALLOWED


def support_assignees(viewer) -> QuerySet[User]:
    """Colleagues a request can be assigned to: active users of the partner who follow support."""
    return (
        User.objects.filter(partner_id=viewer.partner_id, is_active=True)
        .filter(groups__role_group__role__in=roles_granting(Perm.FOLLOW_SUPPORT))
        .distinct()
        .order_by("full_name")
    )


# --- Activity log -------------------------------------------------------------------------------

USER_MANAGEMENT_CATEGORIES = (Category.USERS, Category.AUTH)


def activity_for(viewer) -> QuerySet[AuditEntry]:
    """Global admins see all of the partner's entries; User management admins the entries about
    accounts (user management, sign-ins and passwords)."""
    require(viewer, Perm.VIEW_ACTIVITY)
    entries = AuditEntry.objects.filter(partner_id=viewer.partner_id)
    if not has(viewer, Perm.VIEW_ALL_ACTIVITY):
        entries = entries.filter(category__in=USER_MANAGEMENT_CATEGORIES)
    return entries


def activity_entries_about(viewer, target) -> QuerySet[AuditEntry]:
    """The history of one object as the viewer's partner recorded it. A partner sees the history
    of the objects it may see, whatever its role's view of the activity log."""
    return AuditEntry.objects.filter(
        partner_id=viewer.partner_id,
        target_type=target._meta.model_name,
        target_id=str(getattr(target, "uuid", target.pk)),
    )


def activity_categories_for(viewer) -> list[Category]:
    if has(viewer, Perm.VIEW_ALL_ACTIVITY):
        return list(Category)
    return [c for c in Category if c in USER_MANAGEMENT_CATEGORIES]


# --- What the page chrome shows -----------------------------------------------------------------


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
        "relationships:list",
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


def navigation(user) -> list[NavItem]:
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

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        try:
            permission = CAPABILITIES[name]
        except KeyError:
            raise AttributeError(name) from None
        return has(self._user, permission)
