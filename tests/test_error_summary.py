"""Every form page, sent with something wrong, says so at the top: an error summary headed "There
is a problem" that links each field's error to that field (the link's target is in the page),
and a title starting with "Error: ". Every URL is classified here: a form page has a row saying
what wrong answer to send; a new URL without one fails `test_every_url_is_classified`."""

import uuid
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import format_html
from django.views.generic.edit import FormMixin

from multichannel.services.errors import RuleViolation
from multichannel.templatetags.error_summary import field_anchor, page_errors
from tests.factories import signed_in
from tests.form_pages import (
    FORM_PAGES,
    azure_held_elsewhere,
    direct_subscription,
    invitation_page,
    onboarding_step,
    review_step,
    url_kwargs,
)

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


@pytest.mark.parametrize("url_name", sorted(FORM_PAGES))
def test_a_refused_form_says_so_at_the_top(url_name, request, db):
    row = FORM_PAGES[url_name]
    client = (
        Client() if row.persona == "anonymous" else signed_in(request.getfixturevalue(row.persona))
    )
    url = reverse(url_name, kwargs=url_kwargs(row.about, request))
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
    onboarding_step(3)(client, request, url)
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
        review_step,
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
        direct_subscription,
    ),
    "transfers:new": (
        "multichannel.services.transfers.request_transfer",
        lambda request: {
            "customer": request.getfixturevalue("held_subscription").customer.uuid,
            "source_partner": request.getfixturevalue("other_partner").uuid,
            "product_types": "azure",
            "notify_email": "it@northwind.example",
        },
        azure_held_elsewhere,
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
        invitation_page,
    ),
    "onboardings:review": (
        "multichannel.services.onboarding.finish",
        {},
        onboarding_step(4),
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
    url = reverse(url_name, kwargs=url_kwargs(row.about, request))
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
