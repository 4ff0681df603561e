"""The access matrix's table: every URL of the portal and what each persona gets from it (a
sign-in redirect, a 403 naming the role, a 404 for another partner's object, or the page).
tests/test_access_matrix.py checks it against every URL; the browser crawl walks its pages."""

from dataclasses import dataclass

PERSONAS = ["anonymous", "global_admin", "user_admin", "sales_agent", "other_partner_admin"]

LOGIN, OK, FORBIDDEN, NOT_FOUND, REDIRECT, NOT_ALLOWED = 302, 200, 403, 404, 302, 405


@dataclass(frozen=True)
class Row:
    anonymous: int
    global_admin: int
    user_admin: int
    sales_agent: int
    other_partner_admin: int
    kwargs: str = ""  # which object the URL is about
    public: bool = False  # a 302 for anonymous is not a sign-in redirect


def _same(code: int, kwargs: str = "") -> Row:
    return Row(code, code, code, code, code, kwargs)


SIGNED_IN_ONLY = Row(LOGIN, OK, OK, OK, OK)
USER_MANAGEMENT = Row(LOGIN, OK, OK, FORBIDDEN, OK)
USER_OBJECT = Row(LOGIN, OK, OK, FORBIDDEN, NOT_FOUND, kwargs="user")
ACTIVITY = Row(LOGIN, OK, OK, FORBIDDEN, OK)
SALES = Row(LOGIN, OK, FORBIDDEN, OK, OK)
CUSTOMER_OBJECT = Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="customer")
SUBSCRIPTION_OBJECT = Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="subscription")
REQUEST_OBJECT = Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="request")
WIZARD_STEP = Row(LOGIN, REDIRECT, FORBIDDEN, REDIRECT, REDIRECT)  # back to step 1 without it
GLOBAL_ADMIN_ON_CUSTOMER = Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND, kwargs="customer")

MATRIX: dict[str, Row] = {
    "home": SIGNED_IN_ONLY,
    "sign-in": Row(OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "sign-out": _same(NOT_ALLOWED),  # only POST signs out
    "password-change": SIGNED_IN_ONLY,
    # The second sign-in step: a session that passed it (or needs none) is sent on.
    "sign-in-verify": Row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "sign-in-recovery": Row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # "Confirm it's you" before a sensitive action: a session verified just now is sent on.
    "step-up": Row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "step-up-recovery": Row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "account-security": SIGNED_IN_ONLY,
    "mfa-enrol": Row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # they have an app
    "mfa-remove": SIGNED_IN_ONLY,
    "mfa-recovery-codes": SIGNED_IN_ONLY,
    "mfa-recovery-codes-new": SIGNED_IN_ONLY,
    # Nothing to download: no recovery codes were just made in this session.
    "mfa-recovery-codes-download": Row(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "password-reset": _same(OK),
    "password-reset-done": _same(OK),
    "password-reset-confirm": _same(OK, kwargs="reset-token"),
    "password-reset-complete": _same(OK),
    "users:list": USER_MANAGEMENT,
    "users:export": USER_MANAGEMENT,
    "users:create": USER_MANAGEMENT,
    "users:detail": USER_OBJECT,
    "users:edit": USER_OBJECT,
    "users:deactivate": USER_OBJECT,
    "users:reactivate": USER_OBJECT,
    "users:reset-password": USER_OBJECT,
    "users:reset-mfa": USER_OBJECT,
    "users:mfa-requirement": Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, OK),
    "activity:list": ACTIVITY,
    "activity:export": Row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED),  # a POST
    "customers:list": SALES,
    "customers:export": SALES,
    "customers:create": SALES,
    "customers:detail": CUSTOMER_OBJECT,
    "customers:enter-subscription": CUSTOMER_OBJECT,
    "subscriptions:list": SALES,
    "subscriptions:export": SALES,
    "subscriptions:detail": SUBSCRIPTION_OBJECT,
    "subscriptions:seats": SUBSCRIPTION_OBJECT,
    "subscriptions:auto-renew": SUBSCRIPTION_OBJECT,
    "subscriptions:suspend": SUBSCRIPTION_OBJECT,
    "subscriptions:reactivate": SUBSCRIPTION_OBJECT,
    "subscriptions:cancel": SUBSCRIPTION_OBJECT,
    "customers:remove-relationship": GLOBAL_ADMIN_ON_CUSTOMER,
    "relationship_requests:list": SALES,
    "relationship_requests:new": SALES,
    "relationship_requests:new-roles": WIZARD_STEP,
    "relationship_requests:new-review": WIZARD_STEP,
    "relationship_requests:detail": REQUEST_OBJECT,
    "relationship_requests:send": Row(
        LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_FOUND, "request"
    ),
    "relationship_requests:revoke": REQUEST_OBJECT,
    # The customer's side is public: the landing moves the token into the session.
    "invitation-link": Row(*[REDIRECT] * 5, kwargs="token", public=True),
    "invitation": _same(NOT_FOUND),  # no invitation in this session
    "subscriptions:onboard": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="azure"),
    "subscriptions:plan-move": SUBSCRIPTION_OBJECT,
    "customers:onboard-azure": CUSTOMER_OBJECT,
    "onboardings:list": SALES,
    "onboardings:detail": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="onboarding"),
    "onboardings:source": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="onboarding"),
    # Later steps are not open yet: back to the step reached.
    "onboardings:subscription": Row(LOGIN, REDIRECT, FORBIDDEN, REDIRECT, NOT_FOUND, "onboarding"),
    "onboardings:services": Row(LOGIN, REDIRECT, FORBIDDEN, REDIRECT, NOT_FOUND, "onboarding"),
    "onboardings:review": Row(LOGIN, REDIRECT, FORBIDDEN, REDIRECT, NOT_FOUND, "onboarding"),
    "moves:list": SALES,
    "moves:detail": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="move"),
    "moves:done": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="move"),
    "moves:cancel": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="move"),
    # A transfer asked of the other partner (the source): it sees its outgoing side too. Only a
    # Global admin answers; ours is told on the page that the holder answers.
    "transfers:list": SALES,
    "transfers:new": SALES,
    "transfers:detail": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "transfers:cancel": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "transfers:accept": Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, OK, kwargs="transfer"),
    "transfers:decline": Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, OK, kwargs="transfer"),
    "support:list": SALES,
    "support:export": SALES,
    "support:new": SALES,
    "support:detail": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="support"),
    "support:status": Row(LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_FOUND, "support"),
    "support:assign": Row(LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_FOUND, "support"),
    "support:attachment": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="attachment"),
}
