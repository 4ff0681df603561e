"""Reseller relationship requests: a partner invites a customer, the customer's admin answers on a
public page, and the relationship can later be removed (DESIGN rules 5 to 9)."""

import io
import math
import re
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multichannel import access, notifications
from multichannel.models import (
    Action,
    AuditEntry,
    Channel,
    Cloud,
    Customer,
    Relationship,
    RelationshipRequest,
    RelationshipStatus,
    RequestStatus,
)
from multichannel.roles import Role
from multichannel.services import relationships as relationship_services
from multichannel.services.customers import create_customer
from multichannel.services.errors import RuleViolation
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    SubscriptionFactory,
    make_managed_customer,
    make_request,
    make_user,
    signed_in,
)
from tests.races import race

ROLES = ["Global reader", "User administrator"]
DOMAIN = "litware.onmicrosoft.com"
ADMIN_EMAIL = "lee@litware.onmicrosoft.com"


def overdue(relationship_request):
    """Make a request's 90 days run out, as if it had been made long ago."""
    now = timezone.now()
    RelationshipRequest.objects.filter(pk=relationship_request.pk).update(
        created_at=now - timedelta(days=91), expires_at=now - timedelta(days=1)
    )
    relationship_request.refresh_from_db()
    return relationship_request


def entries(action: Action):
    return AuditEntry.objects.filter(action=action)


def link_of(relationship_request) -> str:
    return "http://testserver" + reverse("invitation-link", args=[relationship_request.token()])


def open_link(client, relationship_request):
    """The customer's admin opens the link: it lands, then shows the page without the token."""
    return client.get(reverse("invitation-link", args=[relationship_request.token()]), follow=True)


def answer(
    client,
    relationship_request,
    *,
    accept=True,
    name="Lee Gu",
    email=ADMIN_EMAIL,
    agree=True,
    confirm_decline=True,
):
    client.get(reverse("invitation-link", args=[relationship_request.token()]))
    data = {"name": name, "email": email, "answer": "accept" if accept else "decline"}
    if agree:
        data["agree"] = "on"
    if confirm_decline:
        data["confirm_decline"] = "yes"
    return client.post(reverse("invitation"), data)


def problem(response) -> str:
    page = response.content.decode()
    return page.split('id="invitation-problem">')[1].split("</p>")[0]


