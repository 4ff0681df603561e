"""The form pages and, for each, what wrong answer to send it: tests/test_error_summary.py
checks every form page's error summary with it, and the browser test follows its links."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.models import Relationship, RelationshipStatus, Subscription
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from tests.factories import PASSWORD, azure_plan, give_authenticator, share_customer


@dataclass(frozen=True)
class FormPage:
    persona: str  # a fixture in tests/conftest.py, or "anonymous"
    data: dict = field(default_factory=dict)  # what is sent: empty, or something wrong
    about: str = ""  # the object in the URL (see `_kwargs`)
    # Reaches the page as a user would (earlier steps, a link); returns the address to send to.
    prepare: Callable[[Client, pytest.FixtureRequest, str], str] | None = None
    links: tuple[str, ...] = ()  # ids the summary must link to (each field that is wrong)
    texts: tuple[str, ...] = ()  # errors the summary must say without a link


# --- How some pages are reached --------------------------------------------------------------


def _reset_link(client, request, url):
    user = request.getfixturevalue("sales_agent")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = reverse("password-reset-confirm", args=[uid, token])
    return client.get(link)["Location"]  # the token moves into the session


def _roles_step(client, request, url):
    client.post(
        reverse("relationship_requests:new"),
        {
            "company_name": "Adatum",
            "domain": "adatum.onmicrosoft.com",
            "contact_email": "admin@adatum.onmicrosoft.com",
        },
    )
    return url


def review_step(client, request, url):
    _roles_step(client, request, url)
    client.post(reverse("relationship_requests:new-roles"), {"days": "365"})
    return url


def invitation_page(client, request, url):
    relationship_request = request.getfixturevalue("open_request")
    client.get(reverse("invitation-link", args=[relationship_request.token()]))
    return url


def direct_subscription(client, request, url):
    """A license-based subscription bought directly: its move is planned, not switched."""

    customer = request.getfixturevalue("held_subscription").customer
    direct = Subscription.objects.create(
        customer=customer,
        offer_name="Office 365 E1",
        offer_id="CFQ7TTC0LF8R",
        billing_type="license",
        channel="direct",
        external_id=uuid.uuid4(),
        quantity=5,
        term="annual",
        term_start=date.today() - timedelta(days=300),
        term_end=date.today() + timedelta(days=65),
    )
    return reverse("subscriptions:plan-move", args=[direct.uuid])


def azure_held_elsewhere(client, request, url):
    """A customer of ours whose Azure the other partner holds: a transfer can be asked."""

    customer = request.getfixturevalue("held_subscription").customer
    other = request.getfixturevalue("other_partner")
    share_customer(customer, other)
    azure_plan(customer, held_by=other)
    return url


def _relationship_ended(client, request, url):

    onboarding = request.getfixturevalue("azure_onboarding")
    Relationship.objects.filter(customer=onboarding.customer).update(
        status=RelationshipStatus.REMOVED
    )
    refresh_customer_access(onboarding.customer, onboarding.partner)
    return url


def onboarding_step(step: int):
    """The onboarding walked through to `step`, as a user does."""

    def prepare(client, request, url):
        onboarding = request.getfixturevalue("azure_onboarding")
        if step >= 2:
            client.post(reverse("onboardings:source", args=[onboarding.uuid]), {"services": "Web"})
        if step >= 3:
            client.post(
                reverse("onboardings:subscription", args=[onboarding.uuid]),
                {"friendly_name": "Northwind Azure"},
            )
        if step >= 4:
            client.post(
                reverse("onboardings:services", args=[onboarding.uuid]),
                {
                    "services-TOTAL_FORMS": "1",
                    "services-INITIAL_FORMS": "0",
                    "services-0-name": "Web",
                    "services-0-disposition": "cancel",
                },
            )
        return url

    return prepare


def _review_refused(client, request, url):
    """The review step's form has nothing to get wrong; what refuses it is a colleague who
    cancelled the old subscription between the page and the click, as the service says."""
    onboarding_step(4)(client, request, url)

    def finish(**kwargs):
        raise RuleViolation("The old subscription is already cancelled.", field="cancel_source")

    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setattr("multichannel.services.onboarding.finish", finish)
    return url


def _password_only(client, request, url):
    """Signed in with the password only: the second step is due (the user has an app)."""
    user = request.getfixturevalue("sales_agent")
    give_authenticator(user)
    client.logout()
    client.post(reverse("sign-in"), {"username": user.email, "password": PASSWORD})
    return url


def _verified_long_ago(client, request, url):
    """The second factor passed more than 15 minutes ago: a sensitive action asks again."""
    session = client.session
    session[mfa.VERIFIED_AT] = time.time() - 3600
    session.save()
    return url


def _no_authenticator(client, request, url):
    """A user who has no authenticator app yet, setting one up."""
    TOTPDevice.objects.filter(user=request.getfixturevalue("sales_agent")).delete()
    return url


# --- Every form page -------------------------------------------------------------------------

FORM_PAGES: dict[str, FormPage] = {
    "sign-in": FormPage("anonymous", links=("id_username", "id_password")),
    "password-change": FormPage(
        "sales_agent", links=("id_old_password", "id_new_password1", "id_new_password2")
    ),
    "password-reset": FormPage("anonymous", {"email": "not an email"}, links=("id_email",)),
    "sign-in-verify": FormPage(
        "sales_agent", {"code": "12"}, prepare=_password_only, links=("id_code",)
    ),
    "sign-in-recovery": FormPage(
        "sales_agent", {"code": ""}, prepare=_password_only, links=("id_code",)
    ),
    "step-up": FormPage(
        "sales_agent", {"code": "12"}, prepare=_verified_long_ago, links=("id_code",)
    ),
    "step-up-recovery": FormPage(
        "sales_agent", {"code": ""}, prepare=_verified_long_ago, links=("id_code",)
    ),
    "mfa-enrol": FormPage(
        "sales_agent", {"code": "abcdef"}, prepare=_no_authenticator, links=("id_code",)
    ),
    "users:mfa-requirement": FormPage("global_admin", links=("id_require_mfa_0",)),
    "password-reset-confirm": FormPage(
        "anonymous",
        {"new_password1": "short", "new_password2": "other"},
        about="reset-token",
        prepare=_reset_link,
        links=("id_new_password2",),
    ),
    "users:create": FormPage(
        "global_admin", links=("id_full_name", "id_email", "id_roles_0", "id_delivery_0")
    ),
    "users:edit": FormPage(
        "global_admin", about="user", links=("id_full_name", "id_email", "id_roles_0")
    ),
    "users:reset-password": FormPage("global_admin", about="user", links=("id_delivery_0",)),
    "customers:create": FormPage(
        "sales_agent",
        {"contact_phone": "call me"},
        links=(
            "id_company_name",
            "id_primary_domain",
            "id_country",
            "id_contact_name",
            "id_contact_email",
            "id_contact_phone",
        ),
    ),
    "customers:enter-subscription": FormPage(
        "sales_agent",
        {"billing_type": "license", "term_start": "yesterday"},
        about="customer",
        links=("id_channel", "id_offer_name", "id_external_id", "id_term_start"),
    ),
    "subscriptions:seats": FormPage(
        "sales_agent", {"quantity": "0"}, about="subscription", links=("id_quantity",)
    ),
    # Its only field is hidden: an error there is said, with nothing to link to.
    "subscriptions:auto-renew": FormPage(
        "sales_agent", about="subscription", texts=("This field is required.",)
    ),
    "subscriptions:plan-move": FormPage(
        "sales_agent",
        {"remind_days_before": "400"},
        about="subscription",
        prepare=direct_subscription,
        links=("id_remind_days_before",),
    ),
    "relationship_requests:new": FormPage(
        "sales_agent",
        {"domain": "not a domain"},
        links=("id_company_name", "id_domain", "id_contact_email"),
    ),
    "relationship_requests:new-roles": FormPage(
        "sales_agent", {"include": "on"}, prepare=_roles_step, links=("id_roles_0", "id_days")
    ),
    "relationship_requests:new-review": FormPage(
        "sales_agent", {"email_text": ""}, prepare=review_step, links=("id_email_text",)
    ),
    "invitation": FormPage(
        "anonymous",
        {"answer": "accept", "email": "nobody"},
        prepare=invitation_page,
        links=("id_name", "id_email"),
    ),
    "customers:onboard-azure": FormPage(
        "sales_agent",
        {"external_id": "not-a-guid"},
        about="customer",
        links=("id_external_id", "id_channel", "id_offer_name", "id_offer_id"),
    ),
    # Nothing to get wrong in the form; the relationship ended meanwhile: said as text.
    "onboardings:source": FormPage(
        "sales_agent",
        {"services": "Web app"},
        about="onboarding",
        prepare=_relationship_ended,
        texts=("We need an active reseller relationship with the customer first.",),
    ),
    "onboardings:subscription": FormPage(
        "sales_agent",
        {"friendly_name": ""},
        about="onboarding",
        prepare=onboarding_step(2),
        links=("id_friendly_name",),
    ),
    # A formset: each row's fields are linked, a radio group by its first button.
    "onboardings:services": FormPage(
        "sales_agent",
        {
            "services-TOTAL_FORMS": "2",
            "services-INITIAL_FORMS": "0",
            "services-0-name": "Web app",
            "services-0-disposition": "cancel",
            "services-1-name": "SQL database",
            "services-1-disposition": "",
        },
        about="onboarding",
        prepare=onboarding_step(3),
        links=("id_services-1-disposition_0",),
    ),
    "onboardings:review": FormPage(
        "sales_agent",
        {"cancel_source": "on"},
        about="onboarding",
        prepare=_review_refused,
        links=("id_cancel_source",),
    ),
    # Someone else saved the checklist meanwhile: said as text, the form kept.
    "moves:detail": FormPage(
        "sales_agent",
        {"seen": "an older version", "notes": "Call the customer"},
        about="move",
        texts=("Someone changed this checklist",),
    ),
    "transfers:new": FormPage(
        "sales_agent",
        {"notify_email": "it"},
        links=("id_customer", "id_source_partner", "id_product_types_0", "id_notify_email"),
    ),
    "transfers:accept": FormPage(
        "other_partner_admin", about="transfer", links=("id_subscriptions_0",)
    ),
    "transfers:decline": FormPage(
        "other_partner_admin", {"reason": "x" * 501}, about="transfer", links=("id_reason",)
    ),
    "support:new": FormPage(
        "sales_agent",
        {"contact_email": "dana"},
        links=(
            "id_customer",
            "id_topic",
            "id_severity_0",
            "id_title",
            "id_description",
            "id_contact_name",
            "id_contact_email",
        ),
    ),
    "support:detail": FormPage("sales_agent", about="support", links=("id_body",)),
}


def url_kwargs(about: str, request) -> dict:
    fixture = {
        "user": "sales_agent",
        "customer": "held_subscription",
        "subscription": "held_subscription",
        "onboarding": "azure_onboarding",
        "move": "planned_move",
        "transfer": "transfer",
        "support": "support_request",
    }
    if about == "reset-token":
        return {"uidb64": "MTIzNDU", "token": "abc-123"}
    if not about:
        return {}
    obj = request.getfixturevalue(fixture[about])
    return {"uuid": obj.customer.uuid if about == "customer" else obj.uuid}
