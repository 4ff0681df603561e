"""Every URL by every persona: sign-in redirect, 403 naming the role, 404 for another partner's
object, or the page. Adding a URL without a row here fails `test_every_url_has_a_row`."""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import signed_in

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
    "relationships:list": SALES,
    "relationships:new": SALES,
    "relationships:new-roles": WIZARD_STEP,
    "relationships:new-review": WIZARD_STEP,
    "relationships:detail": REQUEST_OBJECT,
    "relationships:send": Row(LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED, "request"),
    "relationships:revoke": REQUEST_OBJECT,
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
    # A transfer asked of the other partner (the source): it sees its outgoing side too.
    "transfers:list": SALES,
    "transfers:new": SALES,
    "transfers:detail": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "transfers:cancel": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "transfers:accept": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "transfers:decline": Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer"),
    "support:list": SALES,
    "support:export": SALES,
    "support:new": SALES,
    "support:detail": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="support"),
    "support:status": Row(LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED, "support"),
    "support:assign": Row(LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED, "support"),
    "support:attachment": Row(LOGIN, OK, FORBIDDEN, OK, NOT_FOUND, kwargs="attachment"),
}


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    names = _url_names(get_resolver())
    assert names - MATRIX.keys() == set(), "add these URLs to the access matrix"
    assert MATRIX.keys() - names == set(), "these rows name URLs that no longer exist"


def _kwargs(kind: str, request) -> dict:
    if kind == "support":
        return {"uuid": request.getfixturevalue("support_request").uuid}
    if kind == "attachment":
        return {"uuid": request.getfixturevalue("support_request").attachments.get().uuid}
    if kind == "transfer":
        return {"uuid": request.getfixturevalue("transfer").uuid}
    if kind == "azure":
        return {"uuid": request.getfixturevalue("azure_onboarding").source.uuid}
    if kind == "onboarding":
        return {"uuid": request.getfixturevalue("azure_onboarding").uuid}
    if kind == "move":
        return {"uuid": request.getfixturevalue("planned_move").uuid}
    if kind == "request":
        return {"uuid": request.getfixturevalue("open_request").uuid}
    if kind == "token":
        return {"token": "not-a-real-token"}
    if kind == "customer":
        return {"uuid": request.getfixturevalue("held_subscription").customer.uuid}
    if kind == "subscription":
        return {"uuid": request.getfixturevalue("held_subscription").uuid}
    if kind == "user":
        return {"uuid": request.getfixturevalue("sales_agent").uuid}
    if kind == "reset-token":
        return {"uidb64": "MTIzNDU", "token": "abc-123"}
    return {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access(url_name, persona, request, global_admin, user_admin, sales_agent):
    row = MATRIX[url_name]
    expected = getattr(row, persona)
    url = reverse(url_name, kwargs=_kwargs(row.kwargs, request))
    if persona == "anonymous":
        from django.test import Client

        client = Client()
    else:
        client = signed_in(request.getfixturevalue(persona))

    response = client.get(url)

    assert response.status_code == expected, f"{persona} GET {url}"
    if expected == LOGIN and persona == "anonymous" and not row.public:
        assert response["Location"].startswith(reverse("sign-in") + "?next=")
    if expected == FORBIDDEN:
        page = response.content.decode()
        assert "Role needed:" in page
        assert "Global admin" in page


def test_a_superuser_without_a_partner_is_sent_to_the_admin(db):
    from multichannel.models import User

    operator = User.objects.create_superuser(
        email="ops@portal.example", password="x", full_name="Ops"
    )
    response = signed_in(operator).get(reverse("home"))
    assert response.status_code == 403
    assert "admin site" in response.content.decode()