def snapshot():
    """What a refused change must leave as it was."""
    return (
        list(RelationshipRequest.objects.values_list("status", "send_count").order_by("pk")),
        list(Relationship.objects.values_list("status", flat=True).order_by("pk")),
        Customer.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def litware(other_partner_admin):
    """A tenant another partner added, with subscriptions bought elsewhere."""
    customer = create_customer(
        by=other_partner_admin,
        company_name="Litware Inc",
        primary_domain=DOMAIN,
        country="US",
        contact_name="Lee Gu",
        contact_email=ADMIN_EMAIL,
    )
    SubscriptionFactory(customer=customer, offer_name="Microsoft 365 E5")
    SubscriptionFactory(customer=customer, usage=True, channel=Channel.EA, offer_name="Azure EA")
    return customer


@pytest.fixture
def relationship_request(sales_agent, litware):
    return make_request(sales_agent, company="Litware Inc", roles=ROLES, days=180)


# --- The link's secret (rule 5) ---------------------------------------------------------------


@pytest.mark.rule(5)
def test_the_link_carries_a_secret_of_at_least_128_bits(relationship_request):
    token = relationship_request.token()
    alphabet = set("0123456789abcdef")
    assert set(token) <= alphabet
    assert len(token) * math.log2(len(alphabet)) >= 128
    assert len(set(token)) > 8  # not a constant or a short repeated pattern
    assert token in link_of(relationship_request)


@pytest.mark.rule(5)
def test_only_the_hash_of_the_secret_is_stored(relationship_request):
    token = relationship_request.token()
    row = RelationshipRequest.objects.filter(pk=relationship_request.pk).values().get()
    assert row["token_hash"] == RelationshipRequest.hash_token(token)
    assert not [column for column, value in row.items() if token in str(value)]
    assert token not in str(list(AuditEntry.objects.values()))


def test_the_same_link_comes_back_every_time_and_two_requests_never_share_one(
    relationship_request, sales_agent
):
    again = RelationshipRequest.objects.get(pk=relationship_request.pk)
    other = make_request(sales_agent, company="Fourth Coffee", domain="fourthcoffee.example")
    assert again.token() == relationship_request.token()
    assert other.token() != relationship_request.token()
    assert other.token_hash != relationship_request.token_hash


@pytest.mark.rule(5)
def test_a_token_finds_only_its_own_request_and_a_tampered_one_finds_nothing(
    relationship_request, sales_agent
):
    other = make_request(sales_agent, company="Fourth Coffee", domain="fourthcoffee.example")
    token = relationship_request.token()
    assert relationship_services.find_request_by_link(token) == relationship_request
    assert relationship_services.find_request_by_link(other.token()) == other
    tampered = [token[:-1] + ("0" if token[-1] != "0" else "1"), token.upper(), token[:32], ""]
    for bad in tampered:
        with pytest.raises(relationship_services.InvitationLinkProblem) as refused:
            relationship_services.find_request_by_link(bad)
        assert refused.value.status == 404


# --- Where the link goes, and what it leaves behind -------------------------------------------


def test_the_link_moves_its_token_into_the_session_and_out_of_the_address(relationship_request):
    client = Client()
    landing = client.get(reverse("invitation-link", args=[relationship_request.token()]))

    assert landing.status_code == 302
    assert landing["Location"] == reverse("invitation") == "/invitation/"
    assert landing["Referrer-Policy"] == "no-referrer"
    assert client.session["portal_invitation_link"] == relationship_request.token_hash

    page = client.get(landing["Location"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # so that the browser names the origin
    assert relationship_request.token() not in page.request["PATH_INFO"]
    assert relationship_request.token() not in page.content.decode()


def session_rows_holding(token: str) -> list[dict]:
    return [
        data for data in (row.get_decoded() for row in Session.objects.all()) if token in str(data)
    ]


@pytest.mark.rule(5)
def test_no_session_ever_holds_the_links_secret(relationship_request, sales_agent):
    token = relationship_request.token()
    client = Client()
    open_link(client, relationship_request)
    assert Session.objects.exists()
    assert session_rows_holding(token) == []

    # Half-way: the customer asked to decline and is asked "Decline for good?"; then goes back.
    page = answer(client, relationship_request, accept=False, agree=False, confirm_decline=False)
    assert "Decline for good?" in page.content.decode()
    assert session_rows_holding(token) == []
    client.post(reverse("invitation"), {"answer": "back", "name": "Lee Gu", "email": ADMIN_EMAIL})
    assert session_rows_holding(token) == []

    # Answered: the page still knows which invitation it was, and still not by its secret.
    done = answer(client, relationship_request)
    assert "You accepted Contoso Cloud Solutions as your reseller" in done.content.decode()
    assert session_rows_holding(token) == []
    assert "already been accepted" in client.get(reverse("invitation")).content.decode()

    # Another link, declined for good, leaves no secret behind either.
    other = make_request(sales_agent, company="Fourth Coffee", domain="fourthcoffee.example")
    declined = answer(Client(), other, accept=False, email="lee@fourthcoffee.example")
    assert "declined" in declined.content.decode()
    assert session_rows_holding(other.token()) == []


def test_a_session_that_held_the_secret_before_is_rewritten_with_its_hash(relationship_request):
    client = Client()
    session = client.session
    session["portal_invitation_token"] = relationship_request.token()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = str(session.session_key)

    assert client.get(reverse("invitation")).status_code == 200
    assert session_rows_holding(relationship_request.token()) == []


def test_the_request_page_is_never_cached_nor_tells_other_sites_where_it_was(
    as_sales_agent, relationship_request
):
    response = as_sales_agent.get(
        reverse("relationship_requests:detail", args=[relationship_request.uuid])
    )
    assert response.status_code == 200
    # Its address holds no secret; the browser names the origin of its Send form (CSRF).
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert link_of(relationship_request) in response.content.decode()


def test_the_list_which_also_holds_the_links_is_never_cached_either(
    as_sales_agent, relationship_request
):
    response = as_sales_agent.get(reverse("relationship_requests:list"))
    assert link_of(relationship_request) in response.content.decode()
    assert "no-store" in response.get("Cache-Control", "")
    assert response["Referrer-Policy"] == "same-origin"


# --- The customer's answer (rule 6) ------------------------------------------------------------


@pytest.mark.rule(6)
def test_the_public_page_says_plainly_what_the_customer_grants(relationship_request):
    response = open_link(Client(), relationship_request)
    page = response.content.decode()
    until = timezone.localdate() + timedelta(days=180)

    assert response.status_code == 200
    assert "Contoso Cloud Solutions asks to be your reseller" in page
    assert "A reseller relationship." in page
    for role in ROLES:
        assert f"<li>{role}</li>" in page
    assert f"until {until:%Y-%m-%d} (180 days)" in page
    assert "Microsoft Customer Agreement" in page
    assert "Accept" in page and "Decline" in page


@pytest.mark.rule(6)
def test_without_roles_the_public_page_says_no_admin_access_is_asked(sales_agent, litware):
    plain = make_request(sales_agent)
    page = open_link(Client(), plain).content.decode()
    assert "No delegated admin roles:" in page


@pytest.mark.rule(6)
def test_accepting_starts_the_relationship_and_our_sales_agents_see_the_customer(
    relationship_request, litware, sales_agent, partner, django_capture_on_commit_callbacks
):
    assert not access.customers_for(sales_agent).filter(pk=litware.pk).exists()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(
            Client(), relationship_request, name="  Lee Gu ", email="Lee@Litware.onmicrosoft.com"
        )

    assert response.status_code == 200
    assert "You accepted Contoso Cloud Solutions as your reseller" in response.content.decode()
    relationship = Relationship.objects.get(partner=partner, customer=litware)
    assert relationship.status == RelationshipStatus.ACTIVE
    assert (relationship.accepted_by_name, relationship.accepted_by_email) == (
        "Lee Gu",
        ADMIN_EMAIL,
    )
    assert relationship.accepted_at >= before
    assert relationship.customer_agreement_accepted_at >= before
    assert relationship.delegated_admin_roles == ROLES
    assert relationship.delegated_admin_until == timezone.localdate() + timedelta(days=180)
    relationship_request.refresh_from_db()
    assert relationship_request.status == RequestStatus.ACCEPTED
    assert (relationship_request.accepted_by_name, relationship_request.accepted_by_email) == (
        "Lee Gu",
        ADMIN_EMAIL,
    )

    assert access.customers_for(sales_agent).filter(pk=litware.pk).exists()
    seen = set(access.subscriptions_for(sales_agent).values_list("offer_name", flat=True))
    assert seen == {"Microsoft 365 E5", "Azure EA"}

    (message,) = mail.outbox
    assert message.to == [sales_agent.email]
    assert "accepted" in message.subject
    assert "Lee Gu (lee@litware.onmicrosoft.com) accepted" in message.body
    assert reverse("relationship_requests:detail", args=[relationship_request.uuid]) in message.body

    entry = entries(Action.REQUEST_ACCEPTED).get()
    assert (entry.partner, entry.customer) == (partner, litware)
    assert "Lee Gu" in entry.actor_label


def test_accepting_after_a_removed_relationship_starts_it_again(global_admin, partner, sales_agent):
    customer = make_managed_customer(partner, primary_domain=DOMAIN)
    relationship_services.remove_relationship(by=global_admin, customer=customer)
    relationship_request = make_request(sales_agent)

    answer(Client(), relationship_request)

    statuses = Counter(
        Relationship.objects.filter(partner=partner, customer=customer).values_list(
            "status", flat=True
        )
    )
    assert statuses == {RelationshipStatus.ACTIVE: 1, RelationshipStatus.REMOVED: 1}
    active = Relationship.objects.get(partner=partner, customer=customer, status="active")
    assert active.accepted_by_email == ADMIN_EMAIL
    assert access.get_customer_for(sales_agent, customer.uuid) == customer


def test_declining_records_it_creates_nothing_and_tells_the_requester(
    relationship_request, sales_agent, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(Client(), relationship_request, accept=False, agree=False)

    assert response.status_code == 200
    assert "You declined the request" in response.content.decode()
    relationship_request.refresh_from_db()
    assert relationship_request.status == RequestStatus.DECLINED
    assert not Relationship.objects.filter(partner=partner).exists()
    assert not access.customers_for(sales_agent).exists()
    (message,) = mail.outbox
    assert message.to == [sales_agent.email]
    assert "declined" in message.subject
    entry = entries(Action.REQUEST_DECLINED).get()
    assert (entry.partner, entry.customer) == (partner, relationship_request.customer)
    assert not entries(Action.REQUEST_ACCEPTED).exists()


def test_declining_asks_once_more_and_keeps_what_was_typed(relationship_request):
    response = answer(
        Client(), relationship_request, accept=False, agree=False, confirm_decline=False
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Decline for good?" in page
    assert 'value="Lee Gu"' in page
    assert 'name="confirm_decline" value="yes"' in page
    relationship_request.refresh_from_db()
    assert relationship_request.status == RequestStatus.PENDING
    assert not entries(Action.REQUEST_DECLINED).exists()


def test_the_answer_form_is_protected_against_cross_site_posts(relationship_request):
    client = Client(enforce_csrf_checks=True)
    page = open_link(client, relationship_request).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"name": "Lee Gu", "email": ADMIN_EMAIL, "answer": "accept", "agree": "on"}

    refused = client.post(reverse("invitation"), data)
    assert refused.status_code == 403
    assert not Relationship.objects.filter(partner=relationship_request.partner).exists()

    accepted = client.post(reverse("invitation"), {**data, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 200
    assert Relationship.objects.filter(partner=relationship_request.partner).exists()


def test_the_customer_sees_every_problem_with_the_answer_at_once(relationship_request):
    response = answer(Client(), relationship_request, email="lee@gmail.com", agree=False)

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["email"] == [
        "Use your email address in litware.onmicrosoft.com: accepting is for an admin of that "
        "tenant."
    ]
    assert errors["agree"] == ["Accepting needs the customer agreement accepted."]


# --- Answers that are refused and change nothing ---------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["lee@gmail.com", "lee@evil-litware.onmicrosoft.com", "lee@litware.onmicrosoft.com.evil.io"],
)
@pytest.mark.rule(6)
def test_an_email_outside_the_customers_domain_is_refused_beside_the_field(
    relationship_request, email
):
    before = snapshot()
    response = answer(Client(), relationship_request, email=email)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["email"] == [
        f"Use your email address in {DOMAIN}: accepting is for an admin of that tenant."
    ]
    assert form["name"].value() == "Lee Gu" and form["email"].value() == email
    assert snapshot() == before


@pytest.mark.rule(6)
def test_accepting_without_the_customer_agreement_is_refused(relationship_request):
    before = snapshot()
    response = answer(Client(), relationship_request, agree=False)

    assert response.status_code == 400
    assert response.context["form"].errors["agree"] == [
        "Accepting needs the customer agreement accepted."
    ]
    assert response.context["form"]["email"].value() == ADMIN_EMAIL
    assert snapshot() == before


@pytest.mark.rule(5, 6)
def test_an_accepted_link_used_again_says_so_and_changes_nothing(relationship_request):
    answer(Client(), relationship_request)
    before = snapshot()

    again = open_link(Client(), relationship_request)
    posted = answer(Client(), relationship_request, name="Someone Else")

    assert again.status_code == 410
    assert "already been accepted" in problem(again)
    assert posted.status_code == 410
    assert "already been accepted" in problem(posted)
    assert snapshot() == before
    assert (
        Relationship.objects.get(partner=relationship_request.partner).accepted_by_name == "Lee Gu"
    )


def _decline(relationship_request, _by):
    answer(Client(), relationship_request, accept=False)


def _revoke(relationship_request, by):
    relationship_services.revoke_request(by=by, relationship_request=relationship_request)


def _expire(relationship_request, _by):
    overdue(relationship_request)


@pytest.mark.parametrize(
    ("end", "says"),
    [
        (_decline, "was declined"),
        (_revoke, "Contoso Cloud Solutions has withdrawn this invitation."),
        (_expire, "This invitation has expired. Ask Contoso Cloud Solutions to send a new one."),
    ],
    ids=["declined", "revoked", "expired"],
)
@pytest.mark.rule(5, 6)
def test_a_used_withdrawn_or_expired_link_shows_a_clear_page_and_changes_nothing(
    relationship_request, sales_agent, end, says
):
    end(relationship_request, sales_agent)
    before = snapshot()

    shown = open_link(Client(), relationship_request)
    posted = answer(Client(), relationship_request)

    assert (shown.status_code, posted.status_code) == (410, 410)
    assert says in problem(shown) and says in problem(posted)
    assert "Nothing was changed." in shown.content.decode()
    assert snapshot() == before
    assert not Relationship.objects.filter(partner=relationship_request.partner).exists()


def test_an_unknown_token_is_not_found(relationship_request):
    client = Client()
    response = client.get(reverse("invitation-link", args=["f" * 64]), follow=True)
    assert response.status_code == 404
    assert problem(response) == "This invitation link is not valid."
    assert client.post(reverse("invitation"), {"name": "x", "answer": "accept"}).status_code == 404


def test_the_answer_page_without_a_link_in_the_session_is_not_found(relationship_request):
    client = Client()
    assert client.get(reverse("invitation")).status_code == 404
    before = snapshot()
    data = {"name": "Lee Gu", "email": ADMIN_EMAIL, "agree": "on", "answer": "accept"}
    assert client.post(reverse("invitation"), data).status_code == 404
    assert snapshot() == before


# --- Two accepts at the same moment (rule 16) -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.rule(6, 16)
def test_two_accepts_at_the_same_moment_start_one_relationship(monkeypatch):
    partner = PartnerFactory(name="Contoso Cloud Solutions")
    agent = make_user(partner, Role.SALES_AGENT)
    CustomerFactory(primary_domain=DOMAIN)
    token = make_request(agent).token()

    def accept(name):
        relationship_services.accept_request(
            token=token, answer=relationship_services.Answer(name, ADMIN_EMAIL)
        )
        return "accepted"

    outcomes = race(
        lambda: accept("Lee Gu"),
        lambda: accept("Kim Ra"),
        monkeypatch=monkeypatch,
        holding=(relationship_services, "check_answer"),  # the first holds the relationship request
    )

    assert outcomes.count("accepted") == 1, outcomes
    (refusal,) = [o for o in outcomes if o != "accepted"]
    assert isinstance(refusal, relationship_services.InvitationLinkProblem), refusal
    assert refusal.status == 410
    assert "already been accepted" in refusal.message
    assert Relationship.objects.filter(status=RelationshipStatus.ACTIVE).count() == 1
    assert entries(Action.REQUEST_ACCEPTED).count() == 1


# --- The walk-through (rules 7 and 9) ---------------------------------------------------------

NEW = reverse("relationship_requests:new")
NEW_ROLES = reverse("relationship_requests:new-roles")
NEW_REVIEW = reverse("relationship_requests:new-review")


def step_one(client, **overrides):
    data = {
        "company_name": "Litware Inc",
        "domain": "Litware.onmicrosoft.com",
        "contact_email": ADMIN_EMAIL,
    }
    data.update(overrides)
    return client.post(NEW, data)


def step_two(client, roles=ROLES, days="180", include=True):
    data = {"roles": list(roles), "days": days}
    if include:
        data["include"] = "on"
    return client.post(NEW_ROLES, data)


def test_the_walk_through_creates_a_request_and_shows_its_link(as_sales_agent, sales_agent):
    client = as_sales_agent
    client.get(NEW)
    assert step_one(client)["Location"] == NEW_ROLES
    assert step_two(client)["Location"] == NEW_REVIEW

    review = client.get(NEW_REVIEW)
    assert list(review.context["form"].fields) == ["email_text"]  # the link is not editable
    text = review.context["form"]["email_text"].value()
    assert "Contoso Cloud Solutions would like to become the reseller for Litware Inc" in text
    assert "for 180 days: Global reader, User administrator" in text
    assert "Litware Inc (litware.onmicrosoft.com)" in review.content.decode()

    created = client.post(NEW_REVIEW, {"email_text": "Dear Lee,\nplease accept.\nDana"})

    relationship_request = RelationshipRequest.objects.get()
    assert created["Location"] == reverse(
        "relationship_requests:detail", args=[relationship_request.uuid]
    )
    assert relationship_request.email_text == "Dear Lee,\nplease accept.\nDana"
    assert (relationship_request.domain, relationship_request.contact_email) == (
        DOMAIN,
        ADMIN_EMAIL,
    )
    assert (
        relationship_request.delegated_admin_roles,
        relationship_request.delegated_admin_days,
    ) == (ROLES, 180)
    assert relationship_request.created_by == sales_agent
    assert relationship_request.expires_at - relationship_request.created_at == timedelta(days=90)
    assert entries(Action.REQUEST_CREATED).get().actor == sales_agent
    assert mail.outbox == []  # nothing is sent until asked for

    page = client.get(created["Location"]).content.decode()
    assert f'id="invitation-link" value="{link_of(relationship_request)}"' in page
    assert 'data-copy-target="#invitation-link"' in page and "Copy link" in page
    assert "The request is ready" in page


def test_each_step_shows_where_the_user_is(as_sales_agent):
    client = as_sales_agent
    pages = [client.get(NEW)]
    step_one(client)
    pages.append(client.get(NEW_ROLES))
    step_two(client)
    pages.append(client.get(NEW_REVIEW))

    for number, (response, label) in enumerate(
        zip(pages, ["Customer", "Delegated admin roles", "Review and email"], strict=True), 1
    ):
        page = response.content.decode()
        assert f"Step {number} of 3." in page
        assert page.count('aria-current="step"') == 1
        current = page.split('aria-current="step"')[1].split("</li>")[0]
        assert label in current


@pytest.mark.parametrize("days", ["0", "731"])
@pytest.mark.rule(7)
def test_days_outside_1_to_730_are_explained_beside_the_field(as_sales_agent, days):
    step_one(as_sales_agent)
    response = step_two(as_sales_agent, days=days)
    bound = "greater than or equal to 1" if days == "0" else "less than or equal to 730"
    assert response.status_code == 200
    assert response.context["form"].errors == {"days": [f"Ensure this value is {bound}."]}
    page = response.content.decode()
    field = page.index('id="id_days"')  # the summary at the top says it too
    assert field < page.index(bound, field) < page.index('id="id_days_helptext"')
    assert response.context["form"]["roles"].value() == ROLES
    assert as_sales_agent.get(NEW_REVIEW)["Location"].startswith(NEW)  # step 2 not done


def test_roles_are_required_when_the_user_asks_for_delegated_admin(as_sales_agent):
    step_one(as_sales_agent)
    response = step_two(as_sales_agent, roles=[])
    assert response.context["form"].errors["roles"] == ["Choose at least one role."]

    plain = step_two(as_sales_agent, roles=[], days="", include=False)
    assert plain["Location"] == NEW_REVIEW
    as_sales_agent.post(NEW_REVIEW, {"email_text": "Hello"})
    relationship_request = RelationshipRequest.objects.get()
    assert (
        relationship_request.delegated_admin_roles,
        relationship_request.delegated_admin_days,
    ) == ([], None)


def test_going_back_keeps_what_was_typed(as_sales_agent):
    client = as_sales_agent
    step_one(client, company_name="Litware Inc")
    roles_page = client.get(NEW_ROLES).content.decode()
    assert f'href="{NEW}?keep=1"' in roles_page  # the Back button

    first = client.get(NEW + "?keep=1").context["form"]
    assert first["company_name"].value() == "Litware Inc"
    assert first["domain"].value() == DOMAIN
    assert first["contact_email"].value() == ADMIN_EMAIL

    step_two(client, roles=["Global reader"], days="30")
    refused = client.post(NEW_REVIEW, {"email_text": ""})  # the text is required
    assert refused.context["form"].errors["email_text"] == ["This field is required."]
    assert f'href="{NEW_ROLES}"' in refused.content.decode()  # the Back button
    second = client.get(NEW_ROLES).context["form"]
    assert second["roles"].value() == ["Global reader"]
    assert str(second["days"].value()) == "30"
    assert second["include"].value() is True


def test_going_back_through_the_step_indicator_keeps_what_was_typed(as_sales_agent):
    step_one(as_sales_agent)
    page = as_sales_agent.get(NEW_ROLES).content.decode()
    indicator = page.split('aria-label="Steps"')[1].split("</nav>")[0]
    href = indicator.split('<a href="')[1].split('"')[0]

    form = as_sales_agent.get(href).context["form"]
    assert form["domain"].value() == DOMAIN


@pytest.mark.parametrize("step", [NEW_ROLES, NEW_REVIEW])
def test_a_later_step_without_the_first_sends_the_user_back_to_it(as_sales_agent, step):
    assert as_sales_agent.get(step)["Location"] == NEW + "?keep=1"
    assert as_sales_agent.post(step, {"email_text": "x"})["Location"] == NEW + "?keep=1"
    assert not RelationshipRequest.objects.exists()


def test_the_invitation_goes_to_an_address_in_the_tenant_that_can_accept_it(as_sales_agent):
    response = step_one(as_sales_agent, contact_email="it@litware.example")

    assert response.status_code == 200
    assert response.context["form"].errors["contact_email"] == [
        "Send it to an address in litware.onmicrosoft.com: the customer's admin accepts with an "
        "email in the tenant's domain."
    ]
    assert (
        step_one(as_sales_agent, contact_email="it@eu.litware.onmicrosoft.com").status_code == 302
    )


def test_roles_ticked_without_asking_for_them_are_pointed_out_not_dropped(as_sales_agent):
    step_one(as_sales_agent)

    response = step_two(as_sales_agent, roles=ROLES[:1], include=False)

    assert response.status_code == 200
    assert response.context["form"].errors["include"] == [
        "Tick this to ask for the roles you chose, or clear their boxes."
    ]
    assert response.context["form"]["roles"].value() == ROLES[:1]


def test_the_review_step_needs_the_roles_step_too(as_sales_agent):
    step_one(as_sales_agent)
    assert as_sales_agent.get(NEW_REVIEW)["Location"] == NEW + "?keep=1"


def test_a_customer_we_see_prefills_the_first_step(as_sales_agent, partner, other_partner):
    mine = make_managed_customer(
        partner, company_name="Northwind", primary_domain="northwind.example"
    )
    theirs = make_managed_customer(other_partner, primary_domain="theirs.example")

    form = as_sales_agent.get(NEW, {"customer": mine.uuid}).context["form"]
    assert form["company_name"].value() == "Northwind"
    assert form["domain"].value() == "northwind.example"
    assert form["contact_email"].value() == mine.contact_email
    assert as_sales_agent.get(NEW, {"customer": theirs.uuid}).status_code == 404


def test_a_malformed_customer_in_the_address_is_not_found(as_sales_agent):
    assert as_sales_agent.get(NEW, {"customer": "not-a-uuid"}).status_code == 404


@pytest.fixture
def gov_partner(db):
    return PartnerFactory(name="Tailspin Government", cloud=Cloud.US_GOVERNMENT)


@pytest.fixture
def as_gov_admin(gov_partner):
    return signed_in(make_user(gov_partner, Role.GLOBAL_ADMIN, email="admin@tailspin.example"))


@pytest.mark.rule(9)
def test_us_government_partners_always_ask_for_delegated_admin_roles(as_gov_admin):
    step_one(as_gov_admin, domain="agency.onmicrosoft.us", contact_email="it@agency.onmicrosoft.us")
    response = as_gov_admin.get(NEW_ROLES)
    field = response.context["form"].fields["include"]
    assert field.disabled and field.initial is True
    page = response.content.decode()
    checkbox = re.search(r'<input type="checkbox" name="include"[^>]*>', page).group(0)
    assert " checked" in checkbox and " disabled" in checkbox
    assert "US Government partners always include delegated admin roles." in page

    refused = step_two(as_gov_admin, roles=[], include=False)
    assert refused.status_code == 200
    assert refused.context["form"].errors["roles"] == ["Choose at least one role."]

    assert step_two(as_gov_admin, include=False)["Location"] == NEW_REVIEW
    as_gov_admin.post(NEW_REVIEW, {"email_text": "Hello"})
    assert RelationshipRequest.objects.get().delegated_admin_roles == ROLES


@pytest.mark.rule(9)
def test_the_service_refuses_a_us_government_request_without_roles(gov_partner):
    admin = make_user(gov_partner, Role.GLOBAL_ADMIN)
    with pytest.raises(RuleViolation, match="US Government partners always include"):
        make_request(admin, domain="agency.onmicrosoft.us")
    assert not RelationshipRequest.objects.exists() and not Customer.objects.exists()


@pytest.mark.rule(9)
def test_a_tenant_in_another_cloud_is_refused_on_the_first_step(as_sales_agent, sales_agent):
    CustomerFactory(primary_domain="agency.onmicrosoft.us", cloud=Cloud.US_GOVERNMENT)
    before = snapshot()

    response = step_one(
        as_sales_agent, domain="agency.onmicrosoft.us", contact_email="it@agency.onmicrosoft.us"
    )

    assert response.status_code == 200
    (error,) = response.context["form"].errors["domain"]
    assert "a partner and its customers must be in the same cloud" in error
    assert snapshot() == before
    assert as_sales_agent.get(NEW_ROLES)["Location"] == NEW + "?keep=1"
    with pytest.raises(RuleViolation, match="same cloud"):
        make_request(sales_agent, domain="agency.onmicrosoft.us", roles=ROLES, days=30)
    assert snapshot() == before


def walk_through(client, **step_one_values):
    step_one(client, **step_one_values)
    step_two(client, include=False, roles=[], days="")
    return client.post(NEW_REVIEW, {"email_text": "Hello"})


def test_a_second_request_while_one_is_waiting_is_refused(as_sales_agent, relationship_request):
    before = snapshot()
    response = walk_through(as_sales_agent)
    assert response.status_code == 200
    assert "already waiting for an answer" in " ".join(response.context["form"].non_field_errors())
    assert snapshot() == before


def test_another_partners_waiting_request_does_not_stop_ours(
    as_sales_agent, other_partner_admin, litware
):
    make_request(other_partner_admin, company="Litware Inc", roles=ROLES, days=30)
    response = walk_through(as_sales_agent)
    mine = RelationshipRequest.objects.get(partner__name="Contoso Cloud Solutions")
    assert response["Location"] == reverse("relationship_requests:detail", args=[mine.uuid])
    assert mine.customer == litware


def test_an_active_relationship_is_asked_again_only_for_delegated_admin_roles(
    as_sales_agent, partner
):
    make_managed_customer(partner, primary_domain=DOMAIN)
    before = snapshot()

    refused = walk_through(as_sales_agent)
    assert "We already have an active reseller relationship" in " ".join(
        refused.context["form"].non_field_errors()
    )
    assert snapshot() == before

    step_one(as_sales_agent)
    step_two(as_sales_agent)
    allowed = as_sales_agent.post(NEW_REVIEW, {"email_text": "More roles, please"})
    relationship_request = RelationshipRequest.objects.get()
    assert allowed["Location"] == reverse(
        "relationship_requests:detail", args=[relationship_request.uuid]
    )
    assert relationship_request.delegated_admin_roles == ROLES


# --- The email (rule 5: the text is editable, the link is not) -------------------------------


def send(client, relationship_request, capture):
    with capture(execute=True):
        return client.post(reverse("relationship_requests:send", args=[relationship_request.uuid]))


def test_send_emails_the_contact_the_text_the_link_and_what_is_granted(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    detail = reverse("relationship_requests:detail", args=[relationship_request.uuid])
    response = send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)

    assert response["Location"] == detail
    (message,) = mail.outbox
    assert message.to == ["admin@litware.onmicrosoft.com"]
    assert relationship_request.email_text in message.body
    page_link = as_sales_agent.get(detail).context["url"]
    assert page_link == link_of(relationship_request)
    assert page_link in message.body
    for role in ROLES:
        assert role in message.body
    assert "180 days" in message.body
    assert f"until {relationship_request.expires_at:%Y-%m-%d}" in message.body
    relationship_request.refresh_from_db()
    assert relationship_request.send_count == 1 and relationship_request.last_sent_at is not None
    assert entries(Action.REQUEST_SENT).get().new_values["to"] == message.to[0]


def test_a_second_click_on_send_does_not_email_twice(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)
    again = as_sales_agent.post(
        reverse("relationship_requests:send", args=[relationship_request.uuid]), follow=True
    )

    assert len(mail.outbox) == 1
    assert (
        "It was sent to admin@litware.onmicrosoft.com a moment ago. Wait half a minute before "
        "sending it again." in again.content.decode()
    )
    relationship_request.refresh_from_db()
    assert relationship_request.send_count == 1
    assert entries(Action.REQUEST_SENT).count() == 1


@pytest.mark.django_db(transaction=True)  # emails go out when the service commits, as served
def test_a_mail_server_that_is_down_is_said_and_the_link_stays_on_the_page(
    as_sales_agent, relationship_request, settings
):
    settings.EMAIL_BACKEND = "tests.test_users.RefusingMailServer"

    response = as_sales_agent.post(
        reverse("relationship_requests:send", args=[relationship_request.uuid]), follow=True
    )

    page = response.content.decode()
    assert "The invitation could not be emailed to admin@litware.onmicrosoft.com" in page
    assert "The invitation was emailed" not in page
    assert link_of(relationship_request) in page


def test_nothing_is_emailed_if_the_transaction_does_not_commit(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        as_sales_agent.post(reverse("relationship_requests:send", args=[relationship_request.uuid]))
    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.rule(5)
def test_the_link_is_not_part_of_the_editable_text(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)
    forged = "Please use https://evil.example/invitations/0000/ instead."
    RelationshipRequest.objects.filter(pk=relationship_request.pk).update(
        email_text=forged, last_sent_at=timezone.now() - timedelta(minutes=5)
    )
    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)

    first, second = mail.outbox
    assert forged in second.body
    assert (
        link_of(relationship_request) in first.body and link_of(relationship_request) in second.body
    )
    assert (
        RelationshipRequest.objects.get(pk=relationship_request.pk).token()
        == relationship_request.token()
    )


def test_resend_sends_the_same_link_again(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)
    page = as_sales_agent.get(
        reverse("relationship_requests:detail", args=[relationship_request.uuid])
    )
    assert "Resend the email to admin@litware.onmicrosoft.com" in page.content.decode()
    RelationshipRequest.objects.filter(pk=relationship_request.pk).update(  # the next day
        last_sent_at=timezone.now() - timedelta(days=1)
    )
    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)

    first, second = mail.outbox
    links = [[line for line in m.body.splitlines() if "/invitations/" in line] for m in mail.outbox]
    assert links[0] == links[1] == [link_of(relationship_request)]
    assert first.to == second.to
    relationship_request.refresh_from_db()
    assert relationship_request.send_count == 2
    assert entries(Action.REQUEST_SENT).count() == 2


def test_revoking_asks_first_then_the_link_says_it_was_withdrawn(
    as_sales_agent, sales_agent, relationship_request
):
    url = reverse("relationship_requests:revoke", args=[relationship_request.uuid])
    confirm = as_sales_agent.get(url)
    assert "The link stops working at once" in confirm.content.decode()
    relationship_request.refresh_from_db()
    assert relationship_request.status == RequestStatus.PENDING

    response = as_sales_agent.post(url, {})
    assert response["Location"] == reverse(
        "relationship_requests:detail", args=[relationship_request.uuid]
    )
    relationship_request.refresh_from_db()
    assert (relationship_request.status, relationship_request.revoked_by) == (
        RequestStatus.REVOKED,
        sales_agent,
    )
    assert entries(Action.REQUEST_REVOKED).count() == 1
    page = as_sales_agent.get(response["Location"])
    assert "its link no longer works" in page.content.decode()
    assert page.context["url"] is None

    withdrawn = open_link(Client(), relationship_request)
    assert withdrawn.status_code == 410
    assert "withdrawn" in problem(withdrawn)


def test_revoking_a_request_for_a_tenant_we_added_takes_it_out_of_our_customers(
    as_sales_agent, sales_agent
):
    relationship_request = make_request(sales_agent, company="Brand New", domain="brandnew.example")
    customer = relationship_request.customer
    assert customer.created_by_partner == sales_agent.partner
    assert access.customers_for(sales_agent).filter(pk=customer.pk).exists()

    as_sales_agent.post(
        reverse("relationship_requests:revoke", args=[relationship_request.uuid]), {}
    )

    assert not access.customers_for(sales_agent).filter(pk=customer.pk).exists()
    assert as_sales_agent.get(reverse("customers:detail", args=[customer.uuid])).status_code == (
        404
    )


def test_send_returns_only_to_a_page_of_the_portal(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_sales_agent.post(
            reverse("relationship_requests:send", args=[relationship_request.uuid]),
            {"next": "https://evil.example/phish"},
        )
    assert response.status_code == 302
    assert response["Location"].startswith("/")


@pytest.mark.parametrize("end", [_revoke, _expire], ids=["revoked", "expired"])
def test_a_revoked_or_expired_request_cannot_be_sent_or_revoked_again(
    as_sales_agent, sales_agent, relationship_request, end, django_capture_on_commit_callbacks
):
    end(relationship_request, sales_agent)
    label = "revoked" if end is _revoke else "expired"
    before = snapshot()
    detail = reverse("relationship_requests:detail", args=[relationship_request.uuid])

    sent = send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)
    assert sent["Location"] == detail
    page = as_sales_agent.get(detail).content.decode()
    assert f"It is {label}; it cannot be sent." in page
    assert "Copy link" not in page and "Send the email" not in page

    revoke_url = reverse("relationship_requests:revoke", args=[relationship_request.uuid])
    assert f"It is {label}." in as_sales_agent.get(revoke_url).content.decode()
    revoked = as_sales_agent.post(revoke_url, {})
    assert revoked["Location"] == detail
    assert f"It is already {label}." in as_sales_agent.get(detail).content.decode()

    assert mail.outbox == []
    assert snapshot() == before


# --- The list -------------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [
        relationship_request.company_name for relationship_request, _ in response.context["rows"]
    ]


def test_the_list_shows_only_our_partners_requests(
    as_sales_agent, sales_agent, other_partner_admin, as_other_partner
):
    make_request(sales_agent, company="Litware")
    make_request(other_partner_admin, company="Fabrikam's", domain="fabrikams.example")

    assert listed(as_sales_agent.get(reverse("relationship_requests:list"))) == ["Litware"]
    assert listed(as_other_partner.get(reverse("relationship_requests:list"))) == ["Fabrikam's"]
    theirs = RelationshipRequest.objects.get(company_name="Fabrikam's")
    assert as_sales_agent.get(
        reverse("relationship_requests:detail", args=[theirs.uuid])
    ).status_code == (404)


def test_the_list_filters_by_status_counting_overdue_requests_as_expired(
    as_sales_agent, sales_agent
):
    make_request(sales_agent, company="Waiting", domain="waiting.example")
    late = overdue(make_request(sales_agent, company="Overdue", domain="overdue.example"))
    _revoke(make_request(sales_agent, company="Withdrawn", domain="withdrawn.example"), sales_agent)
    answer(
        Client(),
        make_request(sales_agent, company="Yes", domain="yes.example"),
        email="a@yes.example",
    )
    assert late.status == RequestStatus.PENDING  # in the database, the command has not run
    url = reverse("relationship_requests:list")

    def with_status(status):
        return sorted(listed(as_sales_agent.get(url, {"status": status})))

    assert with_status("pending") == ["Waiting"]
    assert with_status("expired") == ["Overdue"]
    assert with_status("revoked") == ["Withdrawn"]
    assert with_status("accepted") == ["Yes"]
    assert with_status("") == ["Overdue", "Waiting", "Withdrawn", "Yes"]

    rows = {
        i.company_name: (i.effective_status, link)
        for i, link in as_sales_agent.get(url).context["rows"]
    }
    assert rows["Overdue"] == ("expired", None)
    assert rows["Waiting"][0] == "pending" and rows["Waiting"][1].startswith("http://testserver")
    page = as_sales_agent.get(url, {"status": "expired"}).content.decode()
    assert "Expired</span>" in page and "Pending</span>" not in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("litware", ["Litware Inc"]),
        ("FOURTHCOFFEE.EXAMPLE", ["Fourth Coffee"]),
        ("admin@fourth", ["Fourth Coffee"]),
        ("nothing-like-it", []),
    ],
)
def test_the_list_searches_company_domain_and_contact(as_sales_agent, sales_agent, query, found):
    make_request(sales_agent, company="Litware Inc", domain="lw.example")
    make_request(sales_agent, company="Fourth Coffee", domain="fourthcoffee.example")
    response = as_sales_agent.get(reverse("relationship_requests:list"), {"q": query})
    assert listed(response) == found


def test_the_list_sorts_by_company_and_expiry(as_sales_agent, sales_agent):
    for name in ("Bravo", "Alpha", "Charlie"):
        make_request(sales_agent, company=name, domain=f"{name.lower()}.example")
    RelationshipRequest.objects.filter(company_name="Charlie").update(
        expires_at=timezone.now() + timedelta(days=5)
    )
    url = reverse("relationship_requests:list")
    assert listed(as_sales_agent.get(url)) == ["Charlie", "Alpha", "Bravo"]  # newest first
    assert listed(as_sales_agent.get(url, {"sort": "company"})) == ["Alpha", "Bravo", "Charlie"]
    assert listed(as_sales_agent.get(url, {"sort": "-company"})) == ["Charlie", "Bravo", "Alpha"]
    assert listed(as_sales_agent.get(url, {"sort": "expires"}))[0] == "Charlie"


def _bulk_requests(user, count):
    customers = Customer.objects.bulk_create(CustomerFactory.build() for _ in range(count))
    now = timezone.now()
    rows = []
    for index, customer in enumerate(customers):
        row = RelationshipRequest(
            partner=user.partner,
            customer=customer,
            company_name=customer.company_name,
            domain=customer.primary_domain,
            contact_email=customer.contact_email,
            created_by=user,
            created_at=now - timedelta(minutes=index),
            expires_at=now + timedelta(days=90 - index),
            email_text="Hello",
            delegated_admin_roles=ROLES if index % 2 else [],
            delegated_admin_days=30 if index % 2 else None,
            token_nonce=uuid.uuid4().hex,
        )
        row.token_hash = RelationshipRequest.hash_token(row.token())
        rows.append(row)
    RelationshipRequest.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_costs_the_same_queries_for_3_or_60_requests(
    as_sales_agent, sales_agent, count, django_assert_max_num_queries
):
    _bulk_requests(sales_agent, count)
    as_sales_agent.get(reverse("relationship_requests:list"))
    with django_assert_max_num_queries(8):
        response = as_sales_agent.get(
            reverse("relationship_requests:list"), {"status": "pending", "sort": "expires"}
        )
    assert len(response.context["rows"]) == min(count, 25)


# --- Expiry (rule 5: 90 days) ----------------------------------------------------------------


@pytest.mark.rule(5)
def test_the_expiry_command_marks_only_overdue_requests_and_takes_their_customers_away(
    sales_agent, partner
):
    fresh = make_request(sales_agent, company="Fresh", domain="fresh.example")
    late = overdue(make_request(sales_agent, company="Late", domain="late.example"))
    answered = make_request(sales_agent, company="Answered", domain="answered.example")
    answer(Client(), answered, email="a@answered.example")
    overdue(answered)  # answered long ago: not pending, so not expired
    assert access.customers_for(sales_agent).filter(pk=late.customer_id).exists()

    call_command("expire_requests", stdout=(out := io.StringIO()))

    assert "1 relationship request expired." in out.getvalue()
    statuses = dict(RelationshipRequest.objects.values_list("company_name", "status"))
    assert statuses == {"Fresh": "pending", "Late": "expired", "Answered": "accepted"}
    entry = entries(Action.REQUEST_EXPIRED).get()
    assert (entry.partner, entry.customer_id, entry.target_id) == (
        partner,
        late.customer_id,
        str(late.uuid),
    )
    assert not access.customers_for(sales_agent).filter(pk=late.customer_id).exists()
    assert access.customers_for(sales_agent).filter(pk=fresh.customer_id).exists()

    call_command("expire_requests", stdout=(again := io.StringIO()))
    assert "0 relationship requests expired." in again.getvalue()
    assert entries(Action.REQUEST_EXPIRED).count() == 1


# --- Removing a relationship (rule 8) --------------------------------------------------------


@pytest.fixture
def managed(partner):
    customer = make_managed_customer(partner, company_name="Northwind", primary_domain=DOMAIN)
    SubscriptionFactory(customer=customer, offer_name="Bought directly")
    return customer


def test_a_global_admin_sees_remove_relationship_on_the_customer_page(as_global_admin, managed):
    page = as_global_admin.get(reverse("customers:detail", args=[managed.uuid])).content.decode()
    assert "Remove relationship" in page or "Remove the relationship" in page
    assert reverse("customers:remove-relationship", args=[managed.uuid]) in page


@pytest.mark.rule(8)
def test_a_relationship_cannot_be_removed_while_we_hold_a_live_subscription(
    as_global_admin, managed, partner
):
    SubscriptionFactory(customer=managed, held_by=partner, offer_name="Microsoft 365 E3")
    url = reverse("customers:remove-relationship", args=[managed.uuid])
    before = snapshot()

    page = as_global_admin.get(url).content.decode()
    assert "cancel or transfer Microsoft 365 E3 first" in page
    assert "<li><a href=" in page and "Microsoft 365 E3</a> (active)" in page
    assert "Remove the relationship</button>" not in page

    response = as_global_admin.post(url, {})
    assert response["Location"] == reverse("customers:detail", args=[managed.uuid])
    told = as_global_admin.get(response["Location"]).content.decode()
    assert "Cancel or transfer what we hold for this customer first: Microsoft 365 E3." in told
    assert snapshot() == before
    assert Relationship.objects.get().status == RelationshipStatus.ACTIVE


@pytest.mark.rule(8)
def test_removing_a_relationship_takes_the_customer_out_of_our_list(
    as_global_admin, global_admin, as_sales_agent, managed, partner
):
    SubscriptionFactory(customer=managed, held_by=partner, status="cancelled")  # not live
    url = reverse("customers:remove-relationship", args=[managed.uuid])
    assert "Remove the relationship</button>" in as_global_admin.get(url).content.decode()

    response = as_global_admin.post(url, {})

    assert response["Location"] == reverse("customers:list")
    relationship = Relationship.objects.get()
    assert relationship.status == RelationshipStatus.REMOVED
    assert relationship.removed_by == global_admin and relationship.removed_at is not None
    listed_page = as_global_admin.get(response["Location"])
    assert "it is no longer in your customer list" in listed_page.content.decode()
    assert [c.company_name for c in listed_page.context["page_obj"]] == []
    detail = reverse("customers:detail", args=[managed.uuid])
    assert as_global_admin.get(detail).status_code == 404
    assert as_sales_agent.get(detail).status_code == 404
    entry = entries(Action.RELATIONSHIP_REMOVED).get()
    assert (entry.actor, entry.customer) == (global_admin, managed)


@pytest.mark.rule(8)
def test_removing_it_a_second_time_says_it_is_removed_and_changes_nothing(
    as_global_admin, managed, other_partner_admin
):
    url = reverse("customers:remove-relationship", args=[managed.uuid])
    as_global_admin.post(url, {})
    before = snapshot()

    again = as_global_admin.post(url, {}, follow=True)  # a second click, or a colleague

    assert again.redirect_chain[-1][0] == reverse("customers:list")
    assert f"The reseller relationship with {managed} is removed." in again.content.decode()
    assert snapshot() == before
    assert entries(Action.RELATIONSHIP_REMOVED).count() == 1
    # Another partner, which never had one, still gets a 404.
    assert signed_in(other_partner_admin).post(url, {}).status_code == 404


@pytest.mark.rule(1, 8)
def test_a_sales_agent_cannot_remove_a_relationship(as_sales_agent, managed):
    url = reverse("customers:remove-relationship", args=[managed.uuid])
    assert as_sales_agent.get(url).status_code == 403
    response = as_sales_agent.post(url, {})
    assert response.status_code == 403
    assert "Global admin" in response.content.decode()
    assert Relationship.objects.get().status == RelationshipStatus.ACTIVE


# --- The dashboard --------------------------------------------------------------------------


def test_a_sales_agents_dashboard_lists_customers_waiting_on_an_invitation(
    as_sales_agent, sales_agent
):
    waiting = make_request(sales_agent, company="Litware Inc")
    overdue(make_request(sales_agent, company="Too Late", domain="late.example"))
    _revoke(make_request(sales_agent, company="Withdrawn", domain="w.example"), sales_agent)

    page = as_sales_agent.get(reverse("home")).content.decode()

    assert "Customers waiting on an invitation" in page
    assert "1 invitation waiting for the customer" in page
    assert reverse("relationship_requests:detail", args=[waiting.uuid]) in page
    assert "Litware Inc" in page
    assert "Too Late" not in page and "Withdrawn" not in page


def test_sending_the_answer_again_from_the_same_page_says_it_was_answered(relationship_request):
    client = Client()
    open_link(client, relationship_request)
    assert answer(client, relationship_request).status_code == 200

    again = answer(client, relationship_request)  # a reload that posts the form again

    assert again.status_code == 410
    assert "already been accepted" in problem(again)
    assert Relationship.objects.filter(partner=relationship_request.partner).count() == 1


def test_a_role_outside_the_list_is_refused_not_dropped(sales_agent, litware):
    with pytest.raises(RuleViolation, match="Unknown role: Global administrator"):
        make_request(sales_agent, roles=("Global administrator", "Global reader"), days=30)
    assert not RelationshipRequest.objects.exists()


def test_an_email_goes_through_the_mail_backend_chosen_when_it_was_scheduled(
    as_sales_agent, relationship_request, django_capture_on_commit_callbacks
):
    # The demo data schedules its emails through the dummy backend; they are sent, and dropped,
    # only when its transaction commits, after the block.
    dummy = "django.core.mail.backends.dummy.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True), notifications.sent_through(dummy):
        notifications.after_commit(notifications.send_invitation, relationship_request.pk)
    assert mail.outbox == []

    send(as_sales_agent, relationship_request, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [relationship_request.contact_email]


def test_a_tenant_a_request_adds_has_no_country_nobody_chose(as_sales_agent, sales_agent):
    relationship_request = make_request(sales_agent, company="Brand New", domain="brandnew.example")
    customer = relationship_request.customer

    assert customer.country == ""
    page = as_sales_agent.get(reverse("customers:detail", args=[customer.uuid]))
    assert "<dt>Country</dt><dd>Not known</dd>" in page.content.decode()
