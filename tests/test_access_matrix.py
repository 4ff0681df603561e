"""Every URL by every persona: sign-in redirect, 403 naming the role, 404 for another partner's
object, or the page. Adding a URL without a row here fails `test_every_url_has_a_row`.

The same refusal answers a POST, whatever its body (one a user's form would send, and junk):
who may not act is refused before any form is read or any state of the object looked at, so
what was posted never turns a 403 or 404 into a page of field errors or a redirect. Whoever may
act gets the page again (200) or is sent on (302), never a refusal and never an error.
"""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from multichannel.models import (
    AuditEntry,
    PlannedMove,
    TransferRequest,
    TransferStatus,
    User,
)
from multichannel.roles import Role
from multichannel.services.moves import checklist_version
from multichannel.services.users import edit_version
from tests.factories import PASSWORD, make_user, signed_in
from tests.url_table import (
    FORBIDDEN,
    LOGIN,
    MATRIX,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PERSONAS,
    REDIRECT,
    Row,
)

# The same URLs about objects in other states: those in which a refusal once depended on the
# object's state or on what was posted.
GLOBAL_ADMIN_USER = Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND, kwargs="global-admin")
ASKED_OF_US = Row(LOGIN, OK, FORBIDDEN, FORBIDDEN, OK, kwargs="transfer-asked-of-us")
STATES: list[tuple[str, Row]] = [
    # A User management admin sees a Global admin but never acts on one, even to be told that
    # the account is already active.
    ("users:detail", Row(LOGIN, OK, OK, FORBIDDEN, NOT_FOUND, kwargs="global-admin")),
    ("users:edit", GLOBAL_ADMIN_USER),
    ("users:deactivate", GLOBAL_ADMIN_USER),
    ("users:reactivate", GLOBAL_ADMIN_USER),
    ("users:reset-password", GLOBAL_ADMIN_USER),
    ("users:reset-mfa", GLOBAL_ADMIN_USER),
    # The other partner asks us: our Global admin answers, our Sales agent may not.
    ("transfers:detail", Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer-asked-of-us")),
    ("transfers:cancel", Row(LOGIN, OK, FORBIDDEN, OK, OK, kwargs="transfer-asked-of-us")),
    ("transfers:accept", ASKED_OF_US),
    ("transfers:decline", ASKED_OF_US),
]

CASES = [pytest.param(name, MATRIX[name], id=name) for name in sorted(MATRIX)] + [
    pytest.param(name, row, id=f"{name}[{row.kwargs}]") for name, row in STATES
]


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
    if kind == "global-admin":
        return {"uuid": request.getfixturevalue("second_global_admin").uuid}
    if kind == "transfer-asked-of-us":
        return {"uuid": request.getfixturevalue("transfer_asked_of_us").uuid}
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


def _client(persona: str, request) -> Client:
    return Client() if persona == "anonymous" else signed_in(request.getfixturevalue(persona))


def _refused(response, row: Row, persona: str, method: str) -> None:
    """The refusal is the one every page gives: sign-in, or a 403 page naming the role."""
    if response.status_code == LOGIN and persona == "anonymous" and not row.public:
        assert response["Location"].startswith(reverse("sign-in") + "?next="), method
    if response.status_code == FORBIDDEN:
        page = response.content.decode()
        assert "Role needed:" in page, method
        assert "Global admin" in page, method


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url_name", "row"), CASES)
@pytest.mark.rule(1)
def test_access(url_name, row, persona, request, global_admin, user_admin, sales_agent):
    expected = getattr(row, persona)
    url = reverse(url_name, kwargs=_kwargs(row.kwargs, request))

    response = _client(persona, request).get(url)

    assert response.status_code == expected, f"{persona} GET {url}"
    _refused(response, row, persona, "GET")


def _refusal(row: Row, persona: str) -> int | None:
    """What a persona without access gets, whatever the method; None when they have access."""
    code = getattr(row, persona)
    if code in (FORBIDDEN, NOT_FOUND):
        return code
    if code == LOGIN and persona == "anonymous" and not row.public:
        return LOGIN
    return None


def _takes_posts(url: str) -> bool:
    view = resolve(url).func
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return True
    return "post" in view_class.http_method_names and hasattr(view_class, "post")


JUNK = {
    "full_name": "",
    "email": "not an email",
    "roles": ["global_admin", "owner"],
    "seen": "stale",
    "delivery": "carrier pigeon",
    "quantity": "-3",
    "confirmed": "yes",
    "turn": "sideways",
    "status": "lost",
    "assignee": str(uuid.uuid4()),  # nobody's
    "subscriptions": ["x", "0"],
    "reason": "x" * 600,
    "customer": "not-a-uuid",
    "source_partner": str(uuid.uuid4()),
    "product_types": ["vouchers"],
    "notify_email": "@",
    "body": "\x00",
    "remind_days_before": "many",
    "notes": "\x00",
    "external_id": "not-a-guid",
    "channel": "mail order",
    "services": "",
    "friendly_name": "",
    "company_name": "",
    "domain": "..",
    "primary_domain": "..",
    "country": "XX",
    "contact_email": "@",
    "email_text": "",
    "include": "maybe",
    "days": "-1",
    "services-TOTAL_FORMS": "lots",
    "cancel_source": "perhaps",
    "topic": "weather",
    "severity": "Z",
    "title": "\x00",
    "username": "",
    "password": "",
    "old_password": "",
    "new_password1": "a",
    "new_password2": "b",
    "name": "",
    "agree": "maybe",
    "code": "12 34 5x",
    "require_mfa": "maybe",
}


def _valid_body(url_name: str, kwargs: dict, request) -> dict:
    """What the page's own form would send, filled in as a user would."""

    def customer():
        return str(request.getfixturevalue("held_subscription").customer.uuid)

    new_password = {
        "new_password1": "a-new-passphrase-2026",
        "new_password2": "a-new-passphrase-2026",
    }
    if url_name == "users:create":
        return {
            "full_name": "Erin Evans",
            "email": "erin@contoso.example",
            "roles": ["sales_agent"],
            "delivery": "temporary_password",
        }
    if url_name == "users:edit":
        target = User.objects.get(uuid=kwargs["uuid"])
        return {
            "full_name": f"{target.full_name} Jr",
            "email": target.email,
            "roles": [role.value for role in target.roles],
            "seen": edit_version(target),
        }
    if url_name == "users:reset-password":
        return {"delivery": "temporary_password"}
    if url_name == "users:mfa-requirement":
        return {"require_mfa": "yes"}
    if url_name == "customers:create":
        return {
            "company_name": "Adatum",
            "primary_domain": "adatum.onmicrosoft.com",
            "country": "US",
            "contact_name": "Ann Beebe",
            "contact_email": "ann@adatum.example",
        }
    if url_name == "customers:enter-subscription":
        return {
            "channel": "direct",
            "billing_type": "license",
            "offer_name": "Office 365 E1",
            "offer_id": "CFQ7TTC0LF8R",
            "external_id": str(uuid.uuid4()),
            "quantity": "5",
            "term": "annual",
            "term_start": "2026-01-01",
            "term_end": "2026-12-31",
            "status": "active",
            "commerce_type": "new_commerce",
        }
    if url_name == "subscriptions:seats":
        return {"quantity": "12", "seen": "10", "confirmed": "yes"}
    if url_name == "subscriptions:auto-renew":
        return {"turn": "off"}
    if url_name == "subscriptions:plan-move":
        return {"remind_days_before": "30", "notes": "Ask in March"}
    if url_name == "relationship_requests:new":
        return {
            "company_name": "Litware",
            "domain": "litware.onmicrosoft.com",
            "contact_email": "admin@litware.onmicrosoft.com",
        }
    if url_name == "relationship_requests:new-roles":
        return {"include": "on", "roles": ["Global reader"], "days": "30"}
    if url_name == "relationship_requests:new-review":
        return {"email_text": "Hello"}
    if url_name == "customers:onboard-azure":
        return {
            "external_id": str(uuid.uuid4()),
            "channel": "ea",
            "offer_name": "Azure plan",
            "offer_id": "MS-AZR-0017P",
            "services": "Virtual machines",
        }
    if url_name == "onboardings:source":
        return {"services": "Virtual machines"}
    if url_name == "onboardings:subscription":
        return {"friendly_name": "Northwind Azure"}
    if url_name == "onboardings:services":
        return {
            "services-TOTAL_FORMS": "1",
            "services-INITIAL_FORMS": "0",
            "services-0-name": "Virtual machines",
            "services-0-disposition": "cancel",
        }
    if url_name == "moves:detail":
        move = PlannedMove.objects.get(uuid=kwargs["uuid"])
        return {
            "same_offer_and_seats": "on",
            "notes": "Quote sent",
            "seen": checklist_version(move),
        }
    if url_name == "transfers:new":
        return {
            "customer": customer(),
            "source_partner": str(request.getfixturevalue("other_partner").uuid),
            "product_types": ["azure"],
            "notify_email": "it@northwind.example",
        }
    if url_name == "transfers:accept":
        transfer = TransferRequest.objects.get(uuid=kwargs["uuid"])
        return {"subscriptions": list(transfer.items.values_list("subscription_id", flat=True))}
    if url_name == "transfers:decline":
        return {"reason": "Not before the end of the quarter."}
    if url_name == "support:new":
        return {
            "customer": customer(),
            "topic": "technical",
            "severity": "C",
            "title": "Mailbox full",
            "description": "Since Monday.",
            "contact_name": "Nancy Davolio",
            "contact_email": "nancy@northwind.example",
        }
    if url_name == "support:detail":
        return {"body": "Called the customer back."}
    if url_name == "support:status":
        return {"status": "attention_needed"}
    if url_name == "support:assign":
        return {"assignee": str(request.getfixturevalue("sales_agent").uuid)}
    if url_name == "sign-in":
        return {"username": request.getfixturevalue("sales_agent").email, "password": PASSWORD}
    if url_name == "password-change":
        return {"old_password": PASSWORD, **new_password}
    if url_name in ("password-reset-confirm",):
        return new_password
    if url_name == "password-reset":
        return {"email": "dana@contoso.example"}
    if url_name == "invitation":
        return {"name": "Lee Litware", "email": "lee@litware.onmicrosoft.com", "agree": "on"}
    return {}  # a confirmation, or a page without a form


@pytest.mark.parametrize("body", ["valid", "junk"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url_name", "row"), CASES)
@pytest.mark.rule(1)
def test_post(url_name, row, persona, body, request, global_admin, user_admin, sales_agent):
    kwargs = _kwargs(row.kwargs, request)
    url = reverse(url_name, kwargs=kwargs)
    data = _valid_body(url_name, kwargs, request) if body == "valid" else JUNK

    response = _client(persona, request).post(url, data)

    refusal = _refusal(row, persona)
    if refusal is not None:
        assert response.status_code == refusal, f"{persona} POST {body} {url}"
        _refused(response, row, persona, "POST")
    elif _takes_posts(url):
        assert response.status_code in (OK, REDIRECT), f"{persona} POST {body} {url}"
    else:
        assert response.status_code == NOT_ALLOWED, f"{persona} POST {body} {url}"


def test_a_superuser_without_a_partner_is_sent_to_the_admin(db):

    operator = User.objects.create_superuser(
        email="ops@portal.example", password="x", full_name="Ops"
    )
    response = signed_in(operator).get(reverse("home"))
    assert response.status_code == 403
    assert "admin site" in response.content.decode()


# --- What the refusals above leave behind --------------------------------------------------------


@pytest.mark.rule(1)
def test_a_user_management_admin_is_refused_on_a_global_admin_whatever_is_posted(
    as_user_admin, second_global_admin
):

    target = second_global_admin
    before = User.objects.filter(pk=target.pk).values().get()
    entries = AuditEntry.objects.count()

    for url_name, data in (
        ("users:edit", {"full_name": "", "email": "not an email"}),
        ("users:edit", {"full_name": "Blake B", "email": target.email, "roles": ["sales_agent"]}),
        ("users:deactivate", {}),
        ("users:reactivate", {}),  # already active: the role is what answers
        ("users:reset-password", {"delivery": "carrier pigeon"}),
    ):
        response = as_user_admin.post(reverse(url_name, args=[target.uuid]), data)

        assert response.status_code == 403, url_name
        page = response.content.decode()
        assert "Only a Global admin can change a Global admin&#x27;s account." in page, url_name
        assert "Role needed: <strong>Global admin</strong>" in page, url_name

    assert User.objects.filter(pk=target.pk).values().get() == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("answer", ["transfers:accept", "transfers:decline"])
@pytest.mark.rule(1, 12)
def test_a_sales_agent_of_either_partner_is_told_a_transfer_needs_a_global_admin(
    answer, transfer, other_partner, as_sales_agent
):

    their_sales_agent = make_user(other_partner, Role.SALES_AGENT, email="sam@fabrikam.example")
    for client in (as_sales_agent, signed_in(their_sales_agent)):  # the target's, the source's
        for data in ({}, {"subscriptions": ["x"], "reason": "x" * 600}):
            response = client.post(reverse(answer, args=[transfer.uuid]), data)

            assert response.status_code == 403
            assert "Role needed: <strong>Global admin</strong>" in response.content.decode()

    assert TransferRequest.objects.get().status == TransferStatus.PENDING


@pytest.mark.rule(1)
def test_another_partners_support_request_is_a_404_whatever_is_assigned(
    support_request, as_other_partner, other_partner_admin
):
    url = reverse("support:assign", args=[support_request.uuid])
    for assignee in ("", "not-a-uuid", str(uuid.uuid4()), str(other_partner_admin.uuid)):
        assert as_other_partner.post(url, {"assignee": assignee}).status_code == 404
    support_request.refresh_from_db()
    assert support_request.assigned_to is None
