"""Every page of the portal, as each persona meets it, at a laptop's and a phone's width: axe-core
finds nothing wrong and no page scrolls sideways. The pages are those of the access matrix
(tests/test_access_matrix.py), about one object of each kind, plus the customer's invitation page
and setting a password from an emailed link."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from multichannel.services.onboarding import confirm_source, create_new_subscription
from multichannel.services.relationships import send_request
from multichannel.services.support import add_note
from tests.browser.conftest import DESKTOP, PHONE, PageProblems, accessibility_problems, sign_in
from tests.factories import PASSWORD, add_customer, add_subscription, make_request
from tests.url_table import MATRIX

pytestmark = pytest.mark.django_db(transaction=True)

# Files and POST-only addresses are no pages to look at.
NOT_PAGES = {
    "sign-out",
    "users:export",
    "activity:export",
    "customers:export",
    "subscriptions:export",
    "support:export",
    "support:attachment",
    "mfa-recovery-codes-download",
    "relationship_requests:send",
    "support:status",
    "support:assign",
}


@pytest.fixture
def portal(
    global_admin,
    user_admin,
    sales_agent,
    other_partner_admin,
    held_subscription,
    open_request,
    azure_onboarding,
    planned_move,
    transfer,
    support_request,
):
    """One object of each kind: an onboarding past its second step (the new subscription made),
    a support request with a note, a customer waiting on our invitation."""
    confirm_source(by=sales_agent, onboarding=azure_onboarding, services=["App Service"])
    create_new_subscription(by=sales_agent, onboarding=azure_onboarding, friendly_name="Prod")
    add_note(by=global_admin, support=support_request, body="Called the customer back.")
    # Long names, as real tenants have them, in the lists and on the pages about them.
    long_name = "Contoso Pharmaceuticals International Holdings Incorporated"
    long_domain = "contosopharmaceuticalsintl.onmicrosoft.com"
    add_subscription(add_customer(global_admin, long_name, domain=long_domain))
    sent = send_request(
        by=sales_agent,
        relationship_request=make_request(
            sales_agent, company=long_name, domain=f"eu{long_domain}"
        ),
    )
    objects = {
        "customer": {"uuid": held_subscription.customer.uuid},
        "subscription": {"uuid": held_subscription.uuid},
        "request": {"uuid": open_request.uuid},
        "azure": {"uuid": azure_onboarding.source.uuid},
        "onboarding": {"uuid": azure_onboarding.uuid},
        "move": {"uuid": planned_move.uuid},
        "transfer": {"uuid": transfer.uuid},
        "support": {"uuid": support_request.uuid},
        "user": {"uuid": sales_agent.uuid},
        "token": {"token": "not-a-real-token"},
        "reset-token": {"uidb64": "MTIzNDU", "token": "abc-123"},
        "": {},
    }
    pages = [(name, row) for name, row in sorted(MATRIX.items()) if name not in NOT_PAGES]
    paths = [reverse(name, kwargs=objects[row.kwargs]) for name, row in pages]
    # The customers waiting on our invitations, and the request with a long address.
    paths += [open_request.customer.get_absolute_url(), sent.customer.get_absolute_url()]
    paths.append(sent.get_absolute_url())
    return {
        "paths": paths,
        # Another partner's lists are those of our partner with other rows: only what it sees
        # of our objects (the transfer asked of it, refusals) differs.
        "object paths": [reverse(n, kwargs=objects[row.kwargs]) for n, row in pages if row.kwargs],
        "invitation": reverse("invitation-link", args=[open_request.token()]),
        "set-password": reverse(
            "password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(sales_agent.pk)),
                "token": default_token_generator.make_token(sales_agent),
            },
        ),
        "people": {
            "global_admin": global_admin,
            "user_admin": user_admin,
            "sales_agent": sales_agent,
            "other_partner_admin": other_partner_admin,
        },
    }


def check_pages(page, paths) -> tuple[list[str], set]:
    """Each page at a laptop's width, then at a phone's; each address reached once, and one
    refusal (403, 404) of each kind."""
    problems, seen = [], set()
    for path in paths:
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        # A redirect to a page already looked at (the sign-in page, whatever comes next).
        address = page.url.split("?next=")[0]
        if response is not None and response.status >= 400:
            address = response.status
        if address in seen:
            continue
        seen.add(address)
        problems += accessibility_problems(page)
        page.set_viewport_size(PHONE)
        problems += accessibility_problems(page)
    return problems, seen


@pytest.mark.parametrize(
    "persona", ["anonymous", "global_admin", "user_admin", "sales_agent", "other_partner_admin"]
)
def test_every_page_passes_axe_and_fits_a_phone(browser, live_server, portal, persona):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watched = PageProblems()
    watched.watch(page)
    paths = list(portal["object paths" if persona == "other_partner_admin" else "paths"])
    if persona == "anonymous":
        paths += [portal["invitation"], portal["set-password"]]
    else:
        sign_in(page, portal["people"][persona].email, PASSWORD)
        assert "/sign-in/" not in page.url
    try:
        problems, seen = check_pages(page, paths)
    finally:
        context.close()
    assert len(seen) >= 5, seen
    assert problems == [], "\n".join(problems)
    assert list(watched) == [], "the browser reported problems"
