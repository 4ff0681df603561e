"""Who may see and do what. Every view, service and template asks this package, one module per
area, all re-exported here so that `access.customers_for(...)` reads the same everywhere.

- `has()` / `require()`: role permissions (model permissions held by the partner's role groups).
- `*_for(user)`: querysets narrowed to what the user may see; `get_*_for()` fetch one or 404.
  Another partner's object is simply not in the queryset, hence a 404.
- `Check`: the answer to "may this user do that to this object?", with the reason when not.

Services and views call these through the package (`access.can_cancel(...)`), never by importing
a name from an area module, so that one name means one function everywhere.
"""

from multichannel.access.activity import (
    USER_MANAGEMENT_CATEGORIES,
    activity_categories_for,
    activity_entries_about,
    activity_for,
)
from multichannel.access.base import (
    ALLOWED,
    Check,
    RoleRequired,
    has,
    is_portal_user,
    join_roles,
    require,
)
from multichannel.access.customers import (
    can_add_customer,
    customers_for,
    get_customer_for,
    managed_customers_for,
    manages_customer,
)
from multichannel.access.moves import (
    ONBOARDING_CHANNELS,
    can_onboard,
    can_plan_move,
    get_move_for,
    get_onboarding_for,
    moves_for,
    onboardings_for,
)
from multichannel.access.relationships import (
    can_remove_relationship,
    can_revoke_relationship_request,
    can_send_relationship_request,
    get_relationship_request_for,
    relationship_requests_for,
)
from multichannel.access.subscriptions import (
    SubscriptionActions,
    can_cancel,
    can_change_seats,
    can_enter_subscription,
    can_manage_subscription,
    can_reactivate_subscription,
    can_set_auto_renew,
    can_suspend,
    get_subscription_for,
    seat_decrease_allowed,
    subscription_actions,
    subscriptions_for,
)
from multichannel.access.support import (
    can_follow_support,
    can_set_support_status,
    get_support_for,
    support_assignees,
    support_for,
)
from multichannel.access.transfers import (
    can_answer_transfer,
    can_cancel_transfer,
    can_request_transfer,
    eligible_for_transfer,
    get_transfer_for,
    transfer_history,
    transfers_for,
)
from multichannel.access.users import (
    UserActions,
    active_global_admins,
    can_change_user,
    can_deactivate,
    can_reactivate,
    can_reset_mfa,
    can_reset_password,
    can_set_mfa_requirement,
    can_set_roles,
    get_user_for,
    grantable_roles,
    user_actions,
    users_for,
)

__all__ = [
    "ALLOWED",
    "ONBOARDING_CHANNELS",
    "USER_MANAGEMENT_CATEGORIES",
    "Check",
    "RoleRequired",
    "SubscriptionActions",
    "UserActions",
    "active_global_admins",
    "activity_categories_for",
    "activity_entries_about",
    "activity_for",
    "can_add_customer",
    "can_answer_transfer",
    "can_cancel",
    "can_cancel_transfer",
    "can_change_seats",
    "can_change_user",
    "can_deactivate",
    "can_enter_subscription",
    "can_follow_support",
    "can_manage_subscription",
    "can_onboard",
    "can_plan_move",
    "can_reactivate",
    "can_reactivate_subscription",
    "can_remove_relationship",
    "can_request_transfer",
    "can_reset_mfa",
    "can_reset_password",
    "can_revoke_relationship_request",
    "can_send_relationship_request",
    "can_set_auto_renew",
    "can_set_mfa_requirement",
    "can_set_roles",
    "can_set_support_status",
    "can_suspend",
    "customers_for",
    "eligible_for_transfer",
    "get_customer_for",
    "get_move_for",
    "get_onboarding_for",
    "get_relationship_request_for",
    "get_subscription_for",
    "get_support_for",
    "get_transfer_for",
    "get_user_for",
    "grantable_roles",
    "has",
    "is_portal_user",
    "join_roles",
    "managed_customers_for",
    "manages_customer",
    "moves_for",
    "onboardings_for",
    "relationship_requests_for",
    "require",
    "seat_decrease_allowed",
    "subscription_actions",
    "subscriptions_for",
    "support_assignees",
    "support_for",
    "transfer_history",
    "transfers_for",
    "user_actions",
    "users_for",
]
