"""Every form page, sent with something wrong, says so at the top: an error summary headed "There
is a problem" that links each field's error to that field (the link's target is in the page),
and a title starting with "Error: ". Every URL is classified here: a form page has a row saying
what wrong answer to send; a new URL without one fails `test_every_url_is_classified`."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.template import Context
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.html import format_html
from django.utils.http import urlsafe_base64_encode
from django.views.generic.edit import FormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import mfa
from multichannel.models import Relationship, RelationshipStatus, Subscription
from multichannel.services.errors import RuleViolation
from multichannel.services.permissions import refresh_customer_access
from multichannel.templatetags.error_summary import field_anchor, page_errors
from tests.factories import PASSWORD, give_authenticator, signed_in


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


def _review_step(client, request, url):
    _roles_step(client, request, url)
    client.post(reverse("relationship_requests:new-roles"), {"days": "365"})
    return url


def _invitation_page(client, request, url):
    relationship_request = request.getfixturevalue("open_request")
    client.get(reverse("invitation-link", args=[relationship_request.token()]))
    return url


def _direct_subscription(client, request, url):
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


def _azure_held_elsewhere(client, request, url):
    """A customer of ours whose Azure the other partner holds: a transfer can be asked."""

    customer = request.getfixturevalue("held_subscription").customer
    other = request.getfixturevalue("other_partner")
    Relationship.objects.create(partner=other, customer=customer, status=RelationshipStatus.ACTIVE)
    refresh_customer_access(customer, other)
    Subscription.objects.create(
        customer=customer,
        offer_name="Azure plan",
        offer_id="DZH318Z0BPS6",
        billing_type="usage",
        channel="csp",
        partner_of_record=other,
        external_id=uuid.uuid4(),
    )
    return url


def _relationship_ended(client, request, url):

    onboarding = request.getfixturevalue("azure_onboarding")
    Relationship.objects.filter(customer=onboarding.customer).update(
        status=RelationshipStatus.REMOVED
    )
    refresh_customer_access(onboarding.customer, onboarding.partner)
    return url


def _onboarding_step(step: int):
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
    _onboarding_step(4)(client, request, url)

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
        prepare=_direct_subscription,
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
        "sales_agent", {"email_text": ""}, prepare=_review_step, links=("id_email_text",)
    ),
    "invitation": FormPage(
        "anonymous",
        {"answer": "accept", "email": "nobody"},
        prepare=_invitation_page,
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
        prepare=_onboarding_step(2),
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
        prepare=_onboarding_step(3),
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

# Form views whose form is empty: sending it confirms the action the page describes, so there
# is nothing to get wrong (a refusal goes back to the object's page with a message).
CONFIRM_ONLY = {
    "subscriptions:suspend",
    "subscriptions:reactivate",
    "subscriptions:cancel",
    "subscriptions:onboard",
    "relationship_requests:revoke",
    "customers:remove-relationship",
    "moves:done",
    "moves:cancel",
    "transfers:cancel",
}

# Pages with no form to refuse: lists (their filter bars show a wrong filter beside it), pages
# about one object, downloads, and buttons whose refusal goes back with a message.
NO_FORM = {
    "home",
    "sign-out",
    "password-reset-done",
    "password-reset-complete",
    "users:list",
    "users:export",
    "users:detail",
    "users:deactivate",
    "users:reactivate",
    "users:reset-mfa",
    "account-security",
    "mfa-remove",
    "mfa-recovery-codes",
    "mfa-recovery-codes-new",
    "mfa-recovery-codes-download",
    "activity:list",
    "activity:export",
    "customers:list",
    "customers:export",
    "customers:detail",
    "subscriptions:list",
    "subscriptions:export",
    "subscriptions:detail",
    "relationship_requests:list",
    "relationship_requests:detail",
    "relationship_requests:send",
    "invitation-link",
    "onboardings:list",
    "onboardings:detail",
    "moves:list",
    "transfers:list",
    "transfers:detail",
    "support:list",
    "support:export",
    "support:status",
    "support:assign",
    "support:attachment",
}


def _views(resolver: URLResolver, namespace: str = "") -> dict[str, type | None]:
    views: dict[str, type | None] = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            views |= _views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            views[namespace + pattern.name] = getattr(pattern.callback, "view_class", None)
    return views


def test_every_url_is_classified():
    views = _views(get_resolver())
    classified = [*FORM_PAGES, *CONFIRM_ONLY, *NO_FORM]
    assert len(classified) == len(set(classified)), "a URL is classified twice"
    assert views.keys() - set(classified) == set(), "say how these URLs take part"
    assert set(classified) - views.keys() == set(), "these URLs no longer exist"
    for name, view in views.items():
        if view is None or not issubclass(view, FormMixin):
            continue
        assert name not in NO_FORM, f"{name} shows a form: give it a row in FORM_PAGES"
        if name in CONFIRM_ONLY:
            form_class = view.form_class
            assert form_class is not None and form_class().fields == {}, f"{name}: add a row"


# --- Reading a page --------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a page the summary is about: ids, the title, the summary's content."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.title = ""
        self.heading = ""
        self.summary_attrs: dict[str, str | None] = {}
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.items: list[str] = []  # every entry's text
        self._in: list[str] = []
        self._depth = 0  # <div> nesting inside the summary
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if "data-error-summary" in found and not self.summary_attrs:
            self.summary_attrs, self._depth = found, 1
            return
        if self._depth and tag == "div":
            self._depth += 1
        self._in.append(tag)
        if self._depth and tag == "a":
            self.links.append((found.get("href") or "", ""))
        if self._depth and tag == "li":
            self.items.append("")

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        where = self._in[-1] if self._in else ""
        if where == "title":
            self.title += data
        if not self._depth:
            return
        if where == "h2":
            self.heading += data
        if where == "a" and self.links:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)
        if self.items and where in ("a", "li"):
            self.items[-1] += data


def _kwargs(about: str, request) -> dict:
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


@pytest.mark.parametrize("url_name", sorted(FORM_PAGES))
def test_a_refused_form_says_so_at_the_top(url_name, request, db):
    row = FORM_PAGES[url_name]
    client = (
        Client() if row.persona == "anonymous" else signed_in(request.getfixturevalue(row.persona))
    )
    url = reverse(url_name, kwargs=_kwargs(row.about, request))
    if row.prepare:
        url = row.prepare(client, request, url)

    response = client.post(url, row.data)

    assert response.status_code in (200, 400), f"{url_name}: {response.status_code}"
    page = Page(response.content.decode())
    assert page.title.strip().startswith("Error: "), page.title
    assert page.summary_attrs.get("tabindex") == "-1", "no error summary to focus"
    assert page.heading.strip() == "There is a problem"
    hrefs = [href for href, _ in page.links]
    for href, text in page.links:
        assert href.startswith("#") and href[1:] in page.ids, f"{href} leads nowhere"
        assert text.strip(), f"{href} says nothing"
    for wanted in row.links:
        assert f"#{wanted}" in hrefs, f"no link to {wanted} in {hrefs}"
    for wanted in row.texts:
        assert any(wanted in item for item in page.items), f"{wanted!r} not in {page.items}"


def test_a_page_without_errors_has_no_summary_and_a_plain_title(as_sales_agent):
    page = Page(as_sales_agent.get(reverse("support:new")).content.decode())

    assert not page.title.strip().startswith("Error")
    assert page.summary_attrs == {}


def test_a_field_error_names_its_field_and_a_non_field_error_is_said_once(
    as_sales_agent, planned_move
):
    url = reverse("moves:detail", args=[planned_move.uuid])

    page = Page(as_sales_agent.post(url, {"seen": "an older version"}).content.decode())

    assert page.links == []
    assert len(page.items) == 1
    assert page.items[0].startswith("Someone changed this checklist while you were editing.")


def test_a_formset_row_is_named_in_its_link(as_sales_agent, azure_onboarding, request):
    url = reverse("onboardings:services", args=[azure_onboarding.uuid])
    client = as_sales_agent
    _onboarding_step(3)(client, request, url)
    data = dict(FORM_PAGES["onboardings:services"].data)

    page = Page(client.post(url, data).content.decode())

    assert page.links == [
        (
            "#id_services-1-disposition_0",
            "Service 2, What happens to it: Choose whether it moves to us (cancelled on the old "
            "subscription) or stays.",
        )
    ]


class _Anchors(forms.Form):
    when = forms.SplitDateTimeField()
    kind = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    name = forms.CharField(widget=forms.TextInput(attrs={"id": "own-id"}))
    seen = forms.CharField(widget=forms.HiddenInput)


def test_a_link_leads_to_the_first_input_the_field_renders():
    form = _Anchors(data={})
    rendered = str(form)

    anchors = {name: field_anchor(form[name]) for name in form.fields}

    assert anchors == {"when": "id_when_0", "kind": "id_kind_0", "name": "own-id", "seen": ""}
    assert all(f'id="{anchor}"' in rendered for anchor in anchors.values() if anchor)


def test_markup_in_a_message_is_kept_as_text_but_never_nested_in_a_link():
    form = _Anchors(data={})
    form.is_valid()
    form.add_error(None, format_html('Taken. <a href="{}">Open it</a>.', "/x/"))
    form.add_error("name", format_html("Taken by <b>{}</b> &amp; others.", "Contoso"))

    errors = page_errors(Context({"form": form}))

    said = [error.text for error in errors if not error.anchor]
    assert said[0] == 'Taken. <a href="/x/">Open it</a>.'  # a safe message, as it was
    assert said[1:] == ["This field is required."]  # the hidden field's: not named
    linked = [error.text for error in errors if error.anchor == "own-id"]
    assert linked == ["Name: This field is required.", "Name: Taken by Contoso & others."]


# A refusal that is about no one field (a rule the service enforces) is said twice: in the
# summary at the top and above the form, not a third time by a template of the page's own.
REFUSED_AS_A_WHOLE = {
    "relationship_requests:new-review": (
        "multichannel.services.relationships.request_relationship",
        {"email_text": "Hello"},
        _review_step,
    ),
    "customers:onboard-azure": (
        "multichannel.services.onboarding.start_with_entered_source",
        {
            "external_id": str(uuid.uuid4()),
            "channel": "direct",
            "offer_name": "Azure plan",
            "offer_id": "MS-AZR-0017P",
        },
        None,
    ),
    "subscriptions:plan-move": (
        "multichannel.services.moves.plan_move",
        {"remind_days_before": "30"},
        _direct_subscription,
    ),
    "transfers:new": (
        "multichannel.services.transfers.request_transfer",
        lambda request: {
            "customer": request.getfixturevalue("held_subscription").customer.uuid,
            "source_partner": request.getfixturevalue("other_partner").uuid,
            "product_types": "azure",
            "notify_email": "it@northwind.example",
        },
        _azure_held_elsewhere,
    ),
    "support:detail": (
        "multichannel.services.support.add_note",
        {"body": "Called the customer."},
        None,
    ),
    "invitation": (
        "multichannel.services.relationships.check_answer",
        {
            "answer": "accept",
            "name": "Ann Admin",
            "email": "ann@litware.onmicrosoft.com",
            "agree": "on",
        },
        _invitation_page,
    ),
    "onboardings:review": (
        "multichannel.services.onboarding.finish",
        {},
        _onboarding_step(4),
    ),
}


@pytest.mark.parametrize("url_name", sorted(REFUSED_AS_A_WHOLE))
def test_a_refusal_of_the_whole_form_is_said_at_the_top_and_above_the_form(
    url_name, request, monkeypatch, db
):
    service, data, prepare = REFUSED_AS_A_WHOLE[url_name]
    row = FORM_PAGES[url_name]
    client = (
        Client() if row.persona == "anonymous" else signed_in(request.getfixturevalue(row.persona))
    )
    url = reverse(url_name, kwargs=_kwargs(row.about, request))
    if prepare:
        url = prepare(client, request, url)
    said = "The rule this breaks, in words."

    def refuse(*args, **kwargs):
        raise RuleViolation(said)

    monkeypatch.setattr(service, refuse)
    if callable(data):  # about objects the test made
        data = data(request)

    page = client.post(url, data).content.decode()

    assert Page(page).items == [said]
    assert page.count(said) == 2
